"""What both pagers (`_pagination.Pager`, `AsyncPager`) hold and do alike: the request, how to
send and decode, the first page once read, `from_page(n)` (a cursor) and the `as_dicts()` twin.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ._decoding import Body
from ._progress import ProgressOption
from ._reading import Envelope, RecordsPage, Request, Watch, count, page_request

P = TypeVar("P", bound=Envelope[Any])
Decode = Callable[[Any], P]
S = TypeVar("S")
_PagerT = TypeVar("_PagerT", bound="_PagerCore[Any, Any]")


class _PagerCore(Generic[S, P]):
    """What both pagers hold: how to send (`S`: a sync or an async function) and decode, the
    progress bar's label, the first page and what the read has seen."""

    def __init__(
        self,
        send: S,
        request: Request,
        decode: Decode[P],
        *,
        progress: ProgressOption = None,
        label: str = "records",
        deletions: bool = False,
    ) -> None:
        self._send = send
        self._request = request
        self._decode = decode
        self._progress = progress
        self._label = label
        self._deletions = deletions  # the list takes `deleted_since`: a parallel read checks it
        self._first_body: Body | None = None  # the first page, fetched and not yet iterated
        self._first: P | None = None  # its model, once asked for
        self._total: int | None = None
        self._fetched_first = False
        self.watch = Watch()
        # (since, the list of the deletions since then): its first page answers the count of
        # deletions a parallel read asks for, and is kept for the caller who reads it next
        self._counted_by: tuple[datetime.datetime, _PagerCore[Any, Any]] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._request.get('url')} total={self._total}>"

    def _keep_first(self, body: Body) -> None:
        """Keep the first page's JSON until iteration; its model is built only when asked for
        (`as_dicts()` of a pager whose first page `changes()` fetched never builds one)."""
        envelope = RecordsPage(body.data)
        self._first_body = body
        self.watch.page(envelope)
        self._total = count(envelope.total)
        self._fetched_first = True

    def count_deletions_with(
        self, since: datetime.datetime, deletions: _PagerCore[Any, Any]
    ) -> None:
        """Count the deletions since `since` (the catch-up's question) with the first page of
        `deletions`, the list of them the caller reads after this one: no request of its own."""
        self._counted_by = (since, deletions)

    def _counting_list(self, since: datetime.datetime) -> _PagerCore[Any, Any] | None:
        """The list of deletions that answers the count, fetched anew: a later count replaces
        an earlier one (None where there is none, or its reading has begun)."""
        if self._counted_by is None or self._counted_by[0] != since:
            return None
        deletions = self._counted_by[1]
        if deletions._fetched_first and deletions._first_body is None:
            return None
        deletions._first_body = deletions._first = None
        deletions.watch = Watch()
        return deletions

    def _first_model(self, body: Body) -> P:
        if self._first is None:
            self._first = body.build(self._decode)
        return self._first

    def from_page(self: _PagerT, number: int) -> _PagerT:
        """The same list read from page `number` on (a cursor kept between calls, say)."""
        if number < 1 or self._fetched_first:
            raise ValueError("from_page(n): n >= 1, before the pager has read a page")
        per_page = (self._request.get("params") or {}).get("items_per_page") or 20
        request = page_request(self._request, number, int(per_page))
        return type(self)(
            self._send,
            request,
            self._decode,
            progress=self._progress,
            label=self._label,
            deletions=self._deletions,
        )

    def _dicts_of(self, twin: type[_PagerT]) -> _PagerT:
        if self._fetched_first and self._first_body is None:
            raise RuntimeError("as_dicts() of a pager whose iteration has begun")
        other = twin(
            self._send,
            self._request,
            RecordsPage,
            progress=self._progress,
            label=self._label,
            deletions=self._deletions,
        )
        if self._first_body is not None:  # fetched already (changes() reads the first page)
            other._first_body = self._first_body
            other._total = self._total
            other._fetched_first = True
            other.watch = self.watch
        other._counted_by = self._counted_by
        return other
