"""Fixtures for the emulator's tests: a frozen clock, an emulator, and clients bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sage_accounting.testing import FakeClock, SageEmulator

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START, frozen=True)


@pytest.fixture
def fake(clock: FakeClock) -> SageEmulator:
    return SageEmulator(seed=7, clock=clock)


def api_client(fake: SageEmulator, scope: str = "full_access") -> httpx.Client:
    token = fake.issue_token(scope)
    return httpx.Client(
        transport=fake.transport,
        base_url=fake.api_base_url,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )


@pytest.fixture
def client(fake: SageEmulator) -> Iterator[httpx.Client]:
    with api_client(fake) as opened:
        yield opened
