"""Businesses of a known country and edition in the emulator, as Sage describes them."""

from __future__ import annotations

from typing import Any

import pytest

from sage_accounting.testing import SageEmulator


@pytest.fixture()
def fake() -> SageEmulator:
    return SageEmulator(seed=5, access_token_ttl=300)


def describe_business(
    fake: SageEmulator,
    business_id: str,
    country: str | None,
    subscriptions: list[dict[str, Any]],
) -> None:
    """What `GET /businesses/{id}` answers of the business: its country and subscriptions.
    (Sets the emulator's record directly, until its businesses get a country and edition.)"""
    info = fake.store.businesses[business_id].info
    info["country"] = None if country is None else {"id": country, "displayed_as": country}
    info["subscriptions"] = subscriptions


def subscription(name: str, *, active: bool = True) -> dict[str, Any]:
    return {
        "id": "3f2e6a1c9b8d4e7f8a6b5c4d3e2f1a0b",
        "displayed_as": name,
        "active": active,
        "status": "active" if active else "cancelled",
    }
