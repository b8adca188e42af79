"""Pagers over Sage's list envelopes: lazy, page by page, or several pages at once in order.

`client.contacts.list()` returns a `Pager` (`AsyncPager` on the async client). Iterating it
follows `$next` (a path relative to the API root or an absolute URL) and holds one page at a
time; `.all(concurrency=8)` fetches the pages after the first by number, at most `concurrency`
at once, and still yields items in page order, so memory stays bounded by that window.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import email.utils
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import httpx

from sage_accounting._progress import ProgressOption, Reporter, reporter
from sage_accounting._wire import loads_json

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Envelope(Protocol[T_co]):
    """What every generated `*List` model has: one page of a list."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def total(self) -> int: ...

    @property
    def next_(self) -> str | None: ...

    @property
    def items_per_page(self) -> int: ...


P = TypeVar("P", bound=Envelope[Any])
Request = dict[str, Any]
Decode = Callable[[Any], P]


def page_request(first: Request, number: int, per_page: int) -> Request:
    """The request of page `number`, made from the first page's request."""
    params = dict(first.get("params") or {})
    params["page"] = number
    params["items_per_page"] = per_page
    return {**first, "params": params}


def next_request(first: Request, link: str) -> Request:
    """A `$next` link: relative paths resolve against the client's API root, like the spec's."""
    return {"method": "get", "url": link, "headers": first.get("headers") or {}}


class _Watch:
    """What a traversal saw: the first answer's server time, and whether the list moved."""

    def __init__(self) -> None:
        self.server_date: datetime | None = None
        self.first_seconds = 0.0
        self.first_total: int | None = None
        self.moved = False
        self.exhausted = False

    def first(self, response: httpx.Response, seconds: float) -> None:
        self.server_date = _date_header(response)
        self.first_seconds = seconds

    def page(self, page: Envelope[Any]) -> None:
        if self.first_total is None:
            self.first_total = page.total
        elif page.total != self.first_total:
            self.moved = True


def _date_header(response: httpx.Response) -> datetime | None:
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _pages_after_first(first: Envelope[Any]) -> int:
    per_page = first.items_per_page or len(first.items) or 1
    return max(0, math.ceil(first.total / per_page) - 1)


class _Progress:
    def __init__(self, option: ProgressOption, label: str) -> None:
        self._reporter: Reporter | None = reporter(option, label)
        self.done = 0
        self.total = 0

    def start(self, total: int) -> None:
        self.total = total
        if self._reporter is not None:
            self._reporter.update(0, total)

    def advance(self, count: int) -> None:
        self.done += count
        self.total = max(self.total, self.done)
        if self._reporter is not None:
            self._reporter.update(self.done, self.total)

    def finish(self, complete: bool) -> None:
        if self._reporter is None:
            return
        if complete and self.done != self.total:
            self.total = self.done  # the list shrank while it was read: end at what there was
            self._reporter.update(self.done, self.total)
        self._reporter.close()


class Pager(Generic[T, P]):
    """Every item of a list, fetched page by page as it is iterated.

    `for item in pager` follows `$next`; `pager.pages()` yields the page models;
    `pager.all(concurrency=8)` fetches the later pages in parallel; `pager.total` is `$total`.
    """

    def __init__(
        self,
        send: Callable[[Request], httpx.Response],
        request: Request,
        decode: Decode[P],
        *,
        progress: ProgressOption = None,
        label: str = "records",
    ) -> None:
        self._send = send
        self._request = request
        self._decode = decode
        self._progress = progress
        self._label = label
        self._first: P | None = None
        self._total: int | None = None
        self.watch = _Watch()

    def __repr__(self) -> str:
        return f"<Pager {self._request.get('url')} total={self._total}>"

    def _fetch(self, request: Request) -> P:
        page = self._decode(loads_json(self._send(request).content))
        self.watch.page(page)
        return page

    def first_page(self) -> P:
        """The first page (fetched once, then kept until iteration takes it)."""
        if self._first is None:
            started = time.monotonic()
            response = self._send(self._request)
            self.watch.first(response, time.monotonic() - started)
            self._first = self._decode(loads_json(response.content))
            self.watch.page(self._first)
            self._total = self._first.total
        return self._first

    @property
    def total(self) -> int:
        """`$total`: how many records the list holds (fetches the first page if needed)."""
        if self._total is None:
            self.first_page()
        assert self._total is not None
        return self._total

    def _take_first(self) -> P:
        page = self.first_page()
        self._first = None  # one page in memory: iteration owns it from here
        return page

    def pages(self, *, concurrency: int = 1) -> Iterator[P]:
        """Every page in order; `concurrency > 1` fetches up to that many pages at once."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        progress = _Progress(self._progress, self._label)
        complete = False
        try:
            first = self._take_first()
            progress.start(first.total)
            source = (
                self._sequential(first) if concurrency == 1 else self._parallel(first, concurrency)
            )
            for page in source:
                yield page
                progress.advance(len(page.items))
            complete = True
            self.watch.exhausted = True
        finally:
            progress.finish(complete)

    def _sequential(self, page: P) -> Iterator[P]:
        yield page
        while page.next_:
            page = self._fetch(next_request(self._request, page.next_))
            yield page

    def _parallel(self, first: P, concurrency: int) -> Iterator[P]:
        yield first
        remaining = _pages_after_first(first)
        if remaining == 0:
            yield from self._after(first)
            return
        per_page = first.items_per_page
        numbers = iter(range(2, remaining + 2))
        window: collections.deque[concurrent.futures.Future[P]] = collections.deque()
        pool = concurrent.futures.ThreadPoolExecutor(concurrency, "sage-pages")
        try:

            def submit() -> None:
                number = next(numbers, None)
                if number is not None:
                    request = page_request(self._request, number, per_page)
                    window.append(pool.submit(self._fetch, request))

            for _ in range(concurrency):
                submit()
            last = first
            while window:
                last = window.popleft().result()
                submit()
                yield last
        finally:
            for future in window:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        yield from self._after(last)

    def _after(self, page: P) -> Iterator[P]:
        """Pages added while the numbered pages were read are reached through `$next`."""
        while page.next_ and page.items:
            page = self._fetch(next_request(self._request, page.next_))
            yield page

    def __iter__(self) -> Iterator[T]:
        return self.all(concurrency=1)

    def all(self, *, concurrency: int = 8) -> Iterator[T]:
        """Every item in page order; the pages after the first are fetched `concurrency` at once."""
        for page in self.pages(concurrency=concurrency):
            items: Sequence[T] = page.items
            yield from items


class AsyncPager(Generic[T, P]):
    """The async twin of `Pager`: `async for item in pager`, `await pager.first_page()`,
    `await pager.total`, `pager.pages()` and `pager.all(concurrency=8)` (async iterators)."""

    def __init__(
        self,
        send: Callable[[Request], Awaitable[httpx.Response]],
        request: Request,
        decode: Decode[P],
        *,
        progress: ProgressOption = None,
        label: str = "records",
    ) -> None:
        self._send = send
        self._request = request
        self._decode = decode
        self._progress = progress
        self._label = label
        self._first: P | None = None
        self._total: int | None = None
        self.watch = _Watch()

    def __repr__(self) -> str:
        return f"<AsyncPager {self._request.get('url')} total={self._total}>"

    async def _fetch(self, request: Request) -> P:
        page = self._decode(loads_json((await self._send(request)).content))
        self.watch.page(page)
        return page

    async def first_page(self) -> P:
        if self._first is None:
            started = time.monotonic()
            response = await self._send(self._request)
            self.watch.first(response, time.monotonic() - started)
            self._first = self._decode(loads_json(response.content))
            self.watch.page(self._first)
            self._total = self._first.total
        return self._first

    @property
    def total(self) -> Awaitable[int]:
        """`await pager.total`: `$total` (fetches the first page if needed)."""
        return self._get_total()

    async def _get_total(self) -> int:
        if self._total is None:
            await self.first_page()
        assert self._total is not None
        return self._total

    async def _take_first(self) -> P:
        page = await self.first_page()
        self._first = None
        return page

    async def pages(self, *, concurrency: int = 1) -> AsyncIterator[P]:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        progress = _Progress(self._progress, self._label)
        complete = False
        try:
            first = await self._take_first()
            progress.start(first.total)
            source = (
                self._sequential(first) if concurrency == 1 else self._parallel(first, concurrency)
            )
            async for page in source:
                yield page
                progress.advance(len(page.items))
            complete = True
            self.watch.exhausted = True
        finally:
            progress.finish(complete)

    async def _sequential(self, page: P) -> AsyncIterator[P]:
        yield page
        while page.next_:
            page = await self._fetch(next_request(self._request, page.next_))
            yield page

    async def _parallel(self, first: P, concurrency: int) -> AsyncIterator[P]:
        yield first
        remaining = _pages_after_first(first)
        last = first
        if remaining:
            per_page = first.items_per_page
            numbers = iter(range(2, remaining + 2))
            window: collections.deque[asyncio.Task[P]] = collections.deque()

            def submit() -> None:
                number = next(numbers, None)
                if number is not None:
                    request = page_request(self._request, number, per_page)
                    window.append(asyncio.ensure_future(self._fetch(request)))

            try:
                for _ in range(concurrency):
                    submit()
                while window:
                    last = await window.popleft()
                    submit()
                    yield last
            finally:
                for task in window:
                    task.cancel()
                if window:
                    await asyncio.gather(*window, return_exceptions=True)
        while last.next_ and last.items:  # pages added meanwhile: reached through `$next`
            last = await self._fetch(next_request(self._request, last.next_))
            yield last

    def __aiter__(self) -> AsyncIterator[T]:
        return self.all(concurrency=1)

    async def all(self, *, concurrency: int = 8) -> AsyncIterator[T]:
        async for page in self.pages(concurrency=concurrency):
            items: Sequence[T] = page.items
            for item in items:
                yield item
