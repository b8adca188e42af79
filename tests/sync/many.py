"""Several businesses in one emulator and one database: seeding them, changing them between
runs, and checking that every table holds, per business, exactly the emulator's records."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sage_accounting import SageAccounting
from sage_accounting.testing import SageEmulator

Query = Callable[[str], list[tuple[Any, ...]]]
TRACKED = ["contacts", "sales_invoices", "tax_rates"]
WHOLE = ["contact_types", "currencies", "stock_movements"]  # no change tracking: read whole
COLLECTIONS = [*TRACKED, *WHOLE]
SHARED = ["tax_rates", "contact_types", "currencies"]  # Sage's ids are the same in each business


def add_businesses(fake: SageEmulator, count: int, *, seed: int = 0) -> list[str]:
    """The lead business and `count - 1` more, each with its own books, sizes differing."""
    ids = [fake.lead_business_id]
    ids += [fake.add_business(f"Client {n}") for n in range(1, count)]
    for n, business in enumerate(ids):
        fake.seed("contacts", 30 + 7 * n + seed, business, full=False)
        fake.seed("sales_invoices", 8 + n, business, full=False)
        fake.seed("tax_rates", 4, business, full=False)
        fake.seed("stock_movements", 5 + n % 3, business, full=False)
    share_ids(fake, ids)
    fake.clock.advance(60)
    return ids


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
        client.contacts.create(
            fake.example_body("contacts", minimal=True, seed=round_ * 100 + n, business_id=business)
        )
        client.contacts.update(rng.choice(contacts), {"name": f"Renamed {round_}.{n}"})
        fake.delete_record("contacts", rng.choice(contacts), business)
        if n % 2 == round_ % 2:
            invoices = [str(r["id"]) for r in fake.records("sales_invoices", business)]
            fake.delete_record("sales_invoices", rng.choice(invoices), business)
            movements = [str(r["id"]) for r in fake.records("stock_movements", business)]
            fake.delete_record("stock_movements", rng.choice(movements), business)


def assert_books_per_business(fake: SageEmulator, query: Query, ids: Sequence[str]) -> None:
    """Every table holds, for each business, exactly its records at the emulator (shared ids
    apart), lines included, and no row of any other business."""
    for collection in COLLECTIONS:
        for business in ids:
            synced = query(
                f"SELECT id, displayed_as FROM sage.{collection} WHERE business_id = '{business}'"
            )
            served = [
                (str(r["id"]), r.get("displayed_as")) for r in fake.records(collection, business)
            ]
            assert sorted(map(tuple, synced)) == sorted(served), (collection, business)
        [(total,)] = query(f"SELECT count(*) FROM sage.{collection}")
        assert total == sum(fake.count(collection, business) for business in ids), collection
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
