"""Pagers: every record exactly once, in order, sync and async, sequential and parallel."""

from __future__ import annotations

import asyncio
import urllib.parse

import pytest

from sage_accounting import SageAccounting
from sage_accounting.models import Contact, ContactList
from sage_accounting.testing import SageEmulator
from sage_accounting.testing._faults import FaultKind

from .conftest import CONTACTS, async_client

FAULTS: tuple[FaultKind, ...] = ("429", "500", "502", "503", "504", "drop")


def list_queries(fake: SageEmulator) -> list[dict[str, str]]:
    return [
        dict(urllib.parse.parse_qsl(entry.query))
        for entry in fake.stats.requests
        if entry.path == "/contacts" and entry.status == 200
    ]


def expected_ids(fake: SageEmulator) -> list[str]:
    return [str(record["id"]) for record in fake.records("contacts")]


def inject_faults(fake: SageEmulator) -> None:
    fake.faults.inject(0.2, FAULTS, paths=["/contacts"], retry_after=None)


def test_iterating_follows_next_links_of_both_forms(
    fake: SageEmulator, client: SageAccounting
) -> None:
    ids = [contact.id for contact in client.contacts.list()]

    assert ids == expected_ids(fake)
    queries = list_queries(fake)
    assert len(queries) == 7  # ceil(1234 / 200): the default page size is the maximum
    assert {query["items_per_page"] for query in queries} == {"200"}


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_parallel_extraction_yields_every_record_once_in_page_order(
    fake: SageEmulator, client: SageAccounting, concurrency: int
) -> None:
    ids = [contact.id for contact in client.contacts.list().all(concurrency=concurrency)]

    assert ids == expected_ids(fake)


@pytest.mark.parametrize("concurrency", [1, 8])
def test_extraction_survives_faults(
    fake: SageEmulator, client: SageAccounting, concurrency: int
) -> None:
    inject_faults(fake)

    ids = [contact.id for contact in client.contacts.list().all(concurrency=concurrency)]

    assert ids == expected_ids(fake)
    assert sum(rule.fired for rule in fake.faults._rules) > 0


@pytest.mark.parametrize("concurrency", [1, 8])
def test_async_extraction_yields_every_record_once(fake: SageEmulator, concurrency: int) -> None:
    inject_faults(fake)

    async def extract() -> list[object]:
        async with async_client(fake) as sage:
            pager = sage.contacts.list()
            assert await pager.total == CONTACTS
            return [contact.id async for contact in pager.all(concurrency=concurrency)]

    assert asyncio.run(extract()) == expected_ids(fake)


def test_async_iteration_is_sequential_and_lazy(fake: SageEmulator) -> None:
    async def first_three() -> list[object]:
        async with async_client(fake) as sage:
            ids: list[object] = []
            async for contact in sage.contacts.list(items_per_page=2):
                ids.append(contact.id)
                if len(ids) == 3:
                    break
            return ids

    assert asyncio.run(first_three()) == expected_ids(fake)[:3]
    assert len(list_queries(fake)) == 2  # stopped after the second page


def test_pages_first_page_and_total(fake: SageEmulator, client: SageAccounting) -> None:
    pager = client.contacts.list(items_per_page=500 // 5)

    first = pager.first_page()
    assert isinstance(first, ContactList)
    assert pager.total == CONTACTS == first.total
    pages = list(pager.pages())
    assert [len(page.items) for page in pages] == [100] * 12 + [34]
    assert pages[0] is first  # the first page is fetched once
    assert all(isinstance(item, Contact) for page in pages for item in page.items)
    assert len(list_queries(fake)) == 13


def test_parallel_requests_stay_within_the_window(fake: SageEmulator) -> None:
    fake.latency = 0.02
    with SageAccounting_for(fake) as sage:
        ids = [contact.id for contact in sage.contacts.list(items_per_page=50).all(concurrency=4)]

    assert len(ids) == CONTACTS
    assert 1 < fake.stats.max_in_flight <= 4


def SageAccounting_for(fake: SageEmulator) -> SageAccounting:
    from .conftest import sync_client

    return sync_client(fake)


def test_records_added_during_a_parallel_extract_are_reached_through_next(
    fake: SageEmulator, client: SageAccounting
) -> None:
    pager = client.contacts.list()
    pager.first_page()
    fake.seed("contacts", 300, full=False)  # after $total was read: two more pages

    ids = [contact.id for contact in pager.all(concurrency=4)]

    assert ids == expected_ids(fake)


def test_an_error_status_raises_a_typed_error(client: SageAccounting) -> None:
    from sage_accounting.errors import APIStatusError

    with pytest.raises(APIStatusError) as caught:
        client.contacts.get("0" * 32)
    assert caught.value.status_code == 404


@pytest.mark.parametrize("concurrency", [1, 8])
def test_as_dicts_yields_the_records_as_sent_once_each_in_order(
    fake: SageEmulator, client: SageAccounting, concurrency: int
) -> None:
    inject_faults(fake)

    pages = list(client.contacts.list().as_dicts().pages(concurrency=concurrency))

    records = [record for page in pages for record in page.items]
    assert [record["id"] for record in records] == expected_ids(fake)
    assert all(type(record) is dict for record in records)
    # The wire form, not the model's: a model built from it writes back the same JSON.
    assert all(Contact.from_dict(record).to_dict() == record for record in records[:50])
    assert pages[0].total == CONTACTS and pages[-1].next_ is None


def test_as_dicts_keeps_a_first_page_fetched_already(
    fake: SageEmulator, client: SageAccounting
) -> None:
    pager = client.contacts.list(items_per_page=100)
    first = pager.first_page()

    records = list(pager.as_dicts())

    assert len(list_queries(fake)) == 13  # the first page was not asked for twice
    assert [record["id"] for record in records] == [contact.id for contact in first.items] + [
        str(key) for key in expected_ids(fake)[100:]
    ]
    assert records[0] == first.items[0].to_dict()


def test_as_dicts_of_a_pager_being_iterated_is_refused(client: SageAccounting) -> None:
    pager = client.contacts.list()
    next(iter(pager.pages()))

    with pytest.raises(RuntimeError, match="iteration has begun"):
        pager.as_dicts()


def test_async_as_dicts_yields_every_record_once(fake: SageEmulator) -> None:
    async def extract() -> list[object]:
        async with async_client(fake) as sage:
            pager = sage.contacts.list()
            await pager.first_page()
            return [record["id"] async for record in pager.as_dicts().all(concurrency=4)]

    assert asyncio.run(extract()) == expected_ids(fake)
    pages = [query for query in list_queries(fake) if "deleted_since" not in query]
    assert sorted(int(query.get("page", 1)) for query in pages) == list(range(1, 8))
