"""Delta sync: `changes(since=watermark)` keeps a local copy in step, on the server's clock."""

from __future__ import annotations

import asyncio
import datetime
import time
from typing import Any

import httpx
import pytest

from sage_accounting import SageAccounting, Token
from sage_accounting._changes import EPOCH
from sage_accounting.errors import InvalidResponseError
from sage_accounting.testing import FakeClock, SageEmulator

from .conftest import async_client, sync_client

Copy = dict[str, Any]


def sync_once(
    sage: SageAccounting, copy: Copy, since: datetime.datetime | None
) -> datetime.datetime:
    """What an app does: apply the changes, then keep the watermark."""
    changes = sage.contacts.changes(since=since)
    for contact in changes.updated:
        copy[str(contact.id)] = contact.name
    assert changes.deleted is not None
    for key in changes.deleted:
        copy.pop(key, None)
    return changes.watermark


def server_copy(fake: SageEmulator) -> Copy:
    return {str(record["id"]): record["name"] for record in fake.records("contacts")}


def change_some(sage: SageAccounting, fake: SageEmulator, round_: int) -> None:
    keys = [str(record["id"]) for record in fake.records("contacts")]
    for n in range(3):
        sage.contacts.create(fake.example_body("contacts", minimal=True, seed=round_ * 10 + n))
    sage.contacts.update(keys[5 + round_], {"name": f"Updated {round_}"})
    sage.contacts.update(keys[700 + round_], {"name": f"Also updated {round_}"})
    sage.contacts.delete(keys[10 + round_])
    sage.contacts.delete(keys[1100 + round_])


def test_delta_sync_misses_nothing_across_creates_updates_and_deletes(
    fake: SageEmulator, client: SageAccounting
) -> None:
    copy: Copy = {}
    watermark = sync_once(client, copy, None)
    assert copy == server_copy(fake)

    for round_ in range(3):
        change_some(client, fake, round_)
        fake.clock.advance(2)
        watermark = sync_once(client, copy, watermark)
        assert copy == server_copy(fake)


def test_changes_made_right_after_a_sync_began_are_not_lost(
    fake: SageEmulator, client: SageAccounting
) -> None:
    copy: Copy = {}
    first = client.contacts.changes()
    change_some(client, fake, 0)  # while the first sync is being read: no clock advance
    for contact in first.updated:
        copy[str(contact.id)] = contact.name
    for key in first.deleted or ():
        copy.pop(key, None)

    sync_once(client, copy, first.watermark)

    assert copy == server_copy(fake)


def test_the_watermark_comes_from_the_server_clock_not_the_local_one() -> None:
    skewed = FakeClock(start=time.time() - 3 * 86_400)  # the server runs three days behind
    fake = SageEmulator(seed=2, clock=skewed)
    fake.seed("contacts", 30, full=False)
    with sync_client(fake) as sage:
        changes = sage.contacts.changes()
        assert sum(1 for _ in changes.updated) == 30
        assert list(changes.deleted or ()) == []
        watermark = changes.watermark

    server_now = datetime.datetime.fromtimestamp(skewed.now(), datetime.timezone.utc)
    assert datetime.timedelta(0) < server_now - watermark < datetime.timedelta(seconds=5)


def test_the_watermark_waits_until_everything_was_read(client: SageAccounting) -> None:
    changes = client.contacts.changes()
    next(iter(changes.updated))

    with pytest.raises(RuntimeError, match="before taking the watermark"):
        _ = changes.watermark


def test_a_deletion_while_the_list_is_read_keeps_the_old_watermark(
    fake: SageEmulator, client: SageAccounting
) -> None:
    since = sync_once(client, {}, None)
    fake.clock.advance(2)
    for round_ in range(2):
        change_some(client, fake, round_)
    changes = client.contacts.changes(since=since, items_per_page=2)
    assert len(list(changes.updated)) >= 7

    client.contacts.delete(str(fake.records("contacts")[0]["id"]))
    list(changes.deleted or ())
    assert changes.watermark == since  # a deletion stamped after the sync began

    first = client.contacts.changes(items_per_page=100)
    pages = first.updated.pages()
    next(pages)
    client.contacts.delete(str(fake.records("contacts")[0]["id"]))  # shifts later pages
    for _ in pages:
        pass
    list(first.deleted or ())
    assert first.watermark == EPOCH  # the next sync reads everything again


def test_async_delta_sync(fake: SageEmulator) -> None:
    async def run() -> tuple[Copy, Copy]:
        copy: Copy = {}
        async with async_client(fake) as sage:
            watermark = None
            for round_ in range(2):
                changes = await sage.contacts.changes(since=watermark)
                async for contact in changes.updated.all(concurrency=4):
                    copy[str(contact.id)] = contact.name
                assert changes.deleted is not None
                async for key in changes.deleted:
                    copy.pop(key, None)
                watermark = changes.watermark
                with sync_client(fake) as sage_sync:
                    change_some(sage_sync, fake, round_)
                fake.clock.advance(2)
            changes = await sage.contacts.changes(since=watermark)
            async for contact in changes.updated:
                copy[str(contact.id)] = contact.name
            assert changes.deleted is not None
            async for key in changes.deleted:
                copy.pop(key, None)
        return copy, server_copy(fake)

    local, remote = asyncio.run(run())
    assert local == remote


def test_changes_read_as_dicts_takes_a_record_its_model_would_refuse() -> None:
    """A loader reads the wire form: the first page `changes()` fetched is not built as models
    (a record the model refuses still loads; iterating models still refuses it, typed)."""
    odd = {"id": "c1", "displayed_as": "Odd", "created_at": "soon", "updated_at": "soon"}

    def answer(request: httpx.Request) -> httpx.Response:
        items = [] if "deleted_since" in request.url.params else [odd]
        body = {"$items": items, "$total": len(items), "$page": 1, "$next": None}
        return httpx.Response(200, json=body, headers={"Date": "Mon, 07 Dec 2026 00:00:00 GMT"})

    token = Token.from_response({"access_token": "a", "expires_in": 300}, now=time.time())
    with SageAccounting(token=token, transport=httpx.MockTransport(answer), limits=None) as sage:
        changes = sage.contacts.changes(since=None)
        assert list(changes.updated.as_dicts()) == [odd]
        assert list(changes.deleted or ()) == []
        assert changes.watermark < datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
        with pytest.raises(InvalidResponseError, match="soon"):
            list(sage.contacts.changes(since=None).updated)


def test_a_first_read_asks_for_its_pages_and_one_list_of_deletions(
    fake: SageEmulator, client: SageAccounting
) -> None:
    """The parallel read's check for deletions is the list of deletions read next: the first
    sync of a collection costs its pages and one request more."""
    fake.stats.reset()
    changes = client.contacts.changes(since=None)
    ids = [contact.id for contact in changes.updated.all(concurrency=4)]
    assert changes.deleted is not None
    assert list(changes.deleted) == []

    pages = -(-len(ids) // 200)  # the default page size
    asked = [e for e in fake.stats.requests if e.method == "GET" and e.path == "/contacts"]
    assert len(ids) == len(set(ids)) == len(fake.records("contacts"))
    assert len(asked) == pages + 1
    assert changes.watermark > EPOCH
