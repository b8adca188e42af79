"""What both pagers (`_pagination.Pager`, `AsyncPager`) hold and do alike: the request, how to
send and decode, the first page once read, `from_page(n)` (a cursor) and the `as_dicts()` twin.
"""

from __future__ import annotations

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
        self._first: P | None = None
        self._first_data: Any = None  # the first page's JSON, while `_first` holds its model
        self._total: int | None = None
        self._fetched_first = False
        self.watch = Watch()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._request.get('url')} total={self._total}>"

    def _keep_first(self, body: Body) -> P:
        """The first page's model, kept with its JSON (for `as_dicts()`) until iteration."""
        self._first = body.build(self._decode)
        self._first_data = body.data
        self.watch.page(self._first)
        self._total = count(self._first.total)
        self._fetched_first = True
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
        if self._fetched_first and self._first is None:
            raise RuntimeError("as_dicts() of a pager whose iteration has begun")
        other = twin(
            self._send,
            self._request,
            RecordsPage,
            progress=self._progress,
            label=self._label,
            deletions=self._deletions,
        )
        if self._first is not None:  # fetched already (changes() reads the first page)
            other._first = RecordsPage(self._first_data)
            other._first_data = self._first_data
            other._total = self._total
            other._fetched_first = True
            other.watch = self.watch
        return other
