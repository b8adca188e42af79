"""The sync loads each record as Sage sent it (`Pager.as_dicts()`), without building its model.

What lands in a table must be what loading the model's `to_dict()` would give: drawn wire
records of every synced collection's item schema (tests/generated/wire_strategies.py: money as
numeric strings, `""` for no value, offsets, fields the spec does not know) become the same
Arrow rows, lines included, either way.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("dlt")

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from sage_accounting.dlt._arrow import lines_of, table_of
from sage_accounting.dlt._table import SyncError, Table
from sage_accounting.dlt._tables import TABLES
from tests.generated.wire_strategies import SCHEMAS, SPEC_FILE, WireStrategies, model_classes

PATHS: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))["paths"]
MODELS = model_classes()
STRATEGIES = WireStrategies(SCHEMAS)
ROWS = settings(
    max_examples=5,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def item_schema(table: Table) -> str:
    """The schema of one record of the collection's list answer."""
    answer = PATHS[f"/{table.name}"]["get"]["responses"]["200"]["content"]["application/json"]
    page = SCHEMAS[answer["schema"]["$ref"].rsplit("/", 1)[-1]]
    ref: str = page["properties"]["$items"]["items"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def loaded(table: Table, rows: list[dict[str, Any]]) -> list[Any]:
    """The Arrow tables the sync hands dlt for `rows`: the records', then each line table's."""
    fields = [child.field for child in table.children]
    tables = [table_of(rows, table.columns, table.name, fields)]
    tables += [lines_of(child, rows, merged=table.merged) for child in table.children]
    return [arrow.to_pylist() for arrow in tables]


def test_every_synced_collection_has_a_record_model() -> None:
    assert len(TABLES) == 78
    assert all(item_schema(table) in MODELS for table in TABLES)


@pytest.mark.parametrize("table", TABLES, ids=[table.name for table in TABLES])
@seed(20261204)
@ROWS
@given(data=st.data())
def test_a_record_as_sent_loads_as_its_model_would(table: Table, data: st.DataObject) -> None:
    name = item_schema(table)
    wire = data.draw(st.lists(STRATEGIES.record(name), min_size=1, max_size=3), label=name)
    modelled = [MODELS[name].from_dict(record).to_dict() for record in wire]

    assert loaded(table, wire) == loaded(table, modelled)


def test_z_date_times_and_json_numbers_load_as_their_model_would() -> None:
    [table] = [table for table in TABLES if table.name == "sales_invoices"]
    wire = {
        "id": "inv-1",
        "updated_at": "2026-01-15T10:11:12Z",  # the model writes it back as +00:00
        "created_at": "2026-01-15T10:11:12.5-08:00",
        "total_amount": Decimal("1234.56"),  # a JSON number, as the client reads it: exact
        "net_amount": "",
        "date": "2026-01-31",
        "invoice_lines": [{"id": "l1", "quantity": "2.5", "unit_price": "0.000000001"}],
    }
    modelled = MODELS["SalesInvoice"].from_dict(wire).to_dict()
    assert modelled["updated_at"] == "2026-01-15T10:11:12+00:00"
    assert loaded(table, [wire]) == loaded(table, [modelled])
    [invoice], lines = loaded(table, [wire])
    assert invoice["updated_at"] == datetime.datetime(2026, 1, 15, 10, 11, 12, tzinfo=datetime.UTC)
    assert invoice["created_at"] == datetime.datetime(
        2026, 1, 15, 18, 11, 12, 500000, tzinfo=datetime.UTC
    )
    assert invoice["total_amount"] == Decimal("1234.56") and invoice["net_amount"] is None
    assert [(line["quantity"], line["unit_price"]) for line in lines] == [
        (Decimal("2.5"), Decimal("0.000000001"))
    ]


def test_a_value_that_is_not_its_kind_names_the_table_and_column() -> None:
    [table] = [table for table in TABLES if table.name == "sales_invoices"]
    with pytest.raises(SyncError, match=r"sales_invoices\.total_amount: 'twelve'"):
        table_of([{"id": "inv-1", "total_amount": "twelve"}], table.columns, table.name)


@pytest.mark.parametrize("lines", [{"id": "l1"}, ["l1"], "l1"])
def test_lines_that_are_not_a_list_of_objects_name_the_record(lines: Any) -> None:
    [table] = [table for table in TABLES if table.name == "sales_invoices"]
    [child] = [child for child in table.children if child.field == "invoice_lines"]
    with pytest.raises(SyncError, match=r"invoice_lines` of record 'inv-1' is not a list"):
        lines_of(child, [{"id": "inv-1", "invoice_lines": lines}], merged=True)


def test_a_created_at_in_z_form_is_read_as_utc_for_the_counts() -> None:
    from sage_accounting.dlt._source import _moment_of

    expected = datetime.datetime(2026, 1, 15, 10, 11, 12, tzinfo=datetime.UTC)
    assert _moment_of("2026-01-15T10:11:12Z") == expected
    assert _moment_of("2026-01-15T10:11:12") == expected  # no offset: UTC
    assert _moment_of("noon") is None and _moment_of(None) is None
