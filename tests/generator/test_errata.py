"""Step 4: every erratum is visible in the patched spec, and a no-op erratum fails the build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import errata, idempotency
from generator.pipeline import BuildResult, patched_spec


@pytest.fixture(scope="module")
def result(spec_dir: Path) -> BuildResult:
    return patched_spec(spec_dir, log=lambda line: None)


def _schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def _json_schema(operation: dict[str, Any], status: str) -> dict[str, Any]:
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


def test_every_erratum_changed_something(result: BuildResult) -> None:
    assert set(result.errata_counts) == {e.name for e in errata.ERRATA}
    assert all(count > 0 for count in result.errata_counts.values())
    # 164 + 3 GETs in all, of which the collection ones are lists; 292 operations x 2 families.
    assert result.errata_counts["error_responses"] == 292 * 2
    assert result.errata_counts["operation_ids"] == 5


def test_list_gets_answer_the_envelope(result: BuildResult) -> None:
    contacts = result.spec["paths"]["/contacts"]["get"]
    assert _json_schema(contacts, "200") == {"$ref": "#/components/schemas/ContactList"}
    envelope = _schema(result.spec, "ContactList")
    # Sage's guides show envelopes with only `$items`, and the page size spelt two ways.
    assert envelope["required"] == ["$items"]
    assert set(envelope["properties"]) == {
        "$total",
        "$page",
        "$next",
        "$back",
        "$items_per_page",
        "$items",
    }
    assert envelope["properties"]["$items_per_page"]["x-sage-aliases"] == ["$itemsPerPage"]
    assert envelope["properties"]["$items"]["items"] == {"$ref": "#/components/schemas/Contact"}
    assert envelope["properties"]["$next"]["nullable"] is True
    businesses = result.spec["paths"]["/businesses"]["get"]
    assert _json_schema(businesses, "200") == {"$ref": "#/components/schemas/BusinessList"}
    # No GET anywhere still claims a bare array.
    for path, item in result.spec["paths"].items():
        if "get" in item and "200" in item["get"]["responses"]:
            content = item["get"]["responses"]["200"].get("content", {})
            for media in content.values():
                assert media["schema"].get("type") != "array", path


def test_every_operation_documents_sage_errors(result: BuildResult) -> None:
    for _, _, operation in errata.operations(result.spec):
        assert operation["responses"]["4XX"] == {"$ref": "#/components/responses/SageErrors"}
        assert operation["responses"]["5XX"] == {"$ref": "#/components/responses/SageErrors"}
    error = _schema(result.spec, "SageError")
    assert list(error["properties"]) == ["$severity", "$dataCode", "$message", "$source"]


def test_oauth2_scheme_has_real_urls_and_scopes(result: BuildResult) -> None:
    scheme = result.spec["components"]["securitySchemes"]["oauth2"]
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1"
    assert flow["tokenUrl"] == "https://oauth.accounting.sage.com/token"
    assert set(flow["scopes"]) == {"full_access", "readonly"}
    assert {"oauth2": ["full_access"]} in result.spec["security"]


def test_numbers_become_decimal_strings(result: BuildResult) -> None:
    balance = _schema(result.spec, "Contact")["properties"]["balance"]
    assert balance["type"] == "string"
    assert balance["format"] == "decimal"
    assert balance["x-sage-wire-type"] == "number/double"
    assert '"type": "number"' not in json.dumps(result.spec)
    # 432 number properties in the published documents (spec/README), each a Decimal now.
    decimal_count = json.dumps(result.spec).count('"format": "decimal"')
    assert decimal_count == result.errata_counts["decimal_numbers"] >= 432


def test_properties_accept_null(result: BuildResult) -> None:
    contact = _schema(result.spec, "Contact")["properties"]
    assert contact["name"]["nullable"] is True
    assert contact["default_sales_tax_rate"]["nullable"] is True
    assert contact["default_sales_tax_rate"]["oneOf"] == [{"$ref": "#/components/schemas/Base"}]


def test_attachment_file_is_bytes(result: BuildResult) -> None:
    response = result.spec["paths"]["/attachments/{key}/file"]["get"]["responses"]["200"]
    assert list(response["content"]) == ["application/octet-stream"]


def test_user_businesses_operations_are_named(result: BuildResult) -> None:
    ids = {op["operationId"] for _, _, op in errata.operations(result.spec)}
    assert {"getBusinesses", "getBusinessesKey", "putBusinessesKey", "getUser", "putUser"} <= ids
    assert len(ids) == 292


def test_pages_count_from_one(result: BuildResult) -> None:
    pages = [
        parameter["schema"]
        for _, _, operation in errata.operations(result.spec)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] == "page"
    ]
    assert len(pages) == result.errata_counts["page_minimum"] == 78
    assert all(
        page == {"type": "integer", "format": "int32", "default": 1, "minimum": 1} for page in pages
    )


def test_every_body_requires_its_wrapper(result: BuildResult) -> None:
    assert _schema(result.spec, "putUser")["required"] == ["user"]
    assert _schema(result.spec, "putBusinesses")["required"] == ["business"]
    assert _schema(result.spec, "putUser")["properties"]["user"] == {
        "$ref": "#/components/schemas/putUserUser"
    }
    assert result.errata_counts["required_body_wrappers"] == 2
    for path, method, operation in errata.operations(result.spec):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            ref = media["schema"].get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                body = _schema(result.spec, ref.rsplit("/", 1)[1])
                assert body["required"] == list(body["properties"]), f"{method} {path}"


def test_a_patch_that_changes_nothing_fails_the_build(result: BuildResult) -> None:
    with pytest.raises(errata.ErratumDidNothing, match="operation_ids"):
        errata.apply_errata(result.spec)


def test_patching_never_mutates_the_input(result: BuildResult) -> None:
    before = json.dumps(result.spec)
    lists = (errata.ERRATA[1],)
    with pytest.raises(errata.ErratumDidNothing):
        errata.apply_errata(result.spec, lists)
    assert json.dumps(result.spec) == before


def test_the_36_creates_sage_deduplicates_take_an_idempotency_id(result: BuildResult) -> None:
    assert len(idempotency.IDEMPOTENT_CREATES) == result.errata_counts["idempotency_ids"] == 36
    schemas = result.spec["components"]["schemas"]
    field = _schema(result.spec, "postContactsContact")["properties"]["idempotency_id"]
    assert (field["type"], field["pattern"]) == ("string", "^[0-9a-f]{32}$")
    carrying = {
        name for name, schema in schemas.items() if "idempotency_id" in schema.get("properties", {})
    }
    assert len(carrying) == 36 and all(name.startswith("post") for name in carrying)
    assert "idempotency_id" not in _schema(result.spec, "postTaxRatesTaxRate")["properties"]
    assert "idempotency_id" not in _schema(result.spec, "putContactsContact")["properties"]


def test_a_missing_create_of_the_36_fails_loudly(result: BuildResult) -> None:
    doc = json.loads(json.dumps(result.spec))
    del doc["paths"]["/stock_movements"]["post"]
    with pytest.raises(ValueError, match="stock_movement"):
        idempotency.idempotency_ids(doc)
