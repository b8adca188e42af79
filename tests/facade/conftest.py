"""Facade tests run against the emulator in process: 1,234 contacts, `$next` links of both forms."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from sage_accounting import AsyncSageAccounting, SageAccounting
from sage_accounting.testing import SageEmulator
from tests.auth.conftest import make_async_client, make_client

CONTACTS = 1234
HAS_RETRIES = importlib.util.find_spec("sage_accounting._retry") is not None


def fast_retries() -> dict[str, object]:
    """Retries that wait milliseconds, where the retry overlay exists."""
    if not HAS_RETRIES:
        return {}
    from sage_accounting._retry import RetryPolicy

    return {"retry_policy": RetryPolicy(max_retries=8, backoff_base=0.001, backoff_max=0.01)}


def sync_client(fake: SageEmulator) -> SageAccounting:
    return make_client(fake, **fast_retries())


def async_client(fake: SageEmulator) -> AsyncSageAccounting:
    return make_async_client(fake, **fast_retries())


@pytest.fixture()
def fake() -> SageEmulator:
    emulator = SageEmulator(seed=7, links="mixed")
    emulator.seed("contacts", CONTACTS, full=False)
    return emulator


@pytest.fixture()
def client(fake: SageEmulator) -> Iterator[SageAccounting]:
    with sync_client(fake) as sage:
        yield sage
