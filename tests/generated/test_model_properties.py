"""Every model, over examples drawn from the spec: it reads what Sage sends and writes it back.

The strategies (tests/generated/wire_strategies.py) come from generated/openapi.json, so each
of the 453 models is covered as the spec describes it, today and after the next spec update.
Bounded for CI: a fixed seed, no example database, no shrinking, `SAGE_PROPERTY_EXAMPLES`
examples a model (10 by default; set it higher for a longer local run).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import types
import typing
from decimal import Decimal
from functools import cache
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from openapi_python_client.strings import PythonIdentifier

import sage_accounting.models
from sage_accounting.models import ContactList, PostSalesInvoicesSalesInvoice, SalesInvoice
from tests.generated.wire_strategies import (
    SCHEMAS,
    SPEC_FILE,
    WireStrategies,
    blankable,
    model_classes,
)

MODELS = model_classes()
STRATEGIES = WireStrategies(SCHEMAS)
EXAMPLES = int(os.environ.get("SAGE_PROPERTY_EXAMPLES", "10"))
PROPERTIES = settings(
    max_examples=EXAMPLES,
    database=None,
    deadline=None,
    # No shrinking: a failure shows the whole example at once instead of minutes later.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    # Timing and size checks only: big models draw big examples on a shared machine.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_every_model_is_covered() -> None:
    models = [getattr(sage_accounting.models, name) for name in sage_accounting.models.__all__]
    attrs_models = {model for model in models if attrs.has(model)}
    assert len(attrs_models) == len(MODELS) == 453
    assert set(MODELS.values()) == attrs_models


@pytest.mark.parametrize("name", sorted(MODELS))
@seed(20260115)
@PROPERTIES
@given(data=st.data())
def test_every_model_round_trips(name: str, data: st.DataObject) -> None:
    model = MODELS[name]
    wire = data.draw(STRATEGIES.record(name), label=name)

    record = model.from_dict(wire)

    assert record.to_dict() == wire
    assert_typed(record)
    properties = SCHEMAS[name].get("properties", {})
    for key, value in wire.items():
        if value == "" and key in properties and blankable(properties[key]):
            assert getattr(record, PythonIdentifier(value=key, prefix="field_")) is None, key


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_resolves_its_types(name: str) -> None:
    model = MODELS[name]
    hints = typing.get_type_hints(model)
    resolved = attrs.resolve_types(model)
    assert {field.name: field.type for field in attrs.fields(resolved)} == hints


def test_money_keeps_its_digits_and_dates_their_offset() -> None:
    wire = {
        "total_amount": "1234.5600",
        "net_amount": "-0.10",
        "date": "2026-01-31",
        "updated_at": "2026-01-15T10:11:12.250000+05:30",
        "created_at": "2026-01-15T10:11:12-08:00",
    }
    invoice = SalesInvoice.from_dict(wire)
    assert invoice.total_amount == Decimal("1234.5600")
    assert isinstance(invoice.updated_at, datetime.datetime)
    assert invoice.updated_at.utcoffset() == datetime.timedelta(hours=5, minutes=30)
    assert invoice.to_dict() == wire


def test_a_utc_date_time_in_z_form_keeps_its_instant() -> None:
    invoice = SalesInvoice.from_dict({"updated_at": "2026-01-15T10:11:12Z"})
    assert invoice.updated_at == datetime.datetime(2026, 1, 15, 10, 11, 12, tzinfo=datetime.UTC)
    assert invoice.to_dict() == {"updated_at": "2026-01-15T10:11:12+00:00"}


def test_blank_values_read_as_none_and_go_back_blank() -> None:
    wire = {"total_amount": "", "date": "", "updated_at": "", "notes": ""}
    invoice = SalesInvoice.from_dict(wire)
    assert (invoice.total_amount, invoice.date, invoice.updated_at) == (None, None, None)
    assert invoice.notes == ""  # a plain string keeps its empty value
    assert invoice.to_dict() == wire
    invoice.total_amount = Decimal("10.00")
    assert invoice.to_dict() == {**wire, "total_amount": "10.00"}


def test_a_required_date_of_a_request_body_must_have_a_value() -> None:
    # Only request bodies have non-nullable dates and amounts: you write them, Sage never sends them.
    with pytest.raises(ValueError):
        PostSalesInvoicesSalesInvoice.from_dict({"contact_id": "C1", "date": ""})


def test_every_date_or_amount_sage_sends_may_come_blank() -> None:
    answered = _schemas_in_responses()
    assert {"SalesInvoice", "ContactList", "SageError"} <= answered
    not_blankable = [
        f"{name}.{key}"
        for name in sorted(answered)
        for key, prop in SCHEMAS[name].get("properties", {}).items()
        if prop.get("format") in ("date", "date-time", "decimal") and not blankable(prop)
    ]
    assert not_blankable == []


def test_the_page_size_key_comes_back_as_it_came() -> None:
    for key in ("$itemsPerPage", "$items_per_page"):
        page = ContactList.from_dict({"$items": [], key: 25})
        assert page.items_per_page == 25
        assert page.to_dict() == {"$items": [], key: 25}


def test_importing_a_model_imports_no_other_and_its_types_resolve() -> None:
    code = (
        "import sys, typing\n"
        "from sage_accounting.models import SalesInvoice\n"
        "loaded = [m for m in sys.modules if m.startswith('sage_accounting.models.')]\n"
        "assert loaded == ['sage_accounting.models.sales_invoice'], loaded\n"
        "hints = typing.get_type_hints(SalesInvoice)\n"
        "from sage_accounting.models import Contact, Link\n"
        "from sage_accounting.types import Unset\n"
        "assert hints['links'] == list[Link] | None | Unset, hints['links']\n"
        "assert hints['contact'] == Contact | None | Unset, hints['contact']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _schemas_in_responses() -> set[str]:
    """Component schemas reachable from any response of the spec."""
    shared = _spec()["components"].get("responses", {})
    pending: list[Any] = []
    for item in _spec()["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue  # a path's shared parameters
            for response in operation.get("responses", {}).values():
                response = shared.get(response.get("$ref", "").rsplit("/", 1)[-1], response)
                for media in response.get("content", {}).values():
                    pending.append(media.get("schema", {}))
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                pending.append(SCHEMAS[name])
        pending.extend(node.get("properties", {}).values())
        pending.extend(node.get(key) for key in ("items", "additionalProperties"))
        for key in ("oneOf", "anyOf", "allOf"):
            pending.extend(node.get(key, []))
    return seen


@cache
def _spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return document


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(model: type) -> dict[str, Any]:
    if model not in _HINTS:
        _HINTS[model] = typing.get_type_hints(model)
    return _HINTS[model]


def assert_typed(record: Any) -> None:
    """Every field of `record` (and of the models inside it) holds a value of its type."""
    for field in attrs.fields(type(record)):
        if field.name.startswith("_"):
            continue
        value = getattr(record, field.name)
        hint = _hints(type(record))[field.name]
        assert _fits(value, hint), f"{type(record).__name__}.{field.name} = {value!r}: not {hint}"


def _fits(value: object, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, option) for option in typing.get_args(hint))
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_fits(element, item) for element in value)
    if origin is dict:
        _, item = typing.get_args(hint)
        return isinstance(value, dict) and all(_fits(element, item) for element in value.values())
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if not isinstance(value, hint):
        return False
    if attrs.has(hint):
        assert_typed(value)
    return True
