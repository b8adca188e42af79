"""Several businesses in one emulator and one database: seeding them, changing them between
runs, and checking that every table holds, per business, exactly the emulator's records."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sage_accounting import SageAccounting, availability
from sage_accounting.testing import SageEmulator

Query = Callable[[str], list[tuple[Any, ...]]]
TRACKED = ["contacts", "sales_invoices", "tax_rates"]
WHOLE = ["contact_types", "currencies", "stock_movements"]  # no change tracking: read whole
COLLECTIONS = [*TRACKED, *WHOLE]
SHARED = ["tax_rates", "contact_types", "currencies"]  # Sage's ids are the same in each business


# Countries and editions of the businesses after the lead (GB, Accounting Plus).
PROFILES = [
    ("IE", "standard"),
    ("GB", "start"),
    ("CA", "plus"),
    ("US", "standard"),
    ("ES", "plus"),
    ("FR", "standard"),
    ("GB", "standard"),
    ("IE", "plus"),
    ("CA", "start"),
]


def add_businesses(fake: SageEmulator, count: int, *, profiles: bool = False) -> list[str]:
    """The lead business and `count - 1` more (all GB Accounting Plus, their reference ids
    made equal through the store; or, with `profiles`, in PROFILES' countries and editions),
    each with its own books, sizes differing."""
    ids = [fake.lead_business_id]
    for n in range(1, count):
        country, edition = PROFILES[(n - 1) % len(PROFILES)] if profiles else ("GB", "plus")
        ids.append(fake.add_business(f"Client {n}", country=country, edition=edition))
    for n, business in enumerate(ids):
        for collection, size in (
            ("contacts", 30 + 7 * n),
            ("sales_invoices", 8 + n),
            ("tax_rates", 4),
            ("stock_movements", 5 + n % 3),
        ):
            if offered(fake, collection, business):
                fake.seed(collection, size, business, full=False)
    if not profiles:
        share_ids(fake, ids)
    fake.clock.advance(60)
    return ids


def offered(fake: SageEmulator, collection: str, business: str) -> bool:
    """Whether the spec's table offers the collection to the business's country and edition
    (the sync skips it without a request where it says no)."""
    info = fake.store.businesses[business].info
    country = str(info["country"]["id"])
    edition = _edition(info)
    return edition is None or availability.offered(collection, country, edition) is not False


def _edition(info: dict[str, Any]) -> str | None:
    for subscription in info.get("subscriptions") or []:
        words = str(subscription.get("displayed_as", "")).lower()
        for edition in ("plus", "standard", "start"):
            if edition in words:
                return edition
    return None


def share_ids(fake: SageEmulator, ids: Sequence[str]) -> None:
    """Give every business's reference records the first business's ids (as Sage's shared
    `GB_STANDARD`, `CUSTOMER`, `GBP` are), each keeping its own content."""
    store = fake.store
    with store.lock:
        first = store.businesses[ids[0]]
        for business in (store.businesses[key] for key in ids[1:]):
            for collection in SHARED:
                keys = [record.id for record in first.alive[collection].values()]
                records = list(business.alive[collection].values())
                for record, key in zip(records, keys, strict=True):
                    record.id = key
                business.alive[collection] = {record.id: record for record in records}


def change_books(fake: SageEmulator, sage: SageAccounting, ids: Sequence[str], round_: int) -> None:
    """Between runs: in each business, contacts created, updated and deleted, an invoice and
    a stock movement deleted (a collection read whole must lose it too)."""
    fake.clock.advance(3600)
    rng = random.Random(f"change/{round_}")
    for n, business in enumerate(ids):
        client = sage.with_business(business)
        contacts = [str(r["id"]) for r in fake.records("contacts", business)]
        if offered(fake, "contacts.create", business):  # not every edition may write
            body = fake.example_body(
                "contacts", minimal=True, seed=round_ * 100 + n, business_id=business
            )
            client.contacts.create(body)
        if not contacts:
            continue  # a business without contacts (its edition has none) has no invoices
        if offered(fake, "contacts.update", business):
            client.contacts.update(rng.choice(contacts), {"name": f"Renamed {round_}.{n}"})
        fake.delete_record("contacts", rng.choice(contacts), business)
        if n % 2 == round_ % 2:
            invoices = [str(r["id"]) for r in fake.records("sales_invoices", business)]
            fake.delete_record("sales_invoices", rng.choice(invoices), business)
            movements = [str(r["id"]) for r in fake.records("stock_movements", business)]
            if movements:
                fake.delete_record("stock_movements", rng.choice(movements), business)


def assert_books_per_business(fake: SageEmulator, query: Query, ids: Sequence[str]) -> None:
    """Every table holds, for each business, exactly its records at the emulator (the ids Sage
    shares between businesses too), lines included, and no row of any other business."""
    for collection in COLLECTIONS:
        for business in ids:
            synced = query(
                f"SELECT id, displayed_as FROM sage.{collection} WHERE business_id = '{business}'"
            )
            served = [
                (str(r["id"]), r.get("displayed_as")) for r in fake.records(collection, business)
            ]
            if not offered(fake, collection, business):
                served = []  # skipped without a request
            assert sorted(map(tuple, synced)) == sorted(served), (collection, business)
        [(total,)] = query(f"SELECT count(*) FROM sage.{collection}")
        expected = [fake.count(collection, b) for b in ids if offered(fake, collection, b)]
        assert total == sum(expected), collection
    for business in ids:
        invoices = fake.records("sales_invoices", business)
        synced = query(
            "SELECT id, total_amount FROM sage.sales_invoices "
            f"WHERE business_id = '{business}' ORDER BY id"
        )
        assert [(str(k), Decimal(t)) for k, t in synced] == sorted(
            (str(r["id"]), Decimal(r["total_amount"])) for r in invoices
        )
        lines = query(
            "SELECT count(*) FROM sage.sales_invoices__invoice_lines "
            f"WHERE business_id = '{business}'"
        )
        assert lines == [(sum(len(r.get("invoice_lines") or []) for r in invoices),)]
    orphans = query(
        "SELECT count(*) FROM sage.sales_invoices__invoice_lines l LEFT JOIN sage.sales_invoices"
        " i ON i.business_id = l.business_id AND i.id = l.parent_id WHERE i.id IS NULL"
    )
    assert orphans == [(0,)]
