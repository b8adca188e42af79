"""Auth tests run against the emulator, in process, with one clock shared by both sides."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sage_accounting import SageAccounting
from sage_accounting.testing import SageEmulator
from tests.clients import make_client


@pytest.fixture()
def fake() -> SageEmulator:
    return SageEmulator(seed=3, access_token_ttl=300)


@pytest.fixture()
def client(fake: SageEmulator) -> Iterator[SageAccounting]:
    with make_client(fake) as sage:
        yield sage
