"""The spec-change path: the diff of two documents, its report, and `update_spec` end to end.

The real figures below were checked by hand against the two JSON files with a plain-Python
deep comparison (independent of `spec_diff`): from 2022 to now, Sage only added things, apart
from two `maxLength` limits dropped from TaxRate, which do not reach the client's types, and
Germany, which 241 operations' "Endpoint Availability" no longer names (breaking).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.spec_diff import (
    Change,
    ChangeKind,
    count_by_kind,
    diff_documents,
)
from tests.generator.spec_docs import (
    ACCOUNTS,
    HISTORY,
    REAL_AVAILABILITY_WITHDRAWN,
    REAL_TOTAL,
    load_json,
)

REAL_COUNTS = {
    ChangeKind.OPERATION_ADDED: 12,
    ChangeKind.OPERATION_REMOVED: 0,
    ChangeKind.PARAMETER_ADDED: 16,
    ChangeKind.PARAMETER_REMOVED: 0,
    ChangeKind.PARAMETER_CHANGED: 0,
    ChangeKind.RESPONSE_CHANGED: 0,
    ChangeKind.SCHEMA_ADDED: 9,
    ChangeKind.SCHEMA_REMOVED: 0,
    ChangeKind.FIELD_ADDED: 116,
    ChangeKind.FIELD_REMOVED: 0,
    ChangeKind.FIELD_CHANGED: 0,
    ChangeKind.ENUM_VALUE_ADDED: 0,
    ChangeKind.ENUM_VALUE_REMOVED: 0,
    ChangeKind.AVAILABILITY_ADDED: 0,
    ChangeKind.AVAILABILITY_WITHDRAWN: REAL_AVAILABILITY_WITHDRAWN,
}


def _keys(changes: list[Change]) -> set[tuple[ChangeKind, str, bool]]:
    return {(change.kind, change.location, change.breaking) for change in changes}


def _find(changes: list[Change], kind: ChangeKind, location: str) -> Change:
    matches = [c for c in changes if c.kind is kind and c.location == location]
    assert len(matches) == 1, (kind, location, matches)
    return matches[0]


# the real documents: 2022 -> current


@pytest.fixture(scope="module")
def real_changes(spec_dir: Path) -> list[Change]:
    return diff_documents(load_json(spec_dir / HISTORY), load_json(spec_dir / ACCOUNTS))


def test_real_counts_per_kind(real_changes: list[Change]) -> None:
    assert count_by_kind(real_changes) == REAL_COUNTS
    assert len(real_changes) == REAL_TOTAL
    breaking = [change for change in real_changes if change.breaking]
    assert {change.kind for change in breaking} == {ChangeKind.AVAILABILITY_WITHDRAWN}
    withdrawn = _find(real_changes, ChangeKind.AVAILABILITY_WITHDRAWN, "GET /stock_movements")
    assert withdrawn.detail == "no longer offered to Accounting Plus in DE"


def test_real_named_examples(real_changes: list[Change]) -> None:
    added = _find(real_changes, ChangeKind.OPERATION_ADDED, "GET /tax_determinations")
    assert "`getTaxDeterminations`" in added.detail
    operations = {c.location for c in real_changes if c.kind is ChangeKind.OPERATION_ADDED}
    assert {
        "GET /bank_accounts/{key}/bank_feed",
        "POST /analysis_type_categories",
        "PUT /cis_settings",
        "DELETE /analysis_type_categories/{key}",
    } <= operations
    schemas = {c.location for c in real_changes if c.kind is ChangeKind.SCHEMA_ADDED}
    assert schemas == {
        "AnalysisType",
        "AnalysisTypeCategory",
        "AnalysisTypeLineItem",
        "CisSettings",
        "UnpostedTransaction",
        "postAnalysisTypeCategories",
        "putAnalysisTypeCategories",
        "putAnalysisTypes",
        "putCisSettings",
    }
    param = _find(
        real_changes, ChangeKind.PARAMETER_ADDED, "GET /contacts query:filter_inactive_contacts"
    )
    assert param.detail == "boolean, optional"
    tax_rates = {c.location for c in real_changes if c.location.startswith("GET /tax_rates ")}
    assert tax_rates == {
        "GET /tax_rates query:include_destination_vat_rates",
        "GET /tax_rates query:usage",
    }
    assert _find(real_changes, ChangeKind.FIELD_ADDED, "Contact.is_active").detail == (
        "boolean, optional"
    )
    assert _find(real_changes, ChangeKind.FIELD_ADDED, "BankAccount.currency").detail == (
        "Base, optional"
    )
    assert _find(real_changes, ChangeKind.FIELD_ADDED, "QuickEntry.due_date").detail == (
        "string(date), optional"
    )
    # Inside the wrapped request bodies and their line items.
    assert _find(
        real_changes, ChangeKind.FIELD_ADDED, "postContacts.contact.credit_terms"
    ).detail == ("string, optional")
    nested = "postJournals.journal.journal_lines[].analysis_type_categories"
    assert _find(real_changes, ChangeKind.FIELD_ADDED, nested).detail == "array<string>, optional"
    line_items = _find(real_changes, ChangeKind.FIELD_ADDED, "JournalLine.analysis_type_categories")
    assert line_items.detail == "array<AnalysisTypeLineItem>, optional"


def test_real_constraint_only_change_is_not_reported(
    spec_dir: Path, real_changes: list[Change]
) -> None:
    old = load_json(spec_dir / HISTORY)["definitions"]["TaxRate"]["properties"]["name"]
    new = load_json(spec_dir / ACCOUNTS)["definitions"]["TaxRate"]["properties"]["name"]
    assert old.get("maxLength") == 255 and "maxLength" not in new
    assert not [c for c in real_changes if c.location.startswith("TaxRate.")]


def test_real_reverse_direction_is_breaking_but_for_availability_added(spec_dir: Path) -> None:
    changes = diff_documents(load_json(spec_dir / ACCOUNTS), load_json(spec_dir / HISTORY))
    counts = count_by_kind(changes)
    assert counts[ChangeKind.OPERATION_REMOVED] == 12
    assert counts[ChangeKind.PARAMETER_REMOVED] == 16
    assert counts[ChangeKind.SCHEMA_REMOVED] == 9
    assert counts[ChangeKind.FIELD_REMOVED] == 116
    assert counts[ChangeKind.AVAILABILITY_ADDED] == REAL_AVAILABILITY_WITHDRAWN
    assert len(changes) == REAL_TOTAL
    assert all(c.breaking for c in changes if c.kind is not ChangeKind.AVAILABILITY_ADDED)
    assert not any(c.breaking for c in changes if c.kind is ChangeKind.AVAILABILITY_ADDED)


# small hand-written documents, one change kind at a time


def _swagger(
    paths: dict[str, Any] | None = None, definitions: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "Test", "version": "1"},
        "paths": paths or {},
        "definitions": definitions or {},
    }


def _op(
    op_id: str, *parameters: dict[str, Any], response: dict[str, Any] | None = None
) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "ok"}
    if response is not None:
        ok["schema"] = response
    return {"operationId": op_id, "parameters": list(parameters), "responses": {"200": ok}}


def _query(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "type": kind, **extra}


def _body(ref: str) -> dict[str, Any]:
    return {"name": "body", "in": "body", "required": True, "schema": {"$ref": ref}}


def _params(*parameters: dict[str, Any]) -> dict[str, Any]:
    return _swagger({"/things": {"get": _op("getThings", *parameters)}})


def _schema(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


def _fields(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return _swagger(definitions={"Thing": _schema(properties, required)})


def test_identical_documents_have_no_changes(spec_dir: Path) -> None:
    assert diff_documents(_params(_query("a")), _params(_query("a"))) == []
    accounts = load_json(spec_dir / ACCOUNTS)
    assert diff_documents(accounts, accounts) == []


def test_operations_added_and_removed() -> None:
    old = _swagger({"/a": {"get": _op("getA")}, "/b": {"get": _op("getB"), "post": _op("postB")}})
    new = _swagger(
        {"/a": {"get": _op("getA"), "delete": _op("deleteA")}, "/b": {"get": _op("getB")}}
    )
    changes = diff_documents(old, new)
    assert _keys(changes) == {
        (ChangeKind.OPERATION_ADDED, "DELETE /a", False),
        (ChangeKind.OPERATION_REMOVED, "POST /b", True),
    }
    assert _find(changes, ChangeKind.OPERATION_REMOVED, "POST /b").detail == "`postB`"


def test_parameters_added_and_removed() -> None:
    old = _params(_query("gone"))
    new = _params(_query("optional"), _query("needed", required=True))
    assert _keys(diff_documents(old, new)) == {
        (ChangeKind.PARAMETER_ADDED, "GET /things query:optional", False),
        (ChangeKind.PARAMETER_ADDED, "GET /things query:needed", True),
        (ChangeKind.PARAMETER_REMOVED, "GET /things query:gone", True),
    }


@pytest.mark.parametrize(
    ("old", "new", "breaking", "detail"),
    [
        (_query("p"), _query("p", required=True), True, "now required"),
        (_query("p", required=True), _query("p"), False, "now optional"),
        (_query("p"), _query("p", "integer"), True, "type string -> integer"),
        (
            _query("p", "integer", format="int32"),
            _query("p", "integer", format="int64"),
            False,
            "type integer(int32) -> integer(int64)",
        ),
        (_query("p"), _query("p", format="date-time"), True, "type string -> string(date-time)"),
        (
            _query("p", "array", items={"type": "string"}),
            _query("p", "array", items={"type": "integer"}),
            True,
            "type array<string> -> array<integer>",
        ),
    ],
)
def test_parameter_changed(
    old: dict[str, Any], new: dict[str, Any], breaking: bool, detail: str
) -> None:
    changes = diff_documents(_params(old), _params(new))
    assert changes == [
        Change(ChangeKind.PARAMETER_CHANGED, "GET /things query:p", breaking, detail)
    ]


def test_parameter_in_another_place_is_another_parameter() -> None:
    header = {"name": "p", "in": "header", "type": "string"}
    assert _keys(diff_documents(_params(_query("p")), _params(header))) == {
        (ChangeKind.PARAMETER_ADDED, "GET /things header:p", False),
        (ChangeKind.PARAMETER_REMOVED, "GET /things query:p", True),
    }


def test_request_body_is_the_body_parameter() -> None:
    definitions = {"A": _schema({"x": {"type": "string"}}), "B": _schema({"x": {"type": "string"}})}
    none = _swagger({"/t": {"post": _op("postT")}}, definitions)
    a = _swagger({"/t": {"post": _op("postT", _body("#/definitions/A"))}}, definitions)
    b = _swagger({"/t": {"post": _op("postT", _body("#/definitions/B"))}}, definitions)
    assert diff_documents(none, a) == [
        Change(ChangeKind.PARAMETER_ADDED, "POST /t body", True, "A, required")
    ]
    assert diff_documents(a, none) == [
        Change(ChangeKind.PARAMETER_REMOVED, "POST /t body", True, "was A")
    ]
    assert diff_documents(a, b) == [
        Change(ChangeKind.PARAMETER_CHANGED, "POST /t body", True, "type A -> B")
    ]


def test_form_fields_are_fields_of_the_body() -> None:
    def form(*names: str) -> dict[str, Any]:
        params = [{"name": n, "in": "formData", "type": "string"} for n in names]
        op = {**_op("postFile", *params), "consumes": ["multipart/form-data"]}
        return _swagger({"/file": {"post": op}})

    assert diff_documents(form("a"), form("a", "b")) == [
        Change(ChangeKind.FIELD_ADDED, "POST /file body.b", False, "string, optional")
    ]


def test_response_changed() -> None:
    definitions = {"A": _schema({}), "B": _schema({})}

    def returning(schema: dict[str, Any]) -> dict[str, Any]:
        return _swagger({"/t": {"get": _op("getT", response=schema)}}, definitions)

    one = returning({"$ref": "#/definitions/A"})
    many = returning({"type": "array", "items": {"$ref": "#/definitions/A"}})
    other = returning({"$ref": "#/definitions/B"})
    assert diff_documents(one, many) == [
        Change(ChangeKind.RESPONSE_CHANGED, "GET /t", True, "200 A -> array<A>")
    ]
    assert diff_documents(one, other)[0].breaking


def test_schemas_added_and_removed() -> None:
    old = _swagger(definitions={"Old": _schema({"x": {"type": "string"}})})
    new = _swagger(definitions={"New": _schema({"y": {"type": "string"}})})
    # The fields of a new or removed schema are not listed one by one.
    assert _keys(diff_documents(old, new)) == {
        (ChangeKind.SCHEMA_ADDED, "New", False),
        (ChangeKind.SCHEMA_REMOVED, "Old", True),
    }


def test_fields_added_and_removed() -> None:
    old = _fields({"kept": {"type": "string"}, "gone": {"type": "number"}})
    new = _fields(
        {"kept": {"type": "string"}, "extra": {"type": "boolean"}, "must": {"type": "string"}},
        required=["must"],
    )
    changes = diff_documents(old, new)
    assert _keys(changes) == {
        (ChangeKind.FIELD_ADDED, "Thing.extra", False),
        (ChangeKind.FIELD_ADDED, "Thing.must", True),
        (ChangeKind.FIELD_REMOVED, "Thing.gone", True),
    }
    assert _find(changes, ChangeKind.FIELD_REMOVED, "Thing.gone").detail == "was number"
    assert _find(changes, ChangeKind.FIELD_ADDED, "Thing.must").detail == "string, required"


@pytest.mark.parametrize(
    ("old", "new", "breaking", "detail"),
    [
        ({"type": "string"}, {"type": "integer"}, True, "type string -> integer"),
        (
            {"type": "number"},
            {"type": "number", "format": "double"},
            False,
            "type number -> number(double)",
        ),
        (
            {"type": "string"},
            {"type": "string", "x-nullable": True},
            True,
            "type string -> string | null",
        ),
        ({"$ref": "#/definitions/Other"}, {"type": "string"}, True, "type Other -> string"),
    ],
)
def test_field_type_changed(
    old: dict[str, Any], new: dict[str, Any], breaking: bool, detail: str
) -> None:
    other = {"Other": _schema({})}
    before = _swagger(definitions={"Thing": _schema({"f": old}), **other})
    after = _swagger(definitions={"Thing": _schema({"f": new}), **other})
    assert diff_documents(before, after) == [
        Change(ChangeKind.FIELD_CHANGED, "Thing.f", breaking, detail)
    ]


def test_field_requiredness_changed_both_ways_is_breaking() -> None:
    optional = _fields({"f": {"type": "string"}})
    required = _fields({"f": {"type": "string"}}, required=["f"])
    assert diff_documents(optional, required) == [
        Change(ChangeKind.FIELD_CHANGED, "Thing.f", True, "now required")
    ]
    assert diff_documents(required, optional) == [
        Change(ChangeKind.FIELD_CHANGED, "Thing.f", True, "now optional")
    ]


def test_nested_inline_objects_and_array_items() -> None:
    def wrapped(line_fields: dict[str, Any]) -> dict[str, Any]:
        line = {"type": "array", "items": _schema(line_fields)}
        return _fields({"thing": _schema({"lines": line})})

    old = wrapped({"a": {"type": "string"}})
    new = wrapped({"a": {"type": "string"}, "b": {"type": "integer"}})
    assert diff_documents(old, new) == [
        Change(ChangeKind.FIELD_ADDED, "Thing.thing.lines[].b", False, "integer, optional")
    ]


def test_enum_values_on_fields_parameters_and_items() -> None:
    def status(*values: str) -> dict[str, Any]:
        return {"type": "string", "enum": list(values)}

    old = _fields({"s": status("DRAFT", "VOID"), "tags": {"type": "array", "items": status("a")}})
    new = _fields(
        {"s": status("DRAFT", "PAID"), "tags": {"type": "array", "items": status("a", "b")}}
    )
    assert diff_documents(old, new) == [
        Change(ChangeKind.ENUM_VALUE_ADDED, "Thing.s", False, "'PAID'"),
        Change(ChangeKind.ENUM_VALUE_ADDED, "Thing.tags[]", False, "'b'"),
        Change(ChangeKind.ENUM_VALUE_REMOVED, "Thing.s", True, "'VOID'"),
    ]
    param_old = _params(_query("usage", enum=["sales", "purchase"]))
    param_new = _params(_query("usage", enum=["sales"]))
    assert diff_documents(param_old, param_new) == [
        Change(ChangeKind.ENUM_VALUE_REMOVED, "GET /things query:usage", True, "'purchase'")
    ]
