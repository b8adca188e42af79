"""The bookkeeping of one read of a list, shared by the sync and async pagers.

Sage's lists are live and paged by offset, and its envelopes vary (SAGE_API.md, "Lists and
pagination"), so a read checks every page it gets:

* Only `$items` is sure to come. Without `$total` or a page size the pages cannot be asked for
  by number, and the read follows `$next` instead. A page without `$items`, or whose `$items`
  is not an array of objects, or whose `$total`, `$page`, page size or `$next` is of the wrong
  type, is an `InvalidResponseError` (`envelope_problem` names the fault).
* A page past the last one is answered with the last page. A page whose `$page` is not the one
  asked for ends the read, and its items are not yielded again; so does an empty page, and a
  page asked for by number that has no `$page` and only records read already.
* `$next` may be null or absent on a page that is not the last, so a list ends where `$total`
  says: a full page without `$next` before the read reached `$total` is followed by the next
  page by number (a present `$next` is always followed, and costs no extra request). A pass
  that ends short of the `$total` of its last page (the list's size as it ended, so a list
  that shrank or grew meanwhile is no error) raises `PaginationError` naming both counts. The
  read counts the records the pages served, repeats included: a record that moved across a
  page boundary leaves that count equal to the list's positions.
* A `$next` the read has followed already (links that loop) raises `PaginationError` after the
  records before it: following it would never end.
* Records created during a read shift later records onto the next page, so a record can come
  twice: a read yields each `id` once. A parallel read remembers every id; a sequential one
  only those of its last pages, so that its memory stays flat (a duplicate there can only
  come from a neighbouring page).
* Records deleted during a read shift later records onto the page before, which may have been
  read already, so a record can be missed. A parallel read that saw the list move (`$total`
  changed, a page came back other than asked, or the `deleted_since` filter counts more
  deletions since the read began than before the pass) reads the list again by `$next` and
  yields what it had not seen, until a pass finds the list still, at most `MAX_CATCH_UP` times.
"""

from __future__ import annotations

import collections
import datetime
import email.utils
import math
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

import httpx

from ._decoding import json_kind
from .errors import PaginationError

T_co = TypeVar("T_co", covariant=True)
Request = dict[str, Any]

#: Passes over a list that kept changing before a parallel read gives up catching up.
MAX_CATCH_UP = 3
#: Pages whose ids a sequential read remembers, to drop a record that shifted onto the next.
SEQUENTIAL_MEMORY = 2
_MARGIN = datetime.timedelta(seconds=1)


class Envelope(Protocol[T_co]):
    """What every generated `*List` model has: one page of a list.

    Only `items` is sure to be there; the others may be UNSET (absent) or None."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def total(self) -> object: ...

    @property
    def page(self) -> object: ...

    @property
    def next_(self) -> object: ...

    @property
    def items_per_page(self) -> object: ...


class RecordsPage:
    """A page whose records are the JSON objects Sage sent, not models (`Pager.as_dicts()`).

    Built from a body `envelope_problem` passed: `$items` is a list of objects, the numbers
    are whole and the links strings. Numbers inside the records are exact (`Decimal`), and
    the envelope's fields are None where the page did not send them."""

    __slots__ = ("back", "items", "items_per_page", "next_", "page", "total")

    def __init__(self, data: dict[str, Any]) -> None:
        self.items: list[dict[str, Any]] = data["$items"]
        self.total: int | None = data.get("$total")
        self.page: int | None = data.get("$page")
        self.items_per_page: int | None = data.get("$items_per_page", data.get("$itemsPerPage"))
        self.next_: str | None = data.get("$next")
        self.back: str | None = data.get("$back")

    def __repr__(self) -> str:
        return f"<RecordsPage page={self.page} items={len(self.items)} total={self.total}>"


_NUMBERS = ("$total", "$page", "$itemsPerPage", "$items_per_page")
_LINKS = ("$next", "$back")


def envelope_problem(data: Any) -> str | None:
    """What is wrong with a decoded list page, or None if it is a page the reader can follow."""
    if not isinstance(data, dict):
        return f"{json_kind(data)} where a page of the list (a JSON object) was due"
    if "$items" not in data:
        return "the page has no `$items`"
    items = data["$items"]
    if not isinstance(items, list):
        return f"`$items` is {json_kind(items)}, not an array"
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            return f"item {index} of `$items` is {json_kind(item)}, not an object"
    for key in _NUMBERS:
        value = data.get(key)
        if value is not None and count(value) is None:
            return f"`{key}` is {json_kind(value)}, not a whole number"
    for key in _LINKS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            return f"`{key}` is {json_kind(value)}, not a link"
    return None


def count(value: object) -> int | None:
    """An envelope number, or None where it is absent (UNSET), null or not a number."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def next_link(page: Envelope[Any]) -> str | None:
    link = page.next_
    return link if isinstance(link, str) and link else None


def page_request(first: Request, number: int, per_page: int) -> Request:
    """The request of page `number`, made from the first page's request."""
    params = dict(first.get("params") or {})
    params["page"] = number
    params["items_per_page"] = per_page
    return {**first, "params": params}


def next_request(first: Request, link: str) -> Request:
    """A `$next` link: relative paths resolve against the client's API root, like the spec's."""
    request = {"method": "get", "url": link, "headers": first.get("headers") or {}}
    return _carrying(first, request)


def deletions_request(first: Request, since: datetime.datetime) -> Request:
    """One record of the list's deletions since `since`: is there any?"""
    params = {"deleted_since": since.isoformat(), "items_per_page": 1}
    request = {
        "method": "get",
        "url": first["url"],
        "params": params,
        "headers": first.get("headers") or {},
    }
    return _carrying(first, request)


def _carrying(first: Request, request: Request) -> Request:
    """`request` with the first page's extensions (the call's extras, its retry policy)."""
    extensions = first.get("extensions")
    return {**request, "extensions": extensions} if extensions else request


def deleted_count(page: Envelope[Any]) -> int:
    """The number of deletions a `deleted_since` page reports (its `$total`, else its items)."""
    total = count(page.total)
    return total if total is not None else len(page.items)


def pages_after_first(first: Envelope[Any]) -> tuple[int, int] | None:
    """How many numbered pages follow the first, and their size; None if the page cannot say."""
    total = count(first.total)
    per_page = count(first.items_per_page) or len(first.items)
    if total is None or per_page <= 0:
        return None
    return max(0, math.ceil(total / per_page) - 1), per_page


def date_header(response: httpx.Response) -> datetime.datetime | None:
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def server_start(date: datetime.datetime | None, seconds: float) -> datetime.datetime | None:
    """A server time no later than the moment a request that took `seconds` was read.

    `Date` is stamped when the answer leaves, in whole seconds: go back the request's whole
    duration and one second more."""
    if date is None:
        return None
    back = datetime.timedelta(seconds=float(int(seconds) + 1))
    start = date.astimezone(datetime.timezone.utc) - back - _MARGIN
    return start.replace(microsecond=0)


class Watch:
    """What a traversal saw: the first answer's server time, and whether the list moved."""

    def __init__(self) -> None:
        self.server_date: datetime.datetime | None = None
        self.url: httpx.URL | None = None  # the list's, as the first page was asked for
        self.first_seconds = 0.0
        self.first_total: int | None = None
        self.moved = False
        self.exhausted = False
        self.catch_up_passes = 0

    def first(self, response: httpx.Response, seconds: float) -> None:
        self.server_date = date_header(response)
        self.url = response.request.url
        self.first_seconds = seconds

    def page(self, page: Envelope[Any]) -> None:
        total = count(page.total)
        if total is None:
            return
        if self.first_total is None:
            self.first_total = total
        elif total != self.first_total:
            self.moved = True

    @property
    def start(self) -> datetime.datetime | None:
        return server_start(self.server_date, self.first_seconds)


def _id_of(item: object) -> object:
    """A record's `id`: its field, or kept among the fields its model does not declare."""
    if isinstance(item, dict):
        return item.get("id")
    key = getattr(item, "id", None)
    if key is None:
        extra = getattr(item, "additional_properties", None)
        key = extra.get("id") if isinstance(extra, dict) else None
    return key


class Read:
    """One traversal: which ids were yielded, how far the current pass reached, and whether it
    saw the list move."""

    def __init__(self, watch: Watch, *, parallel: bool) -> None:
        self.watch = watch
        self.parallel = parallel
        self._all: set[Any] = set()
        self._recent: collections.deque[set[Any]] = collections.deque(maxlen=SEQUENTIAL_MEMORY)
        self._links: set[str] = set()
        self.new_pass(counted=False)

    def new_pass(self, *, counted: bool = True) -> None:
        if counted:
            self.watch.catch_up_passes += 1
        self.pages = 0
        self.moved = False
        self.last_size = 0  # items of the last accepted page, before dropping repeats
        self._pass_total: int | None = None
        self._links.clear()
        self.number = 0  # the last accepted page's number
        self.size = 0  # the page size: the envelope's, else the first page's item count
        self.served = 0  # records the accepted pages served, repeats included
        self.total: int | None = None  # the latest `$total`: the list's size as the pass ends
        self.ended = False  # a page came back other than asked: the list's end was seen
        self._last_ids: set[str] = set()  # of the last accepted page, as it came

    def step(self, page: Envelope[Any], first: Request) -> tuple[Request, int | None, bool] | None:
        """What to fetch after `page`: its `$next`, else the next page by number while
        `$total` says more follow; as (request, page number asked for, asked by number)."""
        if not self.last_size:
            return None  # nothing follows an empty page
        link = self.follow(next_link(page))
        if link is not None:
            number = count(page.page)
            return next_request(first, link), None if number is None else number + 1, False
        if self.ended or self.total is None or self.served >= self.total:
            return None
        if self.last_size < self.size:
            return None  # a short page is the last
        return page_request(first, self.number + 1, self.size), self.number + 1, True

    def finish(self) -> None:
        """`PaginationError` if the pass ended short of the `$total` its last page gave."""
        if self.total is None or self.served >= self.total:
            return
        raise PaginationError.at(
            "GET",
            self.watch.url or "(the list)",
            f"the list ended after {self.served} records, but its `$total` says {self.total}: "
            "the pages after them came back short, empty or as pages read already",
            status_code=200,
            served=self.served,
            total=self.total,
        )

    def follow(self, link: str | None) -> str | None:
        """`link` to follow; `PaginationError` if this pass followed it already (links that
        loop would make the read endless)."""
        if link is None:
            return None
        if link in self._links:
            raise PaginationError.at(
                "GET",
                self.watch.url or "(the list)",
                f"`$next` leads back to a page this read fetched already (after {self.pages} "
                "pages): the list's links loop",
                status_code=200,
            )
        self._links.add(link)
        return link

    def accept(self, page: Envelope[Any], asked: int | None, *, planned: bool = False) -> bool:
        """Whether `page` belongs to the read; False for a page other than the one asked for,
        and for a `planned` page (asked for by number, as `$total` said) that cannot be."""
        number = count(page.page)
        total = count(page.total)
        if total is not None:
            self.total = total
        if asked is not None and (
            (number is not None and number != asked)
            or (planned and self._past_the_end(page, number))
        ):
            self.moved = self.ended = True  # past the end: the list is shorter than it was
            return False
        if total is not None:
            if self._pass_total is None:
                self._pass_total = total
            elif total != self._pass_total:
                self.moved = True
        self.pages += 1
        self.number = number or asked or self.number + 1
        self.last_size = len(page.items)
        self.size = count(page.items_per_page) or self.size or self.last_size
        self.served += self.last_size
        if self.pages == 1 and self.number > 1:  # resumed at page n: count the pages before
            self.served += (self.number - 1) * self.size
        self._last_ids = {key for item in page.items if isinstance(key := _id_of(item), str)}
        return True

    def _past_the_end(self, page: Envelope[Any], number: int | None) -> bool:
        """An empty page, or one without `$page` that repeats the page before (the last page
        again): a `$total` larger than the list would have the read ask for such pages for ever."""
        if not page.items:
            return True
        if number is not None:
            return False
        return all(_id_of(item) in self._last_ids for item in page.items)

    def fresh(self, page: Envelope[Any]) -> Any:
        """The page, without the records this read has yielded already."""
        items = page.items
        keep = []
        memory = self._all if self.parallel else set()
        for item in items:
            key = _id_of(item)
            if not isinstance(key, str):
                keep.append(item)  # no id to tell it by
            elif key not in memory and not self._seen_recently(key):
                memory.add(key)
                keep.append(item)
        if not self.parallel:
            self._recent.append(memory)
        if len(keep) != len(items):
            # The generated page models are attrs classes with a plain `items` attribute.
            setattr(page, "items", keep)  # noqa: B010
        return page

    def _seen_recently(self, key: str) -> bool:
        return any(key in ids for ids in self._recent)
