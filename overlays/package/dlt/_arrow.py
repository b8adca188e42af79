"""Pages of records as Arrow tables, typed from the spec (the columns: `_columns.py`).

dlt writes Arrow tables straight to Parquet and the destination loads those natively, so no
row passes through dlt's Python normaliser: loading keeps pace with fetching. Rows are the
records as Sage sent them (`Pager.as_dicts()`: no model is built; money as numeric strings or
exact `Decimal`s, date-times ISO 8601 with an offset or `Z`), which is also what a model's
`to_dict()` gives, and are converted here, exactly: money to decimal(38, 9), never through
float. A value that does not fit its column is a `SyncError` naming the table and the column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# pyarrow ships no type information: the Arrow objects of this module are typed Any.
import pyarrow as pa  # type: ignore[import-untyped]

from .._wire import collector_paused
from ._columns import Row, column, columns_of
from ._columns import wire_moment as wire_moment  # the sync reads date-times as tables do
from ._table import BUSINESS_ID, DELETED, LINE_NUMBER, PARENT_ID, Child, SyncError


def table_of(
    rows: Sequence[Row],
    columns: Mapping[str, str],
    label: str,
    skip: Iterable[str] = (),
    *,
    business: str | None = None,
) -> Any:
    """The rows as one Arrow table: `business_id` (when given), every declared column (nulls
    where absent), then the fields the spec does not declare (as text: they may change shape
    from page to page)."""
    return _table(rows, columns, label, skip, business, {})


def _table(
    rows: Sequence[Row],
    columns: Mapping[str, str],
    label: str,
    skip: Iterable[str],
    business: str | None,
    given: Mapping[str, Any],
) -> Any:
    """`table_of`, with the arrays of the `given` columns made by the caller. The collector
    pauses while the rows are read (lists and tuples by the row, none kept): on the bench's
    first sync that halves the collections and the seconds they take."""
    with collector_paused():
        present: set[str] = set().union(*rows)  # every field of any row, at C speed
        extra = sorted(present.difference(columns, skip, (BUSINESS_ID,)))
        read = {name: kind for name, kind in columns.items() if name not in given}
        arrays = {**given, **columns_of(rows, read, label, present)}
        for name in extra:
            arrays[name] = column([row.get(name) for row in rows], "text", f"{label}.{name}")
    names = [BUSINESS_ID] if business is not None else []
    if business is not None:
        arrays[BUSINESS_ID] = pa.array([business] * len(rows), pa.string())
    for name, kind in [*columns.items(), *((name, "text") for name in extra)]:
        names += [f"{name}_id", name] if kind == "ref" else [name]
    return pa.Table.from_arrays([arrays[name] for name in names], names=names)


def concat(tables: Sequence[Any]) -> Any:
    """One Arrow table of `tables` (a column one lacks is null there)."""
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables, promote_options="default")


def empty_table(columns: Mapping[str, str], business: str | None = None) -> Any:
    return table_of([], columns, "", business=business)


def tombstones(business: str, ids: Iterable[str]) -> Any:
    """Rows that remove the business's records of these ids (dlt's hard delete)."""
    keys = list(ids)
    return pa.table(
        {
            BUSINESS_ID: pa.array([business] * len(keys), pa.string()),
            "id": pa.array(keys, pa.string()),
            DELETED: pa.array([True] * len(keys), pa.bool_()),
        }
    )


def whole_marker(business: str, *, keyed: bool = True, lines: bool = False) -> Any:
    """One hard-delete row of the business: merged on business_id, it removes the business's
    rows even when the collection now has none (and is itself not inserted)."""
    columns: dict[str, Any] = {BUSINESS_ID: pa.array([business], pa.string())}
    if lines:
        columns[PARENT_ID] = pa.array([""], pa.string())
        columns[LINE_NUMBER] = pa.array([0], pa.int64())
    elif keyed:
        columns["id"] = pa.array([""], pa.string())
    columns[DELETED] = pa.array([True], pa.bool_())
    return pa.table(columns)


def child_columns(child: Child) -> dict[str, str]:
    return {PARENT_ID: "text", LINE_NUMBER: "bigint", **child.columns, DELETED: "bool"}


def lines_of(
    child: Child,
    parents: Sequence[Row],
    *,
    merged: bool,
    deleted: Iterable[str] = (),
    business: str | None = None,
) -> Any:
    """The lines of `parents`, keyed by (business_id, parent_id, line_number). Merged, a
    parent without lines (or deleted) gets one hard-delete row, so the lines it had before go."""
    lines: list[Row] = []
    keys: list[Any] = []
    numbers: list[int] = []
    for parent in parents:
        found = parent.get(child.field) or []
        key = parent.get("id")
        if not isinstance(found, list) or not all(isinstance(line, dict) for line in found):
            raise SyncError(
                f"{child.table}: `{child.field}` of record {key!r} is not a list of objects "
                f"({type(found).__name__})"
            )
        if found:  # the line dicts as they are: their keys come from beside them
            lines += found
            keys += [key] * len(found)
            numbers += range(len(found))
        elif merged:
            lines.append(_GONE)
            keys.append(key)
            numbers.append(0)
    if merged:
        for key in deleted:
            lines.append(_GONE)
            keys.append(key)
            numbers.append(0)
    given = {
        PARENT_ID: column(keys, "text", f"{child.table}.{PARENT_ID}"),
        LINE_NUMBER: pa.array(numbers, pa.int64()),
    }
    return _table(lines, child_columns(child), child.table, (), business, given)


_GONE: Row = {DELETED: True}  # a hard-delete line row: no field but the flag
