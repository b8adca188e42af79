"""Delta sync: what changed since a watermark, and the next watermark, on the server's clock.

    changes = client.contacts.changes(since=saved)      # None the first time: everything
    for contact in changes.updated:                     # created or updated since `saved`
        upsert(contact)
    for key in changes.deleted or ():                   # deleted since `saved`
        remove(key)
    save(changes.watermark)                             # only once both were applied

Why the watermark is what it is:

* It comes from the `Date` header of the first list answer, never from the local clock, so
  clock skew between this machine and Sage cannot lose changes.
* The highest `updated_at` seen is not safe: the pages are read at different moments, so a
  record on page 1 changed while page 5 was read has an `updated_at` below one seen on page 5
  and would be skipped next time; deletions have no `updated_at` at all.
* `Date` is stamped when the answer leaves the server, after the list was read, and has
  whole seconds; the watermark is that moment minus the first request's whole duration minus
  one second, so it is no later than the moment the server began reading the list. Changes
  in that overlap are delivered twice, which an upsert or delete absorbs; none are missed.
* Lists are paged by offset: a record deleted while the list is read shifts the later pages,
  so one record can be skipped. When the traversal shows that (`$total` changed between
  pages, or a deletion stamped after the sync began), the watermark stays at `since`, so the
  next sync reads the same window again.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Iterator
from typing import Any, Generic, Protocol, TypeVar

from ._pagination import AsyncPager, Pager
from ._reading import Envelope, Watch

T = TypeVar("T")
P = TypeVar("P", bound=Envelope[Any])
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _deleted_at(item: object) -> datetime.datetime | None:
    """When a listed deletion happened: the model's field, or the same key kept as extra."""
    value = getattr(item, "deleted_at", None)
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    extra = getattr(item, "additional_properties", None)
    value = extra.get("deleted_at") if isinstance(extra, dict) else None
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


class _Deletions:
    """Shared by the twins: whether a deletion happened after the sync began."""

    def __init__(self, start: datetime.datetime | None, all_count: bool) -> None:
        self._start = start
        self._all_count = all_count  # deleted_since was the start itself: every one counts
        self.during_sync = False

    def see(self, item: object) -> str:
        moment = _deleted_at(item)
        if self._all_count or (self._start is not None and moment and moment >= self._start):
            self.during_sync = True
        return str(getattr(item, "id", ""))


class DeletedIds(Generic[T, P]):
    """The ids of the records deleted since the watermark, read lazily page by page."""

    def __init__(self, pager: Pager[T, P], deletions: _Deletions) -> None:
        self.pager = pager
        self._deletions = deletions

    def __iter__(self) -> Iterator[str]:
        for item in self.pager:
            yield self._deletions.see(item)


class AsyncDeletedIds(Generic[T, P]):
    def __init__(self, pager: AsyncPager[T, P], deletions: _Deletions) -> None:
        self.pager = pager
        self._deletions = deletions

    async def __aiter__(self) -> AsyncIterator[str]:
        async for item in self.pager:
            yield self._deletions.see(item)


class _Outcome:
    def __init__(
        self,
        since: datetime.datetime | None,
        start: datetime.datetime | None,
        deletions: _Deletions | None,
    ) -> None:
        self.since = since
        self.start = start
        self.deletions = deletions

    def watermark(self, updated: Watch, deleted: Watch | None) -> datetime.datetime:
        if not updated.exhausted or (deleted is not None and not deleted.exhausted):
            raise RuntimeError(
                "read every item of `updated` (and `deleted`) before taking the watermark: "
                "a watermark stored earlier would skip what was not read"
            )
        moved = updated.moved or (deleted is not None and deleted.moved)
        if self.deletions is not None and self.deletions.during_sync:
            moved = True
        if self.start is None or moved:
            return self.since or EPOCH
        return self.start


class _Watched(Protocol):
    watch: Watch


class _Deleted(Protocol):
    @property
    def pager(self) -> _Watched: ...


U = TypeVar("U", bound=_Watched)
D = TypeVar("D", bound=_Deleted)


class _ChangesCore(Generic[U, D]):
    """What both flavours of changes hold: the pagers and the watermark bookkeeping."""

    def __init__(self, updated: U, deleted: D | None, outcome: _Outcome) -> None:
        self.updated = updated
        self.deleted = deleted
        self._outcome = outcome

    @property
    def since(self) -> datetime.datetime | None:
        return self._outcome.since

    @property
    def watermark(self) -> datetime.datetime:
        """The `since` of the next sync (server time); valid once everything was read."""
        deleted = self.deleted.pager.watch if self.deleted is not None else None
        return self._outcome.watermark(self.updated.watch, deleted)


class Changes(_ChangesCore[Pager[T, P], DeletedIds[T, P]], Generic[T, P]):
    """What changed since a watermark: `updated` records, `deleted` ids, the next `watermark`.

    `deleted` is None where the spec offers no `deleted_since` for the resource.
    """


class AsyncChanges(_ChangesCore[AsyncPager[T, P], AsyncDeletedIds[T, P]], Generic[T, P]):
    """The async twin of `Changes`: `async for` over `updated` and `deleted`."""


def make_outcome(
    since: datetime.datetime | None, watch: Watch, deletes: bool
) -> tuple[_Outcome, datetime.datetime | None]:
    """The outcome bookkeeping and the `deleted_since` to ask for (None: no deletions list)."""
    start = watch.start  # no later than the moment the first list request was read
    deleted_since = since if since is not None else start
    deletions = _Deletions(start, all_count=since is None) if deletes else None
    if not deletes or deleted_since is None:
        deletions = None
    return _Outcome(since, start, deletions), (deleted_since if deletions else None)
