"""Lists end where `$total` says: a page without `$next` before the last is followed by number.

Sage's `$next` is not sure to be set on a page that is not the last (SAGE_API.md); the emulator
withholds it (`next_withheld`, null or absent) on every page, or on a seeded share of them.
Every reader (in order and in parallel, sync and async, models, `as_dicts()` and `changes()`)
gets every record, with no more requests than there are pages.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

import pytest

from sage_accounting.testing import SageEmulator
from sage_accounting.types import UNSET

from .conftest import async_client, sync_client

RECORDS = 450
PAGES = 3  # of 200, the default page size
SHARES = [1.0, 0.5]


def _emulator(withheld: float, seed: int = 3) -> SageEmulator:
    fake = SageEmulator(seed=seed, links="mixed", next_withheld=withheld)
    fake.seed("contacts", RECORDS, full=False)
    return fake


def _ids(fake: SageEmulator) -> list[str]:
    return [str(record["id"]) for record in fake.records("contacts")]


def _page_requests(fake: SageEmulator) -> list[dict[str, str]]:
    """The queries of the list's page requests (not the count of deletions a parallel read
    makes)."""
    queries = [
        dict(urllib.parse.parse_qsl(entry.query))
        for entry in fake.stats.requests
        if entry.method == "GET" and entry.path == "/contacts"
    ]
    return [query for query in queries if "deleted_since" not in query]


def _read(fake: SageEmulator, flavor: str, concurrency: int, *, dicts: bool = False) -> list[str]:
    def sync_read() -> list[str]:
        with sync_client(fake) as sage:
            pager = sage.contacts.list()
            if dicts:
                return [str(r["id"]) for r in pager.as_dicts().all(concurrency=concurrency)]
            return [str(contact.id) for contact in pager.all(concurrency=concurrency)]

    async def async_read() -> list[str]:
        async with async_client(fake) as sage:
            pager = sage.contacts.list()
            if dicts:
                records = pager.as_dicts().all(concurrency=concurrency)
                return [str(r["id"]) async for r in records]
            return [str(contact.id) async for contact in pager.all(concurrency=concurrency)]

    return sync_read() if flavor == "sync" else asyncio.run(async_read())


@pytest.mark.parametrize("dicts", [False, True], ids=["models", "as_dicts"])
@pytest.mark.parametrize("concurrency", [1, 8])
@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("withheld", SHARES)
def test_a_list_without_next_links_is_read_whole_in_as_many_requests_as_pages(
    withheld: float, flavor: str, concurrency: int, dicts: bool
) -> None:
    fake = _emulator(withheld)

    ids = _read(fake, flavor, concurrency, dicts=dicts)

    assert ids == _ids(fake)
    pages = sorted(query.get("page", "1") for query in _page_requests(fake))
    assert pages == ["1", "2", "3"]  # one request a page, in parallel in any order


def test_the_emulator_withholds_next_as_null_or_absent_on_the_share_of_pages_told() -> None:
    def links(fake: SageEmulator) -> list[Any]:
        with sync_client(fake) as sage:
            return [page.next_ for page in sage.contacts.list(items_per_page=10).pages()]

    every = links(_emulator(1.0))
    assert len(every) == RECORDS // 10
    assert {type(link) for link in every} <= {type(None), type(UNSET)}
    assert None in every and UNSET in every  # both forms, drawn per page

    some = links(_emulator(0.5))
    assert {isinstance(link, str) for link in some[:-1]} == {True, False}
    assert all(isinstance(link, str) for link in links(_emulator(0.0))[:-1])

    with pytest.raises(ValueError, match="next_withheld"):
        SageEmulator(next_withheld=1.5)


@pytest.mark.parametrize("withheld", [0.0, 1.0])
def test_next_links_or_not_a_read_makes_the_same_requests(withheld: float) -> None:
    fake = _emulator(withheld)
    with sync_client(fake) as sage:
        ids = [str(contact.id) for contact in sage.contacts.list(items_per_page=50)]

    assert ids == _ids(fake)
    assert len(_page_requests(fake)) == RECORDS // 50  # 9 pages, 9 requests, nothing more


@pytest.mark.parametrize("withheld", SHARES)
def test_changes_read_every_update_and_deletion_without_next_links(withheld: float) -> None:
    fake = _emulator(withheld)
    fake.clock.advance(10)  # the records were made well before the first sync began
    with sync_client(fake) as sage:
        first = sage.contacts.changes()
        assert [str(contact.id) for contact in first.updated] == _ids(fake)
        assert first.deleted is not None and list(first.deleted) == []
        keys = _ids(fake)[:250]
        for key in keys:
            fake.delete_record("contacts", key)
        fake.clock.advance(2)

        later = sage.contacts.changes(since=first.watermark)
        assert list(later.updated) == []
        assert later.deleted is not None
        assert sorted(later.deleted) == sorted(keys)  # 250 deletions: two pages, no $next


def test_async_changes_read_every_record_without_next_links() -> None:
    fake = _emulator(1.0)

    async def run() -> list[str]:
        async with async_client(fake) as sage:
            changes = await sage.contacts.changes()
            return [str(contact.id) async for contact in changes.updated]

    assert asyncio.run(run()) == _ids(fake)


@pytest.mark.parametrize(("creates", "deletes"), [(6, 2), (2, 6), (3, 3)])
@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_list_that_grows_or_shrinks_mid_read_is_no_pagination_error(
    creates: int, deletes: int, concurrency: int
) -> None:
    fake = _emulator(1.0, seed=creates * 10 + deletes)
    before = set(_ids(fake))
    churn = fake.churn("contacts", every=1, creates=creates, deletes=deletes, rounds=6, seed=5)

    with sync_client(fake) as sage:
        pager = sage.contacts.list(items_per_page=50)
        read = [str(contact.id) for contact in pager.all(concurrency=concurrency)]

    assert churn.done == 6  # the list changed before each of the first six requests
    assert len(read) == len(set(read))
    assert set(read) <= before | set(churn.created)
    if concurrency > 1:  # the parallel read catches up: nothing that stayed is missed
        assert (before - set(churn.deleted)) - set(read) == set()
