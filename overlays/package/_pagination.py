"""Pagers over Sage's list envelopes: lazy, page by page, or several pages at once in order.

`client.contacts.list()` returns a `Pager` (`AsyncPager` on the async client). Iterating it
follows `$next` (a path relative to the API root or an absolute URL) and holds one page at a
time (and asks for the next page by number where `$next` is missing but `$total` says more
follow); `.all(concurrency=8)` fetches the pages after the first by number, at most
`concurrency` at once, and still yields items in page order, so memory stays bounded by that
window (and the ids seen). How a read copes with a list that changes while it runs: `_reading.py`.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import httpx

from ._decoding import Body, decoded
from ._lazy import asyncio  # imported on first use: a sync program never does
from ._pager_core import _PagerCore
from ._progress import ReadProgress
from ._reading import (
    MAX_CATCH_UP,
    Envelope,
    Read,
    RecordsPage,
    Request,
    Watch,
    count,
    deleted_count,
    deletions_request,
    envelope_problem,
    page_request,
    pages_after_first,
)
from ._stop import with_stop

__all__ = ["AsyncPager", "Envelope", "Pager", "RecordsPage", "Request", "Watch", "page_request"]

T = TypeVar("T")
P = TypeVar("P", bound=Envelope[Any])
Record = dict[str, Any]
logger = logging.getLogger("sage_accounting")


def _body(response: httpx.Response) -> Body:
    """A page's body; `.build(decode)` makes the page. A body that is not a page is an
    `InvalidResponseError`. (The page is built once the response is gone: see `_decoding`.)"""
    return decoded(response, check=envelope_problem, what="a page of the list")


def _gave_up(label: str) -> None:
    logger.warning(
        "%s: the list kept changing over %d passes; records deleted meanwhile may have moved "
        "past this read (changes() picks them up)",
        label,
        MAX_CATCH_UP + 1,
    )


class Pager(_PagerCore[Callable[[Request], httpx.Response], P], Generic[T, P]):
    """Every item of a list, fetched page by page as it is iterated.

    `for item in pager` follows `$next`; `pager.pages()` yields the page models;
    `pager.all(concurrency=8)` fetches the later pages in parallel; `pager.total` is `$total`
    (None where Sage did not send it). Each record (by `id`) comes once. A page that is not
    one is an `InvalidResponseError`; `$next` links that loop, and a list that ends short of its
    `$total`, a `PaginationError`.
    """

    def _fetch(self, request: Request) -> P:
        page = _body(self._send(request)).build(self._decode)
        self.watch.page(page)
        return page

    def first_page(self) -> P:
        """The first page (fetched once, then kept until iteration takes it)."""
        return self._first_model(self.fetch_first())

    def fetch_first(self) -> Body:
        """Send the first request now, if it was not sent (its answer is kept for iteration);
        no model is built: for a reader that needs the answer's `Date` before it iterates."""
        body = self._first_body
        if body is None:
            started = time.monotonic()
            response = self._send(self._request)
            self.watch.first(response, time.monotonic() - started)
            body = _body(response)
            self._keep_first(body)
        return body

    @property
    def total(self) -> int | None:
        """`$total`: how many records the list holds (fetches the first page if needed)."""
        if not self._fetched_first:
            self.fetch_first()
        return self._total

    def _take_first(self) -> P:
        page = self.first_page()
        self._first = self._first_body = None  # one page in memory: iteration owns it now
        return page

    def as_dicts(self) -> Pager[Record, RecordsPage]:
        """The same list, its records the JSON objects Sage sent: no models are built.

        For a reader that wants the wire form (an exporter, a loader): money stays the
        numeric strings Sage sends, date-times the ISO 8601 text, `""` where Sage sent it,
        and numbers in the JSON are exact `Decimal`s. A page is still checked as a page
        (`InvalidResponseError` otherwise), but a record is not checked against its model.
        Call it before iterating; a first page fetched already is not fetched again."""
        twin: Pager[Record, RecordsPage] = self._dicts_of(Pager)
        return twin

    def pages(self, *, concurrency: int = 1) -> Iterator[P]:
        """Every page in order; `concurrency > 1` fetches up to that many pages at once."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        progress = ReadProgress(self._progress, self._label)
        complete = False
        try:
            first = self._take_first()
            progress.start(count(first.total) or len(first.items))
            read = Read(self.watch, parallel=concurrency > 1)
            source = (
                self._sequential(first, read)
                if concurrency == 1
                else self._parallel(first, read, concurrency)
            )
            for page in source:
                yield page
                progress.advance(len(page.items))
            complete = True
            self.watch.exhausted = True
        finally:
            progress.finish(complete)

    def _sequential(self, page: P, read: Read) -> Iterator[P]:
        read.accept(page, None)
        yield read.fresh(page)
        yield from self._follow(page, read)

    def _follow(self, page: P, read: Read) -> Iterator[P]:
        """The pages after `page` (by `$next`, else by number while `$total` says more follow)
        until the last, an empty or a repeated one; then the pass must have reached `$total`."""
        while (step := read.step(page, self._request)) is not None:
            request, asked, planned = step
            page = self._fetch(request)
            if not read.accept(page, asked, planned=planned):
                break
            yield read.fresh(page)
        read.finish()

    def _parallel(self, first: P, read: Read, concurrency: int) -> Iterator[P]:
        read.accept(first, None)
        yield read.fresh(first)
        last = first
        plan = pages_after_first(first)
        remaining, per_page = plan if plan is not None else (0, 0)
        numbers = iter(range(2, remaining + 2))
        window: collections.deque[tuple[int, concurrent.futures.Future[P]]] = collections.deque()
        pool = concurrent.futures.ThreadPoolExecutor(concurrency, "sage-pages")
        stop = threading.Event()  # set when this read ends: a page still waiting out a 429 stops
        try:

            def submit() -> None:
                number = next(numbers, None)
                if number is not None:
                    request = page_request(self._request, number, per_page)
                    request["extensions"] = with_stop(request.get("extensions") or {}, stop)
                    window.append((number, pool.submit(self._fetch, request)))

            for _ in range(min(concurrency, remaining)):
                submit()
            while window:
                number, future = window.popleft()
                page = future.result()
                if not read.accept(page, number, planned=True):
                    break  # past the end: the pages after it are the last one again
                submit()
                last = page
                yield read.fresh(page)
        finally:
            stop.set()
            for _, future in window:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        yield from self._follow(last, read)  # pages added meanwhile: reached through `$next`
        yield from self._catch_up(read)

    def _catch_up(self, read: Read) -> Iterator[P]:
        deletions = 0  # deleted since the read began, as counted before the current pass
        for passes in range(MAX_CATCH_UP + 1):
            if read.pages <= 1:
                return  # one page is read at once: nothing could shift
            moved = read.moved
            if self._deletions and (start := read.watch.start) is not None:
                counted = self._deleted_since(start)
                moved = moved or counted != deletions
                deletions = counted
            if not moved:
                return
            if passes == MAX_CATCH_UP:
                _gave_up(self._label)
                return
            read.new_pass()
            yield from self._sequential(self._fetch(self._request), read)

    def _deleted_since(self, since: datetime.datetime) -> int:
        """How many records of the list were deleted since `since`."""
        deletions = self._counting_list(since)
        if isinstance(deletions, Pager):
            return deleted_count(RecordsPage(deletions.fetch_first().data))
        page = _body(self._send(deletions_request(self._request, since))).build(self._decode)
        return deleted_count(page)

    def __iter__(self) -> Iterator[T]:
        return self.all(concurrency=1)

    def all(self, *, concurrency: int = 8) -> Iterator[T]:
        """Every item in page order; the pages after the first are fetched `concurrency` at once."""
        for page in self.pages(concurrency=concurrency):
            items: Sequence[T] = page.items
            yield from items


class AsyncPager(_PagerCore[Callable[[Request], Awaitable[httpx.Response]], P], Generic[T, P]):
    """The async twin of `Pager`: `async for item in pager`, `await pager.first_page()`,
    `await pager.total`, `pager.pages()` and `pager.all(concurrency=8)` (async iterators)."""

    async def _fetch(self, request: Request) -> P:
        page = _body(await self._send(request)).build(self._decode)
        self.watch.page(page)
        return page

    async def first_page(self) -> P:
        return self._first_model(await self.fetch_first())

    async def fetch_first(self) -> Body:
        """Send the first request now, if it was not sent (see `Pager.fetch_first`)."""
        body = self._first_body
        if body is None:
            started = time.monotonic()
            response = await self._send(self._request)
            self.watch.first(response, time.monotonic() - started)
            body = _body(response)
            self._keep_first(body)
        return body

    @property
    def total(self) -> Awaitable[int | None]:
        """`await pager.total`: `$total` (fetches the first page if needed; None if not sent)."""
        return self._get_total()

    async def _get_total(self) -> int | None:
        if not self._fetched_first:
            await self.fetch_first()
        return self._total

    async def _take_first(self) -> P:
        page = await self.first_page()
        self._first = self._first_body = None
        return page

    def as_dicts(self) -> AsyncPager[Record, RecordsPage]:
        """The same list, its records the JSON objects Sage sent (see `Pager.as_dicts`)."""
        twin: AsyncPager[Record, RecordsPage] = self._dicts_of(AsyncPager)
        return twin

    async def pages(self, *, concurrency: int = 1) -> AsyncIterator[P]:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        progress = ReadProgress(self._progress, self._label)
        complete = False
        try:
            first = await self._take_first()
            progress.start(count(first.total) or len(first.items))
            read = Read(self.watch, parallel=concurrency > 1)
            source = (
                self._sequential(first, read)
                if concurrency == 1
                else self._parallel(first, read, concurrency)
            )
            async for page in source:
                yield page
                progress.advance(len(page.items))
            complete = True
            self.watch.exhausted = True
        finally:
            progress.finish(complete)

    async def _sequential(self, page: P, read: Read) -> AsyncIterator[P]:
        read.accept(page, None)
        yield read.fresh(page)
        async for later in self._follow(page, read):
            yield later

    async def _follow(self, page: P, read: Read) -> AsyncIterator[P]:
        while (step := read.step(page, self._request)) is not None:
            request, asked, planned = step
            page = await self._fetch(request)
            if not read.accept(page, asked, planned=planned):
                break
            yield read.fresh(page)
        read.finish()

    async def _parallel(self, first: P, read: Read, concurrency: int) -> AsyncIterator[P]:
        read.accept(first, None)
        yield read.fresh(first)
        last = first
        plan = pages_after_first(first)
        remaining, per_page = plan if plan is not None else (0, 0)
        numbers = iter(range(2, remaining + 2))
        window: collections.deque[tuple[int, asyncio.Task[P]]] = collections.deque()

        def submit() -> None:
            number = next(numbers, None)
            if number is not None:
                request = page_request(self._request, number, per_page)
                window.append((number, asyncio.ensure_future(self._fetch(request))))

        try:
            for _ in range(min(concurrency, remaining)):
                submit()
            while window:
                number, task = window.popleft()
                page = await task
                if not read.accept(page, number, planned=True):
                    break
                submit()
                last = page
                yield read.fresh(page)
        finally:
            for _, task in window:
                task.cancel()
            if window:
                await asyncio.gather(*(task for _, task in window), return_exceptions=True)
        async for page in self._follow(last, read):
            yield page
        async for page in self._catch_up(read):
            yield page

    async def _catch_up(self, read: Read) -> AsyncIterator[P]:
        deletions = 0
        for passes in range(MAX_CATCH_UP + 1):
            if read.pages <= 1:
                return
            moved = read.moved
            if self._deletions and (start := read.watch.start) is not None:
                counted = await self._deleted_since(start)
                moved = moved or counted != deletions
                deletions = counted
            if not moved:
                return
            if passes == MAX_CATCH_UP:
                _gave_up(self._label)
                return
            read.new_pass()
            async for page in self._sequential(await self._fetch(self._request), read):
                yield page

    async def _deleted_since(self, since: datetime.datetime) -> int:
        deletions = self._counting_list(since)
        if isinstance(deletions, AsyncPager):
            return deleted_count(RecordsPage((await deletions.fetch_first()).data))
        response = await self._send(deletions_request(self._request, since))
        return deleted_count(_body(response).build(self._decode))

    def __aiter__(self) -> AsyncIterator[T]:
        return self.all(concurrency=1)

    async def all(self, *, concurrency: int = 8) -> AsyncIterator[T]:
        async for page in self.pages(concurrency=concurrency):
            items: Sequence[T] = page.items
            for item in items:
                yield item
