"""Facade tests run against the emulator in process: 1,234 contacts, `$next` links of both forms."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sage_accounting import AsyncSageAccounting, RetryPolicy, SageAccounting
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client

CONTACTS = 1234
FAST_RETRIES = RetryPolicy(max_retries=8, backoff_base=0.001, backoff_max=0.01)


def sync_client(fake: SageEmulator) -> SageAccounting:
    return make_client(fake, retry_policy=FAST_RETRIES)


def async_client(fake: SageEmulator) -> AsyncSageAccounting:
    return make_async_client(fake, retry_policy=FAST_RETRIES)


@pytest.fixture()
def fake() -> SageEmulator:
    emulator = SageEmulator(seed=7, links="mixed")
    emulator.seed("contacts", CONTACTS, full=False)
    return emulator


@pytest.fixture()
def client(fake: SageEmulator) -> Iterator[SageAccounting]:
    with sync_client(fake) as sage:
        yield sage
