"""Businesses of a known country and edition in the emulator, as Sage describes them.

The emulator's own businesses (`SageEmulator(country=, edition=)`, `fake.add_business(name,
country=, edition=)`) answer `GET /businesses/{id}` with their country and one active
subscription named after the edition ("Accounting Start"); `reshape_business` gives the
shapes a live business may answer that a new one never does (no country, a subscription that
names no edition or two, one cancelled).
"""

from __future__ import annotations

from typing import Any

import pytest

from sage_accounting.testing import SageEmulator

KEEP: Any = object()


@pytest.fixture()
def fake() -> SageEmulator:
    return SageEmulator(seed=5, access_token_ttl=300)


def reshape_business(
    fake: SageEmulator,
    business_id: str,
    *,
    subscriptions: list[dict[str, Any]],
    country: str | None = KEEP,
) -> None:
    """Set what `GET /businesses/{id}` answers of the business's subscriptions (and country),
    for shapes the emulator's businesses do not have by themselves."""
    info = fake.store.businesses[business_id].info
    info["subscriptions"] = subscriptions
    if country is not KEEP:
        info["country"] = None if country is None else {"id": country, "displayed_as": country}


def subscription(name: str, *, active: bool = True) -> dict[str, Any]:
    return {
        "id": "3f2e6a1c9b8d4e7f8a6b5c4d3e2f1a0b",
        "displayed_as": name,
        "active": active,
        "status": "active" if active else "cancelled",
    }
