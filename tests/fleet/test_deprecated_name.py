"""`sage_accounting.redis` was the fleet's first name: it still works, and says it is deprecated."""

from __future__ import annotations

import importlib
import sys

import pytest

import sage_accounting.fleet as fleet


def test_the_old_name_gives_the_same_classes_with_a_deprecation_warning() -> None:
    sys.modules.pop("sage_accounting.redis", None)
    with pytest.warns(DeprecationWarning, match=r"sage_accounting\.fleet"):
        old = importlib.import_module("sage_accounting.redis")
    assert old.RedisLimits is fleet.RedisLimits
    assert old.RedisTokenStore is fleet.RedisTokenStore
    assert old.RedisUnavailableError is fleet.RedisUnavailableError
