"""Lists whose links or counts are wrong end, never loop, and are never silently short: a
`$next` back to a page already read is a `PaginationError` after the records before it (or,
when the pages say their `$page`, ends the read as a page past the end does); a list whose
`$next` is missing is read by page number up to its `$total`, and one whose pages end short of
that `$total` is a `PaginationError` naming both counts after every record served, once. Sync
and async, one page at a time and in parallel, over HTTP from 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal

import pytest

from sage_accounting import errors as e

from .server import ITEM, OTHER, Answer, HostileServer, Seen, async_client, page, sync_client

FLAVORS = ("sync", "async")
Script = Callable[[Seen], Answer]


def _read(
    server: HostileServer, flavor: str, concurrency: int
) -> tuple[list[str], e.APIError | None]:
    """The ids a read yielded, and the error that ended it (None: it ended well)."""
    ids: list[str] = []

    def sync_read() -> None:
        with sync_client(server) as sage:
            for contact in sage.contacts.list().all(concurrency=concurrency):
                ids.append(str(contact.id))

    async def async_read() -> None:
        async with async_client(server) as sage:
            async for contact in sage.contacts.list().all(concurrency=concurrency):
                ids.append(str(contact.id))

    try:
        sync_read() if flavor == "sync" else asyncio.run(async_read())
    except e.APIError as error:
        return ids, error
    return ids, None


def _by_cursor(pages: dict[str, Answer]) -> Script:
    """Answer by the `cursor` query parameter (the first request has none)."""
    return lambda seen: pages[seen.query.get("cursor", "first")]


def _numbered(first: Answer, later: Callable[[int], Answer]) -> Script:
    return lambda seen: (
        first if seen.query.get("page", "1") == "1" else later(int(seen.query["page"]))
    )


LOOPS: dict[str, tuple[Script, list[str]]] = {
    "a $next back to the same page": (
        _by_cursor(
            {
                "first": page(ITEM, next="/contacts?cursor=a"),
                "a": page(ITEM, next="/contacts?cursor=a"),
            }
        ),
        [ITEM["id"]],
    ),
    "a $next cycling over two pages": (
        _by_cursor(
            {
                "first": page(ITEM, next="/contacts?cursor=b"),
                "b": page(OTHER, next="/contacts?cursor=a"),
                "a": page(ITEM, next="/contacts?cursor=b"),
            }
        ),
        [ITEM["id"], OTHER["id"]],
    ),
}


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("case", list(LOOPS))
def test_next_links_that_loop_stop_the_read_with_a_pagination_error(
    server: HostileServer, case: str, flavor: str, concurrency: int
) -> None:
    script, expected = LOOPS[case]
    server.script = script

    ids, error = _read(server, flavor, concurrency)

    assert ids == expected  # every record served, once, before the error
    assert isinstance(error, e.PaginationError)
    assert error.method == "GET" and error.url == server.base_url + "/contacts"
    assert str(error).startswith(f"GET {server.base_url}/contacts: `$next` leads back to a page")
    assert "cursor" not in str(error)
    assert len(server.seen) == len(expected) + 1


NUMBERED_LOOPS: dict[str, tuple[Script, list[str]]] = {
    "a $next back to the same page, with $page": (
        lambda seen: page(ITEM, page=1, next="/contacts?cursor=a"),
        [ITEM["id"]],
    ),
    "a $next cycling over two pages, with $page": (
        _by_cursor(
            {
                "first": page(ITEM, page=1, next="/contacts?cursor=b"),
                "b": page(OTHER, page=2, next="/contacts?cursor=a"),
                "a": page(ITEM, page=1, next="/contacts?cursor=b"),
            }
        ),
        [ITEM["id"], OTHER["id"]],
    ),
}


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("case", list(NUMBERED_LOOPS))
def test_a_next_to_a_page_other_than_the_next_ends_the_read(
    server: HostileServer, case: str, flavor: str
) -> None:
    script, expected = NUMBERED_LOOPS[case]
    server.script = script
    assert _read(server, flavor, 1) == (expected, None)
    assert len(server.seen) == len(expected) + 1


RECOVERIES: dict[str, tuple[Script, list[str]]] = {
    "$total below the records served": (
        _by_cursor(
            {
                "first": page(ITEM, total=1, page=1, items_per_page=1, next="/contacts?cursor=2"),
                "2": page(OTHER, total=1, page=2, items_per_page=1),
            }
        ),
        [ITEM["id"], OTHER["id"]],
    ),
    "an empty page with a $next": (
        _by_cursor(
            {
                "first": page(ITEM, next="/contacts?cursor=2"),
                "2": page(next="/contacts?cursor=3"),
                "3": page(OTHER),
            }
        ),
        [ITEM["id"]],
    ),
}


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("case", list(RECOVERIES))
def test_counts_that_disagree_with_the_pages_end_the_read_with_what_was_served(
    server: HostileServer, case: str, flavor: str, concurrency: int
) -> None:
    script, expected = RECOVERIES[case]
    server.script = script
    assert _read(server, flavor, concurrency) == (expected, None)
    assert len(server.seen) <= 1 + 4 + 2  # the first page, one window, a look by `$next`


def _contact(number: int) -> dict[str, Any]:
    return {"id": f"{number:032x}", "displayed_as": f"Contact {number}", "$path": f"/c/{number}"}


def _miscounted(
    records: int,
    total: int,
    size: int,
    *,
    numbered: bool = True,
    past_the_end: Literal["last", "empty"] = "last",
) -> Script:
    """A list of `records` contacts, `size` a page, whose pages never carry `$next` and say
    `$total` is `total`; a page past the end answers the last page (as Sage does) or none."""
    contacts = [_contact(number) for number in range(1, records + 1)]
    last = max(1, -(-records // size))

    def answer(seen: Seen) -> Answer:
        if "deleted_since" in seen.query:
            return page(total=0)  # nothing was deleted meanwhile
        number = int(seen.query.get("page", "1"))
        if number > last and past_the_end == "last":
            number = last
        envelope: dict[str, Any] = {"total": total, "items_per_page": size}
        if numbered:
            envelope["page"] = number
        return page(*contacts[(number - 1) * size : number * size], **envelope)

    return answer


def _first(records: int) -> list[str]:
    return [_contact(number)["id"] for number in range(1, records + 1)]


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("numbered", [True, False], ids=["with $page", "without $page"])
def test_a_list_without_next_links_is_read_by_number_up_to_its_total(
    server: HostileServer, numbered: bool, flavor: str, concurrency: int
) -> None:
    server.script = _miscounted(5, 5, 2, numbered=numbered)

    assert _read(server, flavor, concurrency) == (_first(5), None)
    lists = [seen for seen in server.seen if "deleted_since" not in seen.query]
    assert sorted(seen.query.get("page", "1") for seen in lists) == ["1", "2", "3"]  # no more


SHORT: dict[str, tuple[Script, int, int]] = {
    "a page past the end answers the last page": (_miscounted(4, 6, 2), 4, 6),
    "pages past the end come back empty": (_miscounted(4, 6, 2, past_the_end="empty"), 4, 6),
    "a short page before $total": (_miscounted(3, 6, 2), 3, 6),
    "a short first page": (_miscounted(1, 10**9, 2), 1, 10**9),
    "no $page, the same records again": (_miscounted(2, 10**9, 2, numbered=False), 2, 10**9),
    "no $page, later pages empty": (
        _miscounted(2, 10**9, 2, numbered=False, past_the_end="empty"),
        2,
        10**9,
    ),
}


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("case", list(SHORT))
def test_a_list_that_ends_short_of_its_total_is_a_pagination_error_naming_both_counts(
    server: HostileServer, case: str, flavor: str, concurrency: int
) -> None:
    script, served, total = SHORT[case]
    server.script = script

    ids, error = _read(server, flavor, concurrency)

    assert ids == _first(served)  # every record served, once, before the error
    assert isinstance(error, e.PaginationError)
    assert (error.served, error.total) == (served, total)
    assert f"the list ended after {served} records, but its `$total` says {total}" in str(error)
    assert error.url == server.base_url + "/contacts"
    assert len(server.seen) <= 1 + 4 + 2  # the first page, one window, the end looked for


def test_the_pager_reports_the_total_sage_sent(server: HostileServer) -> None:
    server.script = lambda seen: page(ITEM, total=10**9, items_per_page=2)
    with sync_client(server) as sage:
        pager = sage.contacts.list()
        assert pager.total == 10**9
        read: list[object] = []
        with pytest.raises(e.PaginationError, match="after 1 records"):
            read.extend(contact.id for contact in pager.all(concurrency=8))
    assert read == [ITEM["id"]]
