"""What every generated resource class stands on: sending, decoding, pagers, delta sync."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._changes import (
    AsyncChanges,
    AsyncDeletedIds,
    Changes,
    DeletedIds,
    make_outcome,
)
from .._decoding import decode as decode_body
from .._lazy import LazyModule
from .._pagination import AsyncPager, Pager
from .._progress import ProgressOption
from .._reading import Envelope, Request
from ..errors import InvalidResponseError

# The clients by their module, imported when read (typing.get_type_hints): it imports this one.
if TYPE_CHECKING:
    from .. import _sage as _clients
else:
    _clients = LazyModule(".._sage", __package__)

T = TypeVar("T")
P = TypeVar("P", bound=Envelope[Any])
M = TypeVar("M")
RequestFor = Callable[..., Request]


def given(**arguments: Any) -> dict[str, Any]:
    """The arguments the caller set (None means not set); naive date-times are local time."""
    chosen: dict[str, Any] = {}
    for name, value in arguments.items():
        if value is None:
            continue
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            value = value.astimezone()  # Sage needs an offset; a naive datetime is local time
        chosen[name] = value
    return chosen


def as_enum(enum_class: Callable[[Any], M], value: Any) -> M | None:
    """A query value as the generated enum the operation serialises (None stays None)."""
    return None if value is None else enum_class(value)


def decode(response: httpx.Response, from_dict: Callable[[Any], M]) -> M:
    """The record of a successful answer; an empty one is an error: the call needs a record.
    A body that does not read as the record is an `InvalidResponseError` saying why."""
    record = decode_optional(response, from_dict)
    if record is None:
        raise InvalidResponseError.from_response(response, "no content where a record was due")
    return record


def decode_optional(response: httpx.Response, from_dict: Callable[[Any], M]) -> M | None:
    """The record of a successful answer, or None for no content (a DELETE's 204, say)."""
    if not response.content.strip():
        return None
    return decode_body(response, from_dict)


class SyncResource:
    """One collection of the API on a `SageAccounting` client."""

    def __init__(self, client: _clients.SageAccounting) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _send(self, request: Request) -> httpx.Response:
        return self._client._send(request)

    def _pager(
        self,
        request: Request,
        page: Callable[[Any], P],
        progress: ProgressOption,
        label: str,
        deletions: bool = False,
    ) -> Pager[Any, P]:
        return Pager(self._send, request, page, progress=progress, label=label, deletions=deletions)

    def _changes(
        self,
        request: RequestFor,
        page: Callable[[Any], P],
        since: datetime.datetime | None,
        *,
        attributes: str | None,
        deletes: bool,
        progress: ProgressOption,
        label: str,
    ) -> Changes[Any, P]:
        since, query = _changes_query(since, attributes)
        updated = self._pager(request(**query), page, progress, label, deletes)
        updated.fetch_first()  # its Date header is the sync's start on the server's clock
        outcome, deleted_since = make_outcome(since, updated.watch, deletes)
        deleted = None
        if deleted_since is not None and outcome.deletions is not None:
            pager = self._pager(request(deleted_since=deleted_since), page, None, "records")
            if since is None:  # both ask for the deletions since the read began: one answer
                updated.count_deletions_with(deleted_since, pager)
            deleted = DeletedIds(pager, outcome.deletions)
        return Changes(updated, deleted, outcome)


class AsyncResource:
    """One collection of the API on an `AsyncSageAccounting` client."""

    def __init__(self, client: _clients.AsyncSageAccounting) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def _send(self, request: Request) -> httpx.Response:
        return await self._client._send(request)

    def _pager(
        self,
        request: Request,
        page: Callable[[Any], P],
        progress: ProgressOption,
        label: str,
        deletions: bool = False,
    ) -> AsyncPager[Any, P]:
        return AsyncPager(
            self._send, request, page, progress=progress, label=label, deletions=deletions
        )

    async def _changes(
        self,
        request: RequestFor,
        page: Callable[[Any], P],
        since: datetime.datetime | None,
        *,
        attributes: str | None,
        deletes: bool,
        progress: ProgressOption,
        label: str,
    ) -> AsyncChanges[Any, P]:
        since, query = _changes_query(since, attributes)
        updated = self._pager(request(**query), page, progress, label, deletes)
        await updated.fetch_first()  # no model built: `as_dicts()` may never need one
        outcome, deleted_since = make_outcome(since, updated.watch, deletes)
        deleted = None
        if deleted_since is not None and outcome.deletions is not None:
            pager = self._pager(request(deleted_since=deleted_since), page, None, "records")
            if since is None:  # both ask for the deletions since the read began: one answer
                updated.count_deletions_with(deleted_since, pager)
            deleted = AsyncDeletedIds(pager, outcome.deletions)
        return AsyncChanges(updated, deleted, outcome)


def _changes_query(
    since: datetime.datetime | None, attributes: str | None
) -> tuple[datetime.datetime | None, dict[str, Any]]:
    """The watermark with an offset, and the query of the list of what changed since it."""
    since = _aware(since)
    return since, given(updated_or_created_since=since, attributes=attributes)


def _aware(since: datetime.datetime | None) -> datetime.datetime | None:
    if since is None:
        return None
    if not isinstance(since, datetime.datetime):
        raise TypeError(f"since must be a datetime (the last watermark), not {since!r}")
    return since if since.tzinfo is not None else since.astimezone()
