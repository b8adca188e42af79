"""Columns of rows as Arrow arrays, exactly: Arrow's own converters first, Python for the rest.

The fast path reads a batch of rows in few passes over them, as memory traffic is what costs:
every plain field at once (`pa.array` of the rows as one struct), the JSON of every `json` and
`ref` field with one orjson call, casts of a kind's columns as one array. A column Arrow refuses
is converted value by value (`column`), which also names a value that fits no column.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

# pyarrow ships no type information: the Arrow objects of this module are typed Any.
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from ._table import DECIMAL_PRECISION, DECIMAL_SCALE, SyncError

_orjson: Any
try:  # dlt's own JSON library (it needs it on CPython): several times faster than json
    import orjson as _orjson
except ImportError:  # pragma: no cover - PyPy
    _orjson = None

Row = dict[str, Any]
TYPES: dict[str, Any] = {
    "text": pa.string(),
    "ref": pa.string(),
    "json": pa.string(),
    "bool": pa.bool_(),
    "bigint": pa.int64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "decimal": pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
}
_CAST = ("decimal", "timestamp", "date")  # read as text, then cast by Arrow
# OverflowError: a whole number beyond int64, refused before Arrow sees it.
_CONVERSION_ERRORS = (
    pa.ArrowInvalid,
    pa.ArrowTypeError,
    pa.ArrowNotImplementedError,
    OverflowError,
)
_INT64 = range(-(2**63), 2**63)
_NULL_TEXT = pa.scalar(None, pa.string())
# Columns Arrow refused once, by (table, column): read value by value from then on, so a field
# Sage sends in another shape does not make every batch try the struct first.
_LOOSE: set[tuple[str, str]] = set()


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


def column(values: Sequence[Any], kind: str, where: str) -> Any:
    """One Arrow array of `kind`, value by value; Arrow's own casts first, Python only for
    what they refuse."""
    arrow_type = TYPES[kind]
    try:
        if kind in _CAST:
            return pc.cast(_blank_is_null(_texts(values)), arrow_type)
        if kind in ("json", "ref"):
            return pa.array([None if v is None else to_json(v) for v in values], arrow_type)
        if kind == "text":
            return _texts(values, _text)
        return pa.array(values, arrow_type)
    except _CONVERSION_ERRORS:
        pass
    return pa.array([_slow(value, kind, where) for value in values], arrow_type)


def ref_ids(values: Sequence[Any]) -> Any:
    """The `<name>_id` column of a ref column: the object's `id` as text."""
    found = [value.get("id") if isinstance(value, dict) else None for value in values]
    return pa.array([None if key is None else str(key) for key in found], pa.string())


def _texts(values: Sequence[Any], spell: Any = str) -> Any:
    """A string array: Arrow takes the values as they are when all are text (as Sage sends
    them), else each is spelled out (a JSON number as its digits, an object as JSON)."""
    try:
        return pa.array(values, pa.string())
    except _CONVERSION_ERRORS:
        return pa.array([None if v is None else spell(v) for v in values], pa.string())


def _blank_is_null(texts: Any) -> Any:
    # "" is Sage's "no value" for a date or a number (a model reads it as None): NULL.
    return pc.if_else(pc.equal(texts, ""), _NULL_TEXT, texts)


def _slow(value: Any, kind: str, where: str) -> Any:
    if value is None or (value == "" and kind in _CAST):
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
            whole = int(value)
            if whole not in _INT64:
                raise ValueError("beyond a 64-bit integer")
            return whole
        if kind == "bool" and isinstance(value, bool):
            return value
    except (ValueError, ArithmeticError) as exc:
        raise SyncError(f"{where}: {value!r} does not fit a {kind} column ({exc})") from None
    raise SyncError(f"{where}: {value!r} does not fit a {kind} column")


class _Refused(Exception):
    """Arrow alone cannot read a column (a ref that is not an object)."""


_REFUSED = (*_CONVERSION_ERRORS, _Refused)


def columns_of(
    rows: Sequence[Row], kinds: Mapping[str, str], label: str, present: set[str]
) -> dict[str, Any]:
    """The arrays of the declared columns (`<name>_id` of a ref too), by name; `present`:
    the fields any row has."""
    nulls = pa.nulls(len(rows), pa.string())
    texts = [name for name, kind in kinds.items() if kind in ("json", "ref")]
    arrays = {name: nulls for name in texts}  # a field no row has: NULL, not read
    arrays.update(_json_columns(rows, [name for name in texts if name in present]))
    plain = {name: kind for name, kind in kinds.items() if kind != "json"}
    tight = {name: kind for name, kind in plain.items() if (label, name) not in _LOOSE}
    try:
        whole = pa.array(rows, _struct_type(tuple(tight.items())))
        arrays.update(_read(whole, tight, rows, label, arrays))
    except _REFUSED:
        for name, kind in tight.items():
            arrays.update(_one(rows, name, kind, label, arrays, remember=True))
    for name, kind in plain.items():
        if name not in tight:
            arrays.update(_one(rows, name, kind, label, arrays, remember=False))
    return arrays


def _one(
    rows: Sequence[Row],
    name: str,
    kind: str,
    label: str,
    texts: Mapping[str, Any],
    *,
    remember: bool,
) -> dict[str, Any]:
    """A column on its own; `remember`: that Arrow alone cannot read it, when so."""
    values = [row.get(name) for row in rows]
    try:
        field = pa.array(values, _struct_type(((name, kind),)).field(0).type)
        whole = pa.StructArray.from_arrays([field], names=[name])
        return _read(whole, {name: kind}, rows, label, texts)
    except _REFUSED:
        if remember:
            _LOOSE.add((label, name))
    if kind == "ref":
        return {f"{name}_id": ref_ids(values)}
    return {name: column(values, kind, f"{label}.{name}")}


def _read(
    whole: Any, kinds: Mapping[str, str], rows: Sequence[Row], label: str, texts: Mapping[str, Any]
) -> dict[str, Any]:
    """The columns of `whole` (rows as Arrow read them): casts made, a ref's `id` taken where
    every ref is an object (its JSON text says so)."""
    arrays: dict[str, Any] = {}
    casts: dict[str, list[str]] = {}
    for at, (name, kind) in enumerate(kinds.items()):
        if kind == "ref":
            if pc.all(pc.starts_with(texts[name], "{")).as_py() is False:
                raise _Refused(name)
            arrays[f"{name}_id"] = pc.struct_field(whole, [at, 0])  # null where the ref is
        else:
            arrays[name] = whole.field(at)
            if kind in _CAST:
                casts.setdefault(kind, []).append(name)
    for kind, names in casts.items():
        arrays.update(_casts({name: arrays[name] for name in names}, rows, kind, label))
    return arrays


@functools.lru_cache(maxsize=512)
def _struct_type(fields: tuple[tuple[str, str], ...]) -> Any:
    """One row as Arrow reads it: a cast column as its text, a ref as its `id`."""
    plain = {**TYPES, **dict.fromkeys(_CAST, pa.string()), "ref": pa.struct([("id", pa.string())])}
    return pa.struct([(name, plain[kind]) for name, kind in fields])


def _casts(texts: Mapping[str, Any], rows: Sequence[Row], kind: str, label: str) -> dict[str, Any]:
    """Text columns cast to `kind` as one array; a column whose cast fails value by value."""
    size = len(rows)
    try:
        cast = pc.cast(_blank_is_null(pa.concat_arrays(list(texts.values()))), TYPES[kind])
        return {name: cast.slice(at * size, size) for at, name in enumerate(texts)}
    except _CONVERSION_ERRORS:
        pass
    arrays = {}
    for name, strings in texts.items():
        try:
            arrays[name] = pc.cast(_blank_is_null(strings), TYPES[kind])
        except _CONVERSION_ERRORS:
            arrays[name] = column([row.get(name) for row in rows], kind, f"{label}.{name}")
    return arrays


# orjson writes this as is, and never a raw NUL otherwise (JSON escapes control characters):
# it marks where one value's JSON ends in the text of many.
_SEPARATOR = None if _orjson is None else _orjson.Fragment(b"\x00")


def _json_columns(rows: Sequence[Row], names: list[str]) -> dict[str, Any]:
    """The JSON text of each named field (NULL for null), all written by one orjson call over
    the rows in their order, then cut apart and regrouped by column by Arrow."""
    if not names:
        return {}
    values = _row_major(rows, names)
    if not values or _orjson is None:
        texts = pa.array([None if v is None else to_json(v) for v in values], pa.string())
    else:
        spaced = [_SEPARATOR] * (2 * len(values))
        spaced[::2] = values
        text = _orjson.dumps(spaced, default=_plain)  # b'[v1,\x00,v2,\x00,...,vN,\x00]'
        pieces = pc.split_pattern(pa.array([text[1:-3]], pa.binary()), b",\x00,")
        texts = pieces.flatten().view(pa.string())  # orjson writes UTF-8 only
        texts = pc.if_else(pc.equal(texts, "null"), _NULL_TEXT, texts)
    if len(names) == 1:
        return {names[0]: texts}
    size = len(rows)
    by_column = texts.take(_regrouping(size, len(names)))
    return {name: by_column.slice(at * size, size) for at, name in enumerate(names)}


@functools.lru_cache(maxsize=32)
def _regrouping(size: int, width: int) -> Any:
    """Where each value of a `size` x `width` table, row after row, goes column after column:
    0, width, 2 * width, ... then 1, width + 1, ... (batches mostly share a size)."""
    starts = pc.subtract(pc.cumulative_sum(pa.array([width] * size, pa.int64())), width)
    return pa.concat_arrays([pc.add(starts, at) for at in range(width)])


def _row_major(rows: Sequence[Row], names: list[str]) -> list[Any]:
    """The named fields of every row, row after row (None where a row lacks one)."""
    pick = itemgetter(*names)
    try:
        if len(names) == 1:
            return list(map(pick, rows))
        return list(chain.from_iterable(map(pick, rows)))
    except KeyError:  # some row lacks a field (Sage sends every field, null or not)
        return [row.get(name) for row in rows for name in names]
