"""`sage_source(client)`: a dlt source with one resource per collection (and business) read.

A collection that tracks changes is merged on (business_id, id): the first run reads
everything, later runs what changed since the watermark kept in dlt's source state, per
business. The watermark is the server's (see `changes()`), not the largest `updated_at` seen,
which would skip records changed on an early page while a later one was read; dlt keeps it
with the load package, so it reaches the destination together with the rows behind it, never
before. Deletions (`deleted_since`) are hard deletes. A collection without change tracking (or
any, on a full refresh) is read whole and replaces its business's rows only: its rows and one
hard-delete marker row are merged on business_id. A whole read is handed to dlt only once it
is complete, so a read that fails part-way replaces nothing.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import dlt
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from ..errors import (
    NotFoundError,
    PermissionDeniedError,
    SageAccountingError,
    StoppedError,
    SubscriptionError,
    UnprocessableEntityError,
)
from ._arrow import (
    child_columns,
    concat,
    empty_table,
    lines_of,
    table_of,
    tombstones,
    whole_marker,
    wire_moment,
)
from ._table import SyncError, Table
from ._tables import TABLES
from ._tally import Business, Tally
from ._together import together

if TYPE_CHECKING:
    from .. import SageAccounting

logger = logging.getLogger("sage_accounting")
# What the API answers for a collection the business's region or plan does not offer.
NOT_OFFERED = (NotFoundError, PermissionDeniedError, UnprocessableEntityError)
SOURCE_NAME = "sage_accounting"
BATCH = 2000  # records buffered as dicts before they become one Arrow table
# Arrow bytes gathered before one table goes to dlt: dlt computes and merges the table's
# schema for every table it is handed (tens of milliseconds each), not per row.
HANDOVER = 16 * 1024 * 1024
# The readers hand dlt one row per key (see `_Reader._new`): dlt's numbering of the staged
# rows to keep one per key, most of the merge's cost, is skipped.
MERGE: Any = {"disposition": "merge", "strategy": "delete-insert", "deduplicated": True}
# A table holding no row of the run's businesses takes them as they are (see `_first`).
APPEND: Any = {"disposition": "append"}
# Whether a business's country and edition offer a collection (None: the table does not say).
Offered = Callable[[str, str, str], "bool | None"]
__all__ = ["SOURCE_NAME", "Business", "Offered", "Tally", "sage_source", "tables_named"]


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
    businesses: Sequence[Business] | None = None,
    concurrency: int = 8,
    parallel: int = 4,
    progress: bool = False,
    tally: Tally | None = None,
    whole: bool = False,
    isolate: bool = False,
    offered: Offered | None = None,
    watermarks: Mapping[str, Mapping[str, str]] | None = None,
    appends: Collection[str] = (),
    held: Mapping[tuple[str, str], Collection[str]] | None = None,
) -> DltSource:
    """The dlt source of `sage`'s business (or of `businesses`): `pipeline.run(sage_source(sage))`.

    Args:
        sage: the client; its limits, retries and token store serve every request.
        collections: resource names (`contacts`, `sales_invoices`, ...); None: all.
        businesses: the businesses to read, each through `sage.with_business(id)`; None: the
            client's own business (the lead business, asked for once, when it names none).
        concurrency: pages fetched at once within a collection.
        parallel: businesses read at once within a collection (each in its own thread).
        progress: a progress bar per collection on stderr (tqdm's when installed).
        tally: counts of what the run did, filled in as it runs.
        whole: read every collection whole and replace each business's rows (a full refresh).
        isolate: a business's failure is noted in `tally`, not raised: the others go on.
        offered: `offered(collection, country, edition)`; a collection it says a business is
            not offered is skipped without a request (None answers: asked).
        watermarks: business id -> collection -> ISO watermark, used where the source state
            has none (carried over from a dataset an earlier release wrote).
        appends: collections whose tables (and line tables) hold no row of `businesses`:
            their rows are appended, not merged, and no hard-delete row is written.
        held: (business id, collection) -> the ids of the rows the business has in a table it
            reads from the start (no watermark): those the read does not find are removed.
    """
    if concurrency < 1:
        raise SyncError(f"concurrency must be at least 1, not {concurrency}")
    chosen = tables_named(collections)
    counts = tally if tally is not None else Tally()
    if businesses is None:
        businesses = [Business(sage.business_id or str(sage.lead_business().id))]
    carried = watermarks or {}
    _quiet_arrow_hints()
    readers: dict[str, list[_Reader]] = {table.name: [] for table in chosen}
    for business in businesses:
        client = sage if sage.business_id == business.id else sage.with_business(business.id)
        counts.of(business).client = client
        for table in chosen:
            if _not_offered(offered, table, business):
                counts.count(
                    business, table.name
                ).skipped = (
                    f"not offered to {business.edition} in {business.country} (no request made)"
                )
                continue
            reader = _Reader(client, business, table, concurrency, progress, counts, whole)
            reader.carried = carried.get(business.id, {}).get(table.name)
            reader.append = table.name in appends
            reader.held = (held or {}).get((business.id, table.name), ())
            readers[table.name].append(reader)
            counts.of(business).left += 1

    @dlt.source(name=SOURCE_NAME, max_table_nesting=0)
    def sage_accounting() -> list[DltResource]:
        return [
            _resource(table, readers[table.name], isolate, whole, parallel, table.name in appends)
            for table in chosen
            if readers[table.name]
        ]

    source: DltSource = sage_accounting()
    return source


def _resource(
    table: Table, readers: list[_Reader], isolate: bool, whole: bool, parallel: int, append: bool
) -> DltResource:
    """One resource per collection, reading `parallel` of its businesses at once, their rows
    handed to dlt together, HANDOVER bytes at a time: dlt's cost per resource and per Arrow table
    (it computes the table's schema for each) is paid per collection, not per business."""
    whole = whole or not table.changes
    children = {child.table: child for child in table.children}
    disposition = APPEND if append else MERGE

    def read() -> Iterator[Any]:
        marks = dlt.current.source_state().setdefault("watermarks", {})
        hinted: set[str] = set()
        held: dict[str, list[Any]] = {}

        def out(name: str) -> Any:
            data = concat(held.pop(name))
            if name == table.name:
                return data
            if name in hinted:
                return dlt.mark.with_table_name(data, name)
            hinted.add(name)  # a line table's hints go with its first rows only
            hints = dlt.mark.make_hints(
                table_name=name,
                write_disposition=disposition,
                columns=children[name].hints(whole=whole, append=append),
            )
            return dlt.mark.with_hints(data, hints, create_table_variant=True)

        sources = [functools.partial(reader.read, marks, isolate) for reader in readers]
        for name, data in together(sources, parallel):
            held.setdefault(name, []).append(data)
            if sum(part.nbytes for part in held[name]) >= HANDOVER:
                yield out(name)
        for name in list(held):
            yield out(name)

    resource: DltResource = dlt.resource(
        read,
        name=table.name,
        table_name=table.name,
        write_disposition=disposition,
        columns=table.hints(whole=whole, append=append),
        parallelized=True,
    )
    return resource


def _not_offered(offered: Offered | None, table: Table, business: Business) -> bool:
    if offered is None or business.country is None or business.edition is None:
        return False
    try:
        return offered(table.name, business.country, business.edition) is False
    except ValueError:  # a country or edition the table does not know: ask Sage
        return False


class _Reader:
    """One business's collection (and its lines) as Arrow tables for dlt."""

    def __init__(
        self,
        sage: SageAccounting,
        business: Business,
        table: Table,
        concurrency: int,
        progress: bool,
        tally: Tally,
        whole: bool,
    ) -> None:
        self.sage = sage
        self.business = business
        self.table = table
        self.concurrency = concurrency
        self.progress = progress
        self.tally = tally
        self.count = tally.count(business, table.name)
        self.whole = whole or not table.changes
        self.carried: str | None = None
        self.append = False  # the table holds none of the business's rows: nothing to delete
        self.held: Collection[str] = ()  # ids of its rows a read from the start may not find
        self.resource_api: Any = getattr(sage, table.name)
        self._written: set[str] = set()
        self._rows: list[dict[str, Any]] = []
        self._keys: set[str] = set()  # ids handed over (tombstones too): one row per key

    def read(self, marks: dict[str, dict[str, str]], isolate: bool) -> Iterator[Any]:
        """`run`, its outcome noted in the tally: a refusal or (isolated) an error ends only
        this business's collection."""
        outcome: Exception | None = None
        try:
            yield from self.run(marks.setdefault(self.business.id, {}))
        except SubscriptionError as exc:
            outcome = exc  # refused: this collection, or the business (decided at the end)
        except StoppedError as exc:
            outcome = exc
            raise  # the run is being interrupted: not this business's failure to note
        except SageAccountingError as exc:
            outcome = exc
            if not isolate:
                raise
            logger.warning("%s: %s failed: %s", self.business.label, self.table.name, exc)
        finally:
            self.tally.done(self.business, self.table.name, outcome)

    def run(self, marks: dict[str, str]) -> Iterator[Any]:
        since = None if self.whole else _moment(marks.get(self.table.name) or self.carried)
        try:
            if self.whole:
                yield from self._everything(marks)
            else:
                yield from self._changes(since, marks)
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
        if since is None:
            yield from self._create_empty()  # the table exists, rows or not, for SQL to query

    def _changes(self, since: datetime.datetime | None, marks: dict[str, str]) -> Iterator[Any]:
        changes = self.resource_api.changes(since=since, progress=self.progress)
        if since is not None:  # deletions first: a record deleted since is then not loaded
            yield from self._deleted(changes)
        for page in changes.updated.as_dicts().pages(concurrency=self.concurrency):
            items = self._new(page.items)
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
        if since is None:
            # A first read: its deletions are those made while it ran, read last (the answer
            # the read's own check fetched). One of a record loaded here stays until the next
            # sync, which reads everything again: any such deletion keeps the watermark. The
            # table's rows of the business it did not find (`held`: rows but no watermark)
            # were deleted before it ran.
            yield from self._deleted(changes, self.held)
        marks[self.table.name] = changes.watermark.isoformat()  # only after every row

    def _deleted(self, changes: Any, held: Collection[str] = ()) -> Iterator[Any]:
        """Hard-delete rows (and their lines) of the ids deleted (and of the `held` ones), but
        of none loaded this run: one row per key."""
        listed = set(changes.deleted) if changes.deleted is not None else set()
        deleted = listed.union(held) - self._keys
        if not deleted:
            return
        self._keys.update(deleted)
        self.count.deleted += len(deleted)
        if self.append:
            return  # no row of the business is in the table: nothing to remove
        business = self.business.id
        yield self._out(self.table.name, tombstones(business, sorted(deleted)))
        for child in self.table.children:
            lines = lines_of(child, [], merged=True, deleted=deleted, business=business)
            yield self._out(child.table, lines)

    def _everything(self, marks: dict[str, str]) -> Iterator[Any]:
        """Every record, handed over only once all were read (then the business's rows go)."""
        read: list[Any] = []
        changes: Any = None
        if self.table.changes:  # a full refresh: the watermark starts anew
            changes = self.resource_api.changes(since=None, progress=self.progress)
            pager = changes.updated
            if changes.deleted is not None:
                set(changes.deleted)  # the watermark is taken once both were read
        else:
            options: dict[str, Any] = {"attributes": "all"} if self.table.attributes else {}
            pager = self.resource_api.list(progress=self.progress, **options)
        self.count.replaced = True
        for page in pager.as_dicts().pages(concurrency=self.concurrency):
            items = self._new(page.items) if self.table.keyed else page.items
            self.count.added += len(items)
            read.extend(self._page(items))
        read.extend(self._flush())
        watermark = None if changes is None else changes.watermark.isoformat()
        business = self.business.id
        if not self.append:  # appended, the business has no rows to replace
            yield self._out(self.table.name, whole_marker(business, keyed=self.table.keyed))
            for child in self.table.children:
                yield self._out(child.table, whole_marker(business, lines=True))
        yield from read
        if watermark is not None:
            marks[self.table.name] = watermark

    def _new(self, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records whose id no row handed over has (the pager yields each once; a
        deletion read first wins over the record, as Sage's list of deletions says)."""
        keys = self._keys
        fresh = []
        for item in items:
            key = item.get("id")
            if key is None:
                fresh.append(item)  # no id: the key column refuses it, loudly
            elif (text := str(key)) not in keys:
                keys.add(text)
                fresh.append(item)
        return fresh

    def _page(self, items: Sequence[dict[str, Any]]) -> Iterator[Any]:
        """Buffer a page; make an Arrow table of every BATCH records."""
        self._rows.extend(items)
        if len(self._rows) >= BATCH:
            yield from self._flush()

    def _flush(self) -> Iterator[Any]:
        rows, self._rows = self._rows, []
        if not rows:
            return
        fields = [child.field for child in self.table.children]
        business = self.business.id
        records = table_of(rows, self.table.columns, self.table.name, fields, business=business)
        yield self._out(self.table.name, records)
        for child in self.table.children:
            merged = not self.whole and not self.append
            lines = lines_of(child, rows, merged=merged, business=business)
            self.count.lines += lines.num_rows
            yield self._out(child.table, lines)

    def _create_empty(self) -> Iterator[Any]:
        business = self.business.id
        if self.table.name not in self._written:
            yield self._out(self.table.name, empty_table(self.table.columns, business))
        for child in self.table.children:
            if child.table not in self._written:
                yield self._out(child.table, empty_table(child_columns(child), business))

    def _out(self, name: str, data: Any) -> tuple[str, Any]:
        self._written.add(name)
        return name, data


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
