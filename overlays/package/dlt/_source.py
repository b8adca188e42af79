"""`sage_source(client)`: a dlt source with one resource per collection the API can list.

A collection that tracks changes is merged on `id`: the first run reads everything, later
runs what changed since the watermark kept in dlt's resource state (per business). The
watermark is the server's (see `changes()`), not the largest `updated_at` seen, which would
skip records changed on an early page while a later one was read; dlt keeps it with the load
package, so it reaches the destination together with the rows behind it, never before.
Deletions (`deleted_since`) are hard deletes. A collection without change tracking is
replaced whole on every run.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import dlt
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from ..errors import NotFoundError, PermissionDeniedError, UnprocessableEntityError
from ._arrow import child_columns, empty_table, lines_of, table_of, tombstones, wire_moment
from ._table import SyncError, Table
from ._tables import TABLES

if TYPE_CHECKING:
    from .. import SageAccounting

logger = logging.getLogger("sage_accounting")
# What the API answers for a collection the business's region or plan does not offer.
NOT_OFFERED = (NotFoundError, PermissionDeniedError, UnprocessableEntityError)
SOURCE_NAME = "sage_accounting"
BATCH = 2000  # rows per Arrow table handed to dlt


@dataclass
class TableCount:
    """What one sync did to one table (and its line tables)."""

    added: int = 0  # records created since the last sync (all of them, the first time)
    updated: int = 0  # records changed since the last sync, created before it
    deleted: int = 0  # deletions reported since the last sync
    lines: int = 0  # rows written to its line tables
    replaced: bool = False  # no change tracking: reloaded whole (`added` is all its records)
    skipped: str | None = None  # why the collection was left out


@dataclass
class Tally:
    """Counts of one run, by table name."""

    tables: dict[str, TableCount] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def of(self, name: str) -> TableCount:
        with self._lock:
            return self.tables.setdefault(name, TableCount())


def tables_named(collections: Sequence[str] | None) -> list[Table]:
    """The tables of `collections` (None: every one), in the spec's order."""
    if collections is None:
        return list(TABLES)
    known = {table.name: table for table in TABLES}
    unknown = [name for name in collections if name not in known]
    if unknown:
        raise SyncError(
            f"not a collection the API can list: {', '.join(unknown)} "
            f"(one of: {', '.join(sorted(known))})"
        )
    wanted = set(collections)
    return [table for table in TABLES if table.name in wanted]


def sage_source(
    sage: SageAccounting,
    collections: Sequence[str] | None = None,
    *,
    concurrency: int = 8,
    progress: bool = False,
    tally: Tally | None = None,
) -> DltSource:
    """The dlt source of `sage`'s business: `pipeline.run(sage_source(sage))`.

    Args:
        sage: the client; its limits, retries and token store serve every request.
        collections: resource names (`contacts`, `sales_invoices`, ...); None: all.
        concurrency: pages fetched at once within a collection.
        progress: a progress bar per collection on stderr (tqdm's when installed).
        tally: counts of what the run did, filled in as it runs.
    """
    if concurrency < 1:
        raise SyncError(f"concurrency must be at least 1, not {concurrency}")
    chosen = tables_named(collections)
    counts = tally if tally is not None else Tally()
    _quiet_arrow_hints()

    @dlt.source(name=SOURCE_NAME, max_table_nesting=0)
    def sage_accounting() -> list[DltResource]:
        return [_resource(sage, table, concurrency, progress, counts) for table in chosen]

    source: DltSource = sage_accounting()
    return source


def _resource(
    sage: SageAccounting, table: Table, concurrency: int, progress: bool, tally: Tally
) -> DltResource:
    disposition: Any = (
        {"disposition": "merge", "strategy": "delete-insert"} if table.merged else "replace"
    )

    def read() -> Iterator[Any]:
        reader = _Reader(sage, table, concurrency, progress, tally.of(table.name))
        yield from reader.run(dlt.current.resource_state())

    resource: DltResource = dlt.resource(
        read,
        name=table.name,
        table_name=table.name,
        write_disposition=disposition,
        primary_key="id" if table.keyed else (),
        columns=table.hints(),
    )
    return resource


class _Reader:
    """One collection's records (and their lines) as Arrow tables for dlt."""

    def __init__(
        self,
        sage: SageAccounting,
        table: Table,
        concurrency: int,
        progress: bool,
        count: TableCount,
    ) -> None:
        self.sage = sage
        self.table = table
        self.concurrency = concurrency
        self.progress = progress
        self.count = count
        self.resource: Any = getattr(sage, table.name)
        self._hinted: set[str] = set()
        self._written: set[str] = set()
        self._rows: list[dict[str, Any]] = []

    def run(self, state: dict[str, Any]) -> Iterator[Any]:
        marks: dict[str, str] = state.setdefault("watermarks", {})
        business = self.sage.business_id or "lead"
        since = _moment(marks.get(business))
        try:
            if self.table.changes:
                yield from self._changes(since, marks, business)
            else:
                yield from self._everything()
        except NOT_OFFERED as exc:
            if self._written:
                raise  # not a refused collection: it answered, then failed
            self.count.skipped = f"the API answered {exc.status_code} ({_first_line(exc)})"
            logger.warning(
                "%s: skipped, the API answered %s: not offered for this business's region or plan?",
                self.table.name,
                exc.status_code,
            )
            return
        if since is None or not self.table.merged:
            yield from self._create_empty()  # the table exists, rows or not, for SQL to query

    def _changes(
        self, since: datetime.datetime | None, marks: dict[str, str], business: str
    ) -> Iterator[Any]:
        changes = self.resource.changes(since=since, progress=self.progress)
        deleted: set[str] = set(changes.deleted) if changes.deleted is not None else set()
        if deleted:
            self.count.deleted += len(deleted)
            yield self._out(self.table.name, tombstones(sorted(deleted)))
            for child in self.table.children:
                yield self._out(child.table, lines_of(child, [], merged=True, deleted=deleted))
        for page in changes.updated.as_dicts().pages(concurrency=self.concurrency):
            items = [item for item in page.items if str(item.get("id")) not in deleted]
            if since is None:
                self.count.added += len(items)
            else:
                for item in items:
                    created = _moment_of(item.get("created_at"))
                    if created is None or created > since:
                        self.count.added += 1
                    else:
                        self.count.updated += 1
            yield from self._page(items)
        yield from self._flush()
        marks[business] = changes.watermark.isoformat()  # only after every row was yielded

    def _everything(self) -> Iterator[Any]:
        options: dict[str, Any] = {"attributes": "all"} if self.table.attributes else {}
        self.count.replaced = True
        pager = self.resource.list(progress=self.progress, **options).as_dicts()
        for page in pager.pages(concurrency=self.concurrency):
            self.count.added += len(page.items)
            yield from self._page(page.items)
        yield from self._flush()

    def _page(self, items: Sequence[dict[str, Any]]) -> Iterator[Any]:
        """Buffer a page; hand dlt a table every BATCH rows (dlt's cost is per table)."""
        self._rows.extend(items)
        if len(self._rows) >= BATCH:
            yield from self._flush()

    def _flush(self) -> Iterator[Any]:
        rows, self._rows = self._rows, []
        if not rows:
            return
        fields = [child.field for child in self.table.children]
        yield self._out(
            self.table.name, table_of(rows, self.table.columns, self.table.name, fields)
        )
        for child in self.table.children:
            lines = lines_of(child, rows, merged=self.table.merged)
            self.count.lines += lines.num_rows
            yield self._out(child.table, lines)

    def _create_empty(self) -> Iterator[Any]:
        if self.table.name not in self._written:
            yield self._out(self.table.name, empty_table(self.table.columns))
        for child in self.table.children:
            if child.table not in self._written:
                yield self._out(child.table, empty_table(child_columns(child, merged=False)))

    def _out(self, name: str, data: Any) -> Any:
        self._written.add(name)
        if name == self.table.name:
            return data
        if name in self._hinted:
            return dlt.mark.with_table_name(data, name)
        self._hinted.add(name)
        child = next(child for child in self.table.children if child.table == name)
        merged = self.table.merged
        hints = dlt.mark.make_hints(
            table_name=name,
            write_disposition=(
                {"disposition": "merge", "strategy": "delete-insert"} if merged else "replace"
            ),
            primary_key=["parent_id", "line_number"],
            merge_key="parent_id" if merged else (),
            columns=child.hints(merged=merged),
        )
        return dlt.mark.with_hints(data, hints, create_table_variant=True)


def _moment(text: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def _moment_of(value: Any) -> datetime.datetime | None:
    """A record's `created_at` as the wire has it (ISO 8601, `Z` too), None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return wire_moment(value)
    except ValueError:
        return None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class _ArrowHintsNote(logging.Filter):
    """dlt warns on every page that our column hints (JSON, not-null keys) differ from the
    Arrow types that carry them (strings, nullable): that is intended, the hints win."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "when merging arrow schema with dlt schema" not in record.getMessage()


_FILTER = _ArrowHintsNote()


def _quiet_arrow_hints() -> None:
    dlt_logger = logging.getLogger("dlt")
    if _FILTER not in dlt_logger.filters:
        dlt_logger.addFilter(_FILTER)
