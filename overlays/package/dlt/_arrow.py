"""Pages of records as Arrow tables, typed from the spec, column by column.

dlt writes Arrow tables straight to Parquet and the destination loads those natively, so no
row passes through dlt's Python normaliser: loading keeps pace with fetching. Rows are the
records as Sage sent them (`Pager.as_dicts()`: no model is built; money as numeric strings or
exact `Decimal`s, date-times ISO 8601 with an offset or `Z`), which is also what a model's
`to_dict()` gives, and are converted here, exactly: money to decimal(38, 9), never through
float. A value that does not fit its column is a `SyncError` naming the table and the column.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

# pyarrow ships no type information: the Arrow objects of this module are typed Any.
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from ._table import (
    BUSINESS_ID,
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    DELETED,
    LINE_NUMBER,
    PARENT_ID,
    Child,
    SyncError,
)

_orjson: Any
try:  # dlt's own JSON library (it needs it on CPython): several times faster than json
    import orjson as _orjson
except ImportError:  # pragma: no cover - PyPy
    _orjson = None

Row = dict[str, Any]
_TYPES: dict[str, Any] = {
    "text": pa.string(),
    "ref": pa.string(),
    "json": pa.string(),
    "bool": pa.bool_(),
    "bigint": pa.int64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "decimal": pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
}
_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # as Sage sends money: a numeric string, every digit kept
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    if _orjson is not None:
        text: str = _orjson.dumps(value, default=_plain).decode()
        return text
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return to_json(value) if isinstance(value, dict | list) else str(value)


def wire_moment(value: Any) -> datetime.datetime:
    """A date-time as the wire has it (ISO 8601, `Z` too, also on Python 3.10), UTC where it
    has no offset; `ValueError` if it is none."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def _day(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _column(values: list[Any], kind: str, where: str) -> Any:
    """One Arrow array of `kind`; Arrow's own casts first, Python only for what they refuse."""
    arrow_type = _TYPES[kind]
    try:
        if kind in ("decimal", "timestamp", "date"):
            # "" is Sage's "no value" for a date or a number (a model reads it as None): NULL
            # in the table.
            return pc.cast(_blank_is_null(_texts(values)), arrow_type)
        if kind in ("json", "ref"):
            return pa.array([None if v is None else to_json(v) for v in values], arrow_type)
        if kind == "text":
            return _texts(values, _text)
        return pa.array(values, arrow_type)
    except _CONVERSION_ERRORS:
        pass
    return pa.array([_slow(value, kind, where) for value in values], arrow_type)


def _texts(values: list[Any], spell: Any = str) -> Any:
    """A string array: Arrow takes the values as they are when all are text (as Sage sends
    them), else each is spelled out (a JSON number as its digits, an object as JSON)."""
    try:
        return pa.array(values, pa.string())
    except _CONVERSION_ERRORS:
        return pa.array([None if v is None else spell(v) for v in values], pa.string())


def _blank_is_null(texts: Any) -> Any:
    return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)


def _slow(value: Any, kind: str, where: str) -> Any:
    if value is None or (value == "" and kind in ("decimal", "timestamp", "date")):
        return None
    try:
        if kind == "decimal":
            number = Decimal(str(value))
            if number != number.quantize(Decimal(1).scaleb(-DECIMAL_SCALE)):
                raise ValueError(f"more than {DECIMAL_SCALE} decimal places")
            return number
        if kind == "timestamp":
            return wire_moment(value)
        if kind == "date":
            return _day(value)
        if kind == "bigint":
            return int(value)
        if kind == "bool" and isinstance(value, bool):
            return value
    except (ValueError, ArithmeticError) as exc:
        raise SyncError(f"{where}: {value!r} does not fit a {kind} column ({exc})") from None
    raise SyncError(f"{where}: {value!r} does not fit a {kind} column")


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
    skipped = {*skip, BUSINESS_ID}
    extra = {key for row in rows for key in row if key not in columns and key not in skipped}
    names: list[str] = []
    arrays: list[Any] = []
    if business is not None:
        names.append(BUSINESS_ID)
        arrays.append(pa.array([business] * len(rows), pa.string()))
    for name, kind in [*columns.items(), *((key, "text") for key in sorted(extra))]:
        values = [row.get(name) for row in rows]
        if kind == "ref":
            ids = [value.get("id") if isinstance(value, dict) else None for value in values]
            names.append(f"{name}_id")
            arrays.append(pa.array([None if i is None else str(i) for i in ids], pa.string()))
        names.append(name)
        arrays.append(_column(values, kind, f"{label}.{name}"))
    return pa.Table.from_arrays(arrays, names=names)


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
    rows: list[Row] = []
    for parent in parents:
        lines = parent.get(child.field) or []
        key = parent.get("id")
        if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
            raise SyncError(
                f"{child.table}: `{child.field}` of record {key!r} is not a list of objects "
                f"({type(lines).__name__})"
            )
        for number, line in enumerate(lines):
            rows.append({**line, PARENT_ID: key, LINE_NUMBER: number})
        if merged and not lines:
            rows.append({PARENT_ID: key, LINE_NUMBER: 0, DELETED: True})
    if merged:
        rows.extend({PARENT_ID: key, LINE_NUMBER: 0, DELETED: True} for key in deleted)
    return table_of(rows, child_columns(child), child.table, business=business)
