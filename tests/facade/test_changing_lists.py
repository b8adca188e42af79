"""Lists that change while they are read: each record once, none that stayed missed.

The emulator (`fake.churn`) deletes and creates records between the list requests of a read,
as a busy business does while an extract runs; a page past the last one answers the last page,
as the live API does.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest

from sage_accounting.testing import SageEmulator

from .conftest import async_client, sync_client

SEEDS = [1, 2, 3, 4, 5]
RECORDS = 1000
PAGE = 50  # 20 pages


def _emulator(seed: int) -> SageEmulator:
    fake = SageEmulator(seed=seed, links="mixed")
    fake.seed("contacts", RECORDS, full=False)
    return fake


def _ids(fake: SageEmulator) -> set[str]:
    return {str(record["id"]) for record in fake.records("contacts")}


@pytest.mark.parametrize("seed", SEEDS)
def test_a_parallel_read_of_a_changing_list_yields_every_record_that_stayed_once(
    seed: int,
) -> None:
    fake = _emulator(seed)
    before = _ids(fake)
    churn = fake.churn("contacts", every=2, creates=3, deletes=3, rounds=8, seed=seed)

    with sync_client(fake) as sage:
        read = [str(c.id) for c in sage.contacts.list(items_per_page=PAGE).all(concurrency=4)]

    assert churn.done == 8 and len(churn.deleted) == 24  # the list really changed mid-read
    _assert_exactly_once(read, before, churn.deleted, churn.created)


@pytest.mark.parametrize("seed", SEEDS)
def test_an_async_parallel_read_of_a_changing_list_yields_every_record_that_stayed_once(
    seed: int,
) -> None:
    fake = _emulator(seed)
    before = _ids(fake)
    churn = fake.churn("contacts", every=2, creates=3, deletes=3, rounds=8, seed=seed)

    async def run() -> list[str]:
        async with async_client(fake) as sage:
            pager = sage.contacts.list(items_per_page=PAGE)
            return [str(c.id) async for c in pager.all(concurrency=4)]

    read = asyncio.run(run())

    assert churn.done == 8
    _assert_exactly_once(read, before, churn.deleted, churn.created)


def _assert_exactly_once(
    read: list[str], before: set[str], deleted: list[str], created: list[str]
) -> None:
    twice = [key for key, times in Counter(read).items() if times > 1]
    assert twice == [], f"{len(twice)} record(s) yielded more than once"
    missed = (before - set(deleted)) - set(read)
    assert missed == set(), f"{len(missed)} record(s) that existed all along were missed"
    assert set(read) <= before | set(created)  # nothing that never existed


def test_without_the_catch_up_the_same_churn_loses_records() -> None:
    """The measure of the catch-up: read page by page with no re-read, records are missed."""
    fake = _emulator(3)
    before = _ids(fake)
    churn = fake.churn("contacts", every=2, creates=3, deletes=3, rounds=8, seed=3)

    with sync_client(fake) as sage:
        read = [c.id for c in sage.contacts.list(items_per_page=PAGE)]  # sequential: no catch-up

    assert len(read) == len(set(read))  # still each record once
    assert (before - set(churn.deleted)) - set(read)  # but a sequential read misses some


def test_a_read_of_a_still_list_asks_for_deletions_once_and_reads_it_once() -> None:
    fake = _emulator(1)
    with sync_client(fake) as sage:
        read = [c.id for c in sage.contacts.list(items_per_page=PAGE).all(concurrency=4)]

    assert len(read) == RECORDS == len(set(read))
    lists = [e for e in fake.stats.requests if e.method == "GET" and e.path == "/contacts"]
    assert len(lists) == RECORDS // PAGE + 1  # the pages, and one count of deletions


def test_records_deleted_after_the_first_page_end_the_read_at_the_real_last_page() -> None:
    fake = _emulator(2)
    with sync_client(fake) as sage:
        pager = sage.contacts.list(items_per_page=PAGE)
        pager.first_page()  # $total says 1000: 20 pages
        gone = fake.records("contacts")[-300:]
        for record in gone:
            fake.delete_record("contacts", str(record["id"]))
        read = [c.id for c in pager.all(concurrency=4)]

    assert len(read) == len(set(read)) == RECORDS - 300
    assert set(read) == _ids(fake)


def test_a_page_past_the_last_answers_the_last_page_as_the_live_api_does() -> None:
    fake = _emulator(1)
    with sync_client(fake) as sage:
        response = sage.http_client.get("/contacts", params={"page": 99, "items_per_page": PAGE})
    body = response.json()
    assert body["$page"] == RECORDS // PAGE
    assert len(body["$items"]) == PAGE

    strict = SageEmulator(seed=1, past_last_page="empty")
    strict.seed("contacts", 10, full=False)
    with sync_client(strict) as sage:
        body = sage.http_client.get("/contacts", params={"page": 2}).json()
    assert body["$page"] == 2 and body["$items"] == []


def test_the_emulator_spells_the_page_size_as_told_and_mixes_by_default() -> None:
    spellings = {}
    for style in ("itemsPerPage", "items_per_page"):
        fake = SageEmulator(seed=1, envelope=style)
        with sync_client(fake) as sage:
            body = sage.http_client.get("/contacts").json()
        spellings[style] = [key for key in body if key in ("$itemsPerPage", "$items_per_page")]
    assert spellings == {"itemsPerPage": ["$itemsPerPage"], "items_per_page": ["$items_per_page"]}

    fake = SageEmulator(seed=1)
    seen = set()
    with sync_client(fake) as sage:
        for path in ("/contacts", "/products", "/services", "/ledger_accounts", "/tax_rates"):
            body = sage.http_client.get(path).json()
            seen |= {key for key in body if key in ("$itemsPerPage", "$items_per_page")}
    assert seen == {"$itemsPerPage", "$items_per_page"}


def test_a_list_that_never_settles_stops_after_the_catch_up_passes_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = _emulator(4)
    fake.churn("contacts", every=3, creates=1, deletes=1)  # for as long as the read runs
    with caplog.at_level(logging.WARNING, logger="sage_accounting"), sync_client(fake) as sage:
        read = [c.id for c in sage.contacts.list(items_per_page=PAGE).all(concurrency=4)]

    assert len(read) == len(set(read))
    assert any("kept changing" in record.getMessage() for record in caplog.records)
