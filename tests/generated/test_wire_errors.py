"""JSON that does not read as its model names the field that failed, by its path.

For every model of the spec (tests/generated/wire_strategies.py), a drawn record with one
typed field spoiled (a date, date-time or amount that is no such thing) raises `WireValueError`
whose path is that field; nested records and list items add their place (`$items[1].x`). A
body reports the same path in its `InvalidBodyError` (an answer in its `InvalidResponseError`:
tests/hostile/test_answers.py).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from sage_accounting.errors import InvalidBodyError, WireValueError
from sage_accounting.models import ContactList, PostSalesInvoicesSalesInvoice, SalesInvoice
from sage_accounting.testing import SageEmulator
from tests.clients import make_client
from tests.generated.wire_strategies import SCHEMAS, WireStrategies, model_classes

MODELS = model_classes()
STRATEGIES = WireStrategies(SCHEMAS)
TYPED = ("date", "date-time", "decimal")
SPOILED = {"date": "31/01/2026", "date-time": "noon on Tuesday", "decimal": "12,50"}
CHECKS = settings(
    max_examples=int(os.environ.get("SAGE_PROPERTY_EXAMPLES", "10")) // 2 or 1,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def typed_fields(name: str) -> dict[str, str]:
    """The model's own date, date-time and amount properties, by wire name: their format."""
    properties = SCHEMAS[name].get("properties", {})
    return {
        key: prop["format"]
        for key, prop in properties.items()
        if prop.get("format") in TYPED and prop.get("type") in ("string", "number")
    }


WITH_TYPED = sorted(name for name in MODELS if typed_fields(name))


def test_most_models_have_a_typed_field_to_spoil() -> None:
    assert len(WITH_TYPED) > 150  # of 453: the property test below covers each


@pytest.mark.parametrize("name", WITH_TYPED)
@seed(20261204)
@CHECKS
@given(data=st.data())
def test_a_spoiled_value_names_its_field(name: str, data: st.DataObject) -> None:
    fields = typed_fields(name)
    key = data.draw(st.sampled_from(sorted(fields)), label="field")
    record: dict[str, Any] = {**data.draw(STRATEGIES.record(name), label=name)}
    record[key] = SPOILED[fields[key]]

    with pytest.raises(WireValueError) as caught:
        MODELS[name].from_dict(record)

    assert caught.value.path == (key,)
    assert str(caught.value).startswith(f"{key}: ") and SPOILED[fields[key]] in str(caught.value)


def test_a_nested_list_item_is_named_by_its_index() -> None:
    body = {
        "contact_id": "C1",
        "date": "2026-01-31",
        "invoice_lines": [
            {"description": "ok", "ledger_account_id": "L1", "quantity": "1", "unit_price": "1"},
            {"description": "bad", "ledger_account_id": "L1", "quantity": "1", "unit_price": "x"},
        ],
    }
    with pytest.raises(WireValueError) as caught:
        PostSalesInvoicesSalesInvoice.from_dict(body)
    assert caught.value.path == ("invoice_lines", 1, "unit_price")
    assert str(caught.value) == "invoice_lines[1].unit_price: not a decimal number: 'x'"
    assert isinstance(caught.value, ValueError)  # what from_dict raised before: still caught


def test_a_missing_required_field_and_a_wrong_type_are_named() -> None:
    with pytest.raises(WireValueError, match=r"^date: missing: the field is required$"):
        PostSalesInvoicesSalesInvoice.from_dict({"contact_id": "C1", "invoice_lines": []})
    with pytest.raises(WireValueError, match=r"^invoice_lines: TypeError: .*\(it is 5\)$"):
        PostSalesInvoicesSalesInvoice.from_dict(
            {"contact_id": "C1", "date": "2026-01-31", "invoice_lines": 5}
        )
    with pytest.raises(WireValueError, match=r"^\$items\[1\]\.created_at: .*'noon'"):
        ContactList.from_dict({"$items": [{"id": "a"}, {"id": "b", "created_at": "noon"}]})
    with pytest.raises(WireValueError, match=r"^contact: .*\(it is 'C1'\)$"):
        SalesInvoice.from_dict({"contact": "C1"})  # a related record is an object


def test_a_body_error_names_the_field_of_the_callers_dict() -> None:
    fake = SageEmulator(seed=3)
    with make_client(fake) as sage, pytest.raises(InvalidBodyError) as caught:
        line = {"description": "x", "ledger_account_id": "L", "quantity": "one", "unit_price": 1}
        sage.sales_invoices.create(
            {"contact_id": "C", "date": "2026-01-31", "invoice_lines": [line]}
        )
    assert str(caught.value) == (
        "PostSalesInvoicesSalesInvoice: invoice_lines[0].quantity: not a decimal number: 'one'"
    )
    assert fake.stats.requests == []  # nothing was sent
