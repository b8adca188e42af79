"""The Arrow tables of a batch of rows are what converting the rows one value at a time gives.

`table_of` and `lines_of` read a batch in few passes (every plain field as one Arrow struct, the
JSON of all `json` and `ref` fields with one orjson call, casts per kind); `expected` below is the
plain conversion the sync promises, value by value: money exact into decimal(38, 9), "" NULL for
numbers and dates, date-times to UTC, a ref's id beside its JSON, unknown fields as text.
"""

from __future__ import annotations

import datetime
import gc
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("dlt")

import orjson
import pyarrow as pa  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from sage_accounting.dlt import _columns
from sage_accounting.dlt._arrow import child_columns, lines_of, table_of
from sage_accounting.dlt._table import Child, SyncError

UTC = datetime.timezone.utc
COLUMNS = {
    "id": "text",
    "name": "text",
    "active": "bool",
    "credit_days": "bigint",
    "total_amount": "decimal",
    "exchange_rate": "decimal",
    "date": "date",
    "updated_at": "timestamp",
    "contact": "ref",
    "currency": "ref",
    "tax_analysis": "json",
    "links": "json",
}
LINES = Child(
    field="invoice_lines",
    table="invoice_lines",
    columns={"id": "text", "quantity": "decimal", "ledger_account": "ref", "details": "json"},
)
TYPES = {
    "text": pa.string(),
    "ref": pa.string(),
    "json": pa.string(),
    "bool": pa.bool_(),
    "bigint": pa.int64(),
    "decimal": pa.decimal128(38, 9),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def json_text(value: Any) -> str:
    text: str = orjson.dumps(value, default=str).decode()  # a Decimal as its digits
    return text


def expected_value(value: Any, kind: str) -> Any:
    if value is None or (value == "" and kind in ("decimal", "date", "timestamp")):
        return None
    if kind == "text":
        if isinstance(value, str):
            return value
        return json_text(value) if isinstance(value, dict | list) else str(value)
    if kind in ("json", "ref"):
        return json_text(value)
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "timestamp":
        moment = datetime.datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def expected(
    rows: Sequence[dict[str, Any]],
    columns: Mapping[str, str],
    skip: Sequence[str] = (),
    business: str | None = None,
) -> pa.Table:
    """The table the sync promises for `rows`, worked out one value at a time."""
    known = {*columns, *skip, "business_id"}
    extra = sorted({key for row in rows for key in row if key not in known})
    data: dict[str, pa.Array] = {}
    if business is not None:
        data["business_id"] = pa.array([business] * len(rows), pa.string())
    for name, kind in [*columns.items(), *((key, "text") for key in extra)]:
        values = [row.get(name) for row in rows]
        if kind == "ref":
            ids = [v.get("id") if isinstance(v, dict) else None for v in values]
            data[f"{name}_id"] = pa.array([None if i is None else str(i) for i in ids], pa.string())
        data[name] = pa.array([expected_value(v, kind) for v in values], TYPES[kind])
    return pa.table(data)


def expected_lines(
    parents: Sequence[dict[str, Any]], deleted: Sequence[str], *, merged: bool, business: str
) -> pa.Table:
    """Each line with its parent's id and its place; merged, a hard-delete row for a parent
    without lines and for each deleted id."""
    rows: list[dict[str, Any]] = []
    for parent in parents:
        lines = parent.get(LINES.field) or []
        rows += [
            {**line, "parent_id": parent["id"], "line_number": n} for n, line in enumerate(lines)
        ]
        if merged and not lines:
            rows.append({"parent_id": parent["id"], "line_number": 0, "_sage_deleted": True})
    if merged:
        rows += [{"parent_id": key, "line_number": 0, "_sage_deleted": True} for key in deleted]
    return expected(rows, child_columns(LINES), business=business)


# Values as the wire (or a model's to_dict) gives them, some of every shape a column meets.
names = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
amounts = st.integers(0, 9).flatmap(
    lambda places: st.decimals(min_value=-(10**20), max_value=10**20, places=places)
)
numbers = st.one_of(
    amounts.map(str),  # as Sage sends money: "367.09"
    amounts,  # a JSON number, as the client reads it
    st.integers(-(10**15), 10**15),
    st.integers(-(10**9), 10**9).map(lambda cents: cents / 100),  # a float, read as its digits
    st.just(""),
)
days = st.dates().map(datetime.date.isoformat)
offsets = st.integers(-14 * 60, 14 * 60).map(
    lambda m: datetime.timezone(datetime.timedelta(minutes=m))
)
EARLIEST, LATEST = datetime.datetime(1900, 1, 1), datetime.datetime(2200, 1, 1)
moments = st.one_of(
    st.datetimes(EARLIEST, LATEST, timezones=offsets).map(datetime.datetime.isoformat),
    st.datetimes(EARLIEST, LATEST, timezones=st.just(UTC)).map(
        lambda moment: moment.isoformat().replace("+00:00", "Z")
    ),
    st.datetimes(EARLIEST, LATEST).map(datetime.datetime.isoformat),  # no offset: UTC
    st.just(""),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**15), 10**15), names, amounts)
objects = st.recursive(
    st.dictionaries(names, scalars, max_size=4),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3)),
    max_leaves=6,
)
refs = st.one_of(
    st.fixed_dictionaries(
        {"id": names, "displayed_as": names, "$path": names}, optional={"extra": objects}
    ),
    st.fixed_dictionaries({"id": st.integers(0, 10**6)}),  # an id as a number
    st.fixed_dictionaries({"displayed_as": names}),  # no id
    names,  # not an object at all
)
WIRE = {  # as Sage sends each kind
    "text": names,
    "bool": st.booleans(),
    "bigint": st.integers(-(2**63), 2**63 - 1),
    "decimal": st.one_of(amounts.map(str), st.just("")),
    "date": st.one_of(days, st.just("")),
    "timestamp": moments,
    "ref": st.fixed_dictionaries(
        {"id": names, "displayed_as": names, "$path": names}, optional={"extra": objects}
    ),
    "json": st.one_of(objects, st.lists(objects, max_size=3)),
}
ODD = {  # what else a column meets: JSON numbers read exactly, objects, refs of other shapes
    "text": st.one_of(st.integers(-(10**6), 10**6), amounts, objects),
    "bool": st.booleans(),
    "bigint": st.integers(-(2**63), 2**63 - 1),
    "decimal": numbers,
    "date": st.one_of(days, st.just("")),
    "timestamp": moments,
    "ref": st.one_of(
        st.fixed_dictionaries({"id": st.integers(0, 10**6)}),  # an id as a number
        st.fixed_dictionaries({"displayed_as": names}),  # no id
        names,  # not an object at all
    ),
    "json": st.one_of(names, amounts),
}


@st.composite
def records(draw: st.DrawFn, columns: Mapping[str, str] = COLUMNS) -> dict[str, Any]:
    """A record; mostly as Sage sends it, so a batch of them is often all wire-shaped."""
    odd = draw(st.sampled_from([False] * 4 + [True]))
    record: dict[str, Any] = {}
    for name, kind in columns.items():
        shape = draw(st.sampled_from(["value"] * 6 + ["null", "missing"]))
        if shape == "value":
            record[name] = draw((ODD if odd and draw(st.booleans()) else WIRE)[kind])
        elif shape == "null":
            record[name] = None
    unknown = draw(st.dictionaries(st.sampled_from(["memo", "tags", "1099"]), scalars | objects))
    return {**record, **unknown}


@st.composite
def invoices(draw: st.DrawFn) -> dict[str, Any]:
    record = draw(records())
    record["id"] = draw(names)
    record[LINES.field] = draw(st.lists(records(LINES.columns), max_size=3))
    return record


EXAMPLES = settings(max_examples=100, deadline=None, database=None)


@EXAMPLES
@given(rows=st.lists(records(), max_size=6), business=st.none() | st.just("b1"))
def test_a_batch_is_what_converting_each_value_gives(
    rows: list[dict[str, Any]], business: str | None
) -> None:
    _columns._LOOSE.clear()  # no column remembered as refused: Arrow's reading is what is tested
    assert table_of(rows, COLUMNS, "records", business=business).equals(
        expected(rows, COLUMNS, business=business)
    )


@EXAMPLES
@given(
    parents=st.lists(invoices(), max_size=5),
    deleted=st.lists(names, max_size=2),
    merged=st.booleans(),
)
def test_lines_are_what_converting_each_line_gives(
    parents: list[dict[str, Any]], deleted: list[str], merged: bool
) -> None:
    _columns._LOOSE.clear()
    got = lines_of(LINES, parents, merged=merged, deleted=deleted, business="b1")
    assert got.equals(expected_lines(parents, deleted, merged=merged, business="b1"))
    records_ = table_of(parents, COLUMNS, "invoices", [LINES.field])
    assert records_.equals(expected(parents, COLUMNS, [LINES.field]))


def test_money_is_exact_whether_text_a_decimal_or_a_float() -> None:
    rows: list[dict[str, Any]] = [
        {"total_amount": "0.000000001"},
        {"total_amount": Decimal("12345678901234567890.123456789")},
        {"total_amount": 0.1},  # read as its digits, never as the binary fraction
        {"total_amount": ""},
        {"total_amount": None},
    ]
    column = table_of(rows, COLUMNS, "invoices").column("total_amount").to_pylist()
    assert column == [
        Decimal("0.000000001"),
        Decimal("12345678901234567890.123456789"),
        Decimal("0.1"),
        None,
        None,
    ]


@pytest.mark.parametrize("value", ["0.0000000001", Decimal("1E-10"), 1e-10, "twelve", True])
def test_money_that_does_not_fit_names_the_column_and_the_value(value: Any) -> None:
    with pytest.raises(SyncError, match=rf"invoices\.total_amount: {re.escape(repr(value))}"):
        table_of([{"total_amount": "1.00"}, {"total_amount": value}], COLUMNS, "invoices")


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, "9" * 30, "seven"])
def test_a_whole_number_that_does_not_fit_names_the_column_and_the_value(value: Any) -> None:
    with pytest.raises(SyncError, match=rf"contacts\.credit_days: {re.escape(repr(value))}"):
        table_of([{"credit_days": 30}, {"credit_days": value}], COLUMNS, "contacts")


def test_the_largest_whole_numbers_still_fit() -> None:
    rows: list[dict[str, Any]] = [
        {"credit_days": 2**63 - 1},
        {"credit_days": -(2**63)},
        {"credit_days": "45"},
    ]
    column = table_of(rows, COLUMNS, "contacts").column("credit_days").to_pylist()
    assert column == [2**63 - 1, -(2**63), 45]


def test_date_times_with_z_or_an_offset_load_in_utc() -> None:
    rows = [{"updated_at": "2026-01-15T10:11:12Z"}, {"updated_at": "2026-01-15T10:11:12.5-08:00"}]
    assert table_of(rows, COLUMNS, "invoices").column("updated_at").to_pylist() == [
        datetime.datetime(2026, 1, 15, 10, 11, 12, tzinfo=UTC),
        datetime.datetime(2026, 1, 15, 18, 11, 12, 500000, tzinfo=UTC),
    ]


def test_a_ref_gives_its_id_and_its_json_as_sent() -> None:
    currency = {"id": "GBP", "displayed_as": "Pound Sterling (GBP) £", "$path": "/currencies/GBP"}
    table = table_of([{"currency": currency}, {"currency": None}], COLUMNS, "contacts")
    assert table.column("currency_id").to_pylist() == ["GBP", None]
    assert table.column("currency").to_pylist() == [
        '{"id":"GBP","displayed_as":"Pound Sterling (GBP) £","$path":"/currencies/GBP"}',
        None,
    ]


@pytest.mark.parametrize("ref", [("GBP",), ["GBP"], [], "GBP"])
def test_a_ref_that_is_not_an_object_has_no_id(ref: Any) -> None:
    table = table_of([{"currency": ref}], COLUMNS, "contacts")
    assert table.column("currency_id").to_pylist() == [None]
    assert table.column("currency").to_pylist() == [json_text(ref)]


def test_a_field_in_another_shape_later_batches_still_load() -> None:
    """A text field Sage sends as a number makes Arrow refuse the batch's struct; that batch
    and the later ones (which read the field on its own) load as each value converts."""
    batches: list[list[dict[str, Any]]] = [
        [{"id": "c1", "name": "Ann"}],
        [{"id": 7, "name": "Bo"}],
        [{"id": "c3"}],
    ]
    for rows in batches:
        assert table_of(rows, COLUMNS, "shapes").equals(expected(rows, COLUMNS))


class _Noted:
    """A field the spec does not declare, written out as text: it notes whether the cyclic
    garbage collector ran meanwhile."""

    def __init__(self, seen: list[bool]) -> None:
        self.seen = seen

    def __str__(self) -> str:
        self.seen.append(gc.isenabled())
        return "noted"


def test_the_collector_pauses_while_a_table_is_built_and_runs_again_after() -> None:
    seen: list[bool] = []
    assert gc.isenabled()
    table = table_of([{"id": "1", "extra": _Noted(seen)}], COLUMNS, "contacts")
    assert seen == [False] and table.column("extra").to_pylist() == ["noted"]
    assert gc.isenabled()

    with pytest.raises(SyncError, match=r"contacts\.total_amount"):
        table_of([{"id": "1", "total_amount": "ten", "extra": _Noted(seen)}], COLUMNS, "contacts")
    assert gc.isenabled()  # on again after a batch that does not fit, too


def test_a_program_that_keeps_the_collector_off_keeps_it_off_through_a_table() -> None:
    seen: list[bool] = []
    gc.disable()
    try:
        parent = {"id": "p", "invoice_lines": [{"id": "l", "x": _Noted(seen)}]}
        lines_of(LINES, [parent], merged=False)
        assert seen == [False] and not gc.isenabled()
    finally:
        gc.enable()
