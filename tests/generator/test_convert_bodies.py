"""Tests of the Swagger 2.0 -> OpenAPI 3.0.3 converter: bodies, responses, schemas, errors."""

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from generator.convert import ConversionError, convert
from tests.generator.convert_helpers import OK, converted, op_of, swagger, with_op

# request bodies


def body_param(**fields: Any) -> dict[str, Any]:
    return {"name": "item", "in": "body", "schema": {"$ref": "#/definitions/Item"}, **fields}


ITEM = {"Item": {"type": "object"}}


def test_body_parameter_becomes_request_body_per_operation_consumes() -> None:
    op = {
        "consumes": ["application/json", "application/xml"],
        "parameters": [body_param(description="the item", required=True, **{"x-b": 2})],
    }
    doc = with_op(op, definitions=ITEM, consumes=["text/plain"])
    schema = {"$ref": "#/components/schemas/Item"}
    assert op_of(converted(doc))["requestBody"] == {
        "description": "the item",
        "content": {"application/json": {"schema": schema}, "application/xml": {"schema": schema}},
        "required": True,
        "x-codegen-request-body-name": "item",
        "x-b": 2,
    }


def test_body_parameter_falls_back_to_document_consumes_then_json() -> None:
    doc = with_op({"parameters": [body_param()]}, definitions=ITEM, consumes=["application/xml"])
    assert list(op_of(converted(doc))["requestBody"]["content"]) == ["application/xml"]
    doc = with_op({"parameters": [body_param()]}, definitions=ITEM)
    assert list(op_of(converted(doc))["requestBody"]["content"]) == ["application/json"]


def test_form_parameters_become_urlencoded_object_schema() -> None:
    params: list[dict[str, Any]] = [
        {"name": "name", "in": "formData", "type": "string", "required": True, "description": "n"},
        {"name": "tags", "in": "formData", "type": "array", "items": {"type": "string"}},
        {"name": "ids", "in": "formData", "type": "array", "items": {"type": "integer"}},
    ]
    params[2]["collectionFormat"] = "multi"
    media = {
        "schema": {
            "type": "object",
            "properties": {
                "name": {"description": "n", "type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "ids": {"type": "array", "items": {"type": "integer"}},
            },
            "required": ["name"],
        },
        "encoding": {
            "tags": {"style": "form", "explode": False},
            "ids": {"style": "form", "explode": True},
        },
    }
    assert op_of(converted(with_op({"parameters": params})))["requestBody"] == {
        "content": {"application/x-www-form-urlencoded": media},
        "required": True,
    }


def test_file_form_parameter_makes_multipart_binary() -> None:
    params = [
        {"name": "file", "in": "formData", "type": "file"},
        {"name": "note", "in": "formData", "type": "string"},
    ]
    op = {"consumes": ["application/x-www-form-urlencoded"], "parameters": params}
    assert op_of(converted(with_op(op)))["requestBody"] == {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "note": {"type": "string"},
                    },
                }
            }
        }
    }


def test_form_parameters_use_multipart_when_consumes_says_so() -> None:
    op = {
        "consumes": ["multipart/form-data"],
        "parameters": [{"name": "n", "in": "formData", "type": "string"}],
    }
    assert list(op_of(converted(with_op(op)))["requestBody"]["content"]) == ["multipart/form-data"]


# responses


def test_response_schema_becomes_content_per_produces() -> None:
    op = {
        "produces": ["application/json", "text/csv"],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Item"}}},
    }
    schema = {"$ref": "#/components/schemas/Item"}
    assert op_of(converted(with_op(op, definitions=ITEM)))["responses"] == {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": schema}, "text/csv": {"schema": schema}},
        }
    }


def test_response_content_falls_back_to_document_produces() -> None:
    op = {"responses": {"200": {"description": "ok", "schema": {"type": "string"}}}}
    doc = with_op(op, produces=["text/plain"])
    assert list(op_of(converted(doc))["responses"]["200"]["content"]) == ["text/plain"]


def test_file_response_is_binary_string() -> None:
    op = {
        "produces": ["application/octet-stream"],
        "responses": {"200": {"description": "f", "schema": {"type": "file"}}},
    }
    assert op_of(converted(with_op(op)))["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }


def test_response_headers_get_schemas() -> None:
    headers = {
        "X-Rate": {"type": "integer", "format": "int32", "description": "r"},
        "X-Ids": {"type": "array", "items": {"type": "string"}, "x-h": True},
    }
    op = {"responses": {"200": {"description": "ok", "headers": headers}}}
    assert op_of(converted(with_op(op)))["responses"]["200"] == {
        "description": "ok",
        "headers": {
            "X-Rate": {"description": "r", "schema": {"type": "integer", "format": "int32"}},
            "X-Ids": {
                "style": "simple",
                "explode": False,
                "schema": {"type": "array", "items": {"type": "string"}},
                "x-h": True,
            },
        },
    }


def test_response_examples_are_mapped_by_mime_type() -> None:
    response = {
        "description": "ok",
        "schema": {"type": "object"},
        "examples": {"application/json": {"id": 1}, "text/plain": "id=1"},
    }
    op = {"responses": {"200": response}}
    assert op_of(converted(with_op(op)))["responses"]["200"]["content"] == {
        "application/json": {"schema": {"type": "object"}, "example": {"id": 1}},
        "text/plain": {"schema": {"type": "object"}, "example": "id=1"},
    }


def test_response_without_schema_has_description_only() -> None:
    op = {"produces": ["application/json"], "responses": {"204": {"description": "none"}}}
    assert op_of(converted(with_op(op)))["responses"] == {"204": {"description": "none"}}


# schemas


def test_schema_keywords_are_converted() -> None:
    definitions = {
        "Base": {
            "type": "object",
            "discriminator": "kind",
            "required": ["kind"],
            "properties": {
                "kind": {"type": "string", "readOnly": True, "x-nullable": True},
                "blob": {"type": "file"},
                "tags": {"type": "array", "items": {"type": "string"}, "example": ["a"]},
                "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
            "x-s": "kept",
        },
        "Child": {"allOf": [{"$ref": "#/definitions/Base"}, {"type": "object"}]},
    }
    assert converted(swagger(definitions=definitions))["components"]["schemas"] == {
        "Base": {
            "type": "object",
            "discriminator": {"propertyName": "kind"},
            "required": ["kind"],
            "properties": {
                "kind": {"type": "string", "readOnly": True, "nullable": True},
                "blob": {"type": "string", "format": "binary"},
                "tags": {"type": "array", "items": {"type": "string"}, "example": ["a"]},
                "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
            "x-s": "kept",
        },
        "Child": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object"}]},
    }


def test_nullable_ref_is_wrapped_in_all_of() -> None:
    definitions = {
        "A": {"type": "object"},
        "B": {"properties": {"a": {"$ref": "#/definitions/A", "x-nullable": True}}},
    }
    schemas = converted(swagger(definitions=definitions))["components"]["schemas"]
    assert schemas["B"]["properties"]["a"] == {
        "allOf": [{"$ref": "#/components/schemas/A"}],
        "nullable": True,
    }


def test_schema_keys_unknown_to_openapi3_move_to_extensions() -> None:
    definitions = {
        "A": {
            "type": ["string", "null"],
            "id": "urn:a",
            "required": [],
            "patternProperties": {"^x": {}},
        },
        "B": {"properties": {"p": {"type": "string", "required": True}}},
    }
    schemas = converted(swagger(definitions=definitions))["components"]["schemas"]
    assert schemas == {
        "A": {
            "type": "string",
            "nullable": True,
            "x-id": "urn:a",
            "x-patternProperties": {"^x": {}},
        },
        "B": {"properties": {"p": {"type": "string", "x-required": True}}},
    }


# operations and extensions


def test_operation_fields_are_kept_and_produces_consumes_removed() -> None:
    op = {
        "tags": ["t"],
        "summary": "s",
        "description": "d",
        "externalDocs": {"url": "https://x"},
        "operationId": "doIt",
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "deprecated": True,
        "security": [{"key": []}],
        "x-op": 1,
    }
    doc = with_op(op, securityDefinitions={"key": {"type": "apiKey", "name": "k", "in": "query"}})
    assert op_of(converted(doc)) == {
        "tags": ["t"],
        "summary": "s",
        "description": "d",
        "externalDocs": {"url": "https://x"},
        "operationId": "doIt",
        "responses": OK,
        "deprecated": True,
        "security": [{"key": []}],
        "x-op": 1,
    }


def test_operation_schemes_become_operation_servers() -> None:
    doc = with_op({"schemes": ["http"]}, host="h", basePath="/b", schemes=["https"])
    assert op_of(converted(doc))["servers"] == [{"url": "http://h/b"}]


def test_extensions_are_kept_on_paths_items_and_responses() -> None:
    # A mapping: openapi-spec-validator 0.9 walks every key of paths as if it were a path item.
    doc = swagger(
        paths={
            "x-paths": {"note": "n"},
            "/p": {
                "x-sage-pathtitle": "title",
                "get": {"responses": {"200": {"description": "ok", "x-r": 2}, "x-rs": 3}},
            },
        }
    )
    assert converted(doc)["paths"] == {
        "x-paths": {"note": "n"},
        "/p": {
            "get": {"responses": {"200": {"description": "ok", "x-r": 2}, "x-rs": 3}},
            "x-sage-pathtitle": "title",
        },
    }


def test_conversion_is_deterministic_and_does_not_mutate_input() -> None:
    doc = with_op(
        {"parameters": [body_param(), {"name": "q", "in": "query", "type": "string"}]},
        definitions=ITEM,
    )
    before = copy.deepcopy(doc)
    first = convert(doc)
    assert doc == before
    assert json.dumps(convert(doc)) == json.dumps(first)
    first["paths"]["/p"]["post"]["requestBody"]["content"].clear()
    assert doc == before
    assert convert(doc) != first


# errors


def pet_op(*params: dict[str, Any]) -> dict[str, Any]:
    return {"paths": {"/pets": {"post": {"responses": OK, "parameters": list(params)}}}}


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [
        ({"info": {"title": "t", "version": "1"}, "paths": {}}, "#/swagger"),
        (swagger(swagger="3.0"), "#/swagger"),
        (swagger(**pet_op({"name": "b", "in": "body"})), "#/paths/~1pets/post/parameters/0"),
        (
            swagger(
                **pet_op(
                    {"name": "b", "in": "body", "schema": {}},
                    {"name": "f", "in": "formData", "type": "string"},
                )
            ),
            "#/paths/~1pets/post/parameters/1",
        ),
        (
            swagger(**pet_op({"$ref": "#/parameters/missing"})),
            "#/paths/~1pets/post/parameters/0/$ref",
        ),
        (
            swagger(paths={"/pets": {"get": {"responses": {"200": {"$ref": "#/responses/Nope"}}}}}),
            "#/paths/~1pets/get/responses/200/$ref",
        ),
        (
            swagger(definitions={"A": {"items": {"$ref": "#/definitions/Nope"}}}),
            "#/definitions/A/items/$ref",
        ),
        (
            swagger(**pet_op({"name": "id", "in": "path", "type": "string"})),
            "#/paths/~1pets/post/parameters/0",
        ),
        (swagger(paths={"/pets": {"get": {}}}), "#/paths/~1pets/get"),
        (
            swagger(
                **pet_op(
                    {"name": "v", "in": "header", "type": "array", "items": {"type": "string"}}
                    | {"collectionFormat": "multi"}
                )
            ),
            "#/paths/~1pets/post/parameters/0/collectionFormat",
        ),
        (
            swagger(**pet_op({"name": "q", "in": "query", "type": "file"})),
            "#/paths/~1pets/post/parameters/0/type",
        ),
    ],
    ids=[
        "no-swagger",
        "wrong-version",
        "body-without-schema",
        "form-and-body",
        "unresolvable-parameter-ref",
        "unresolvable-response-ref",
        "unresolvable-schema-ref",
        "optional-path-parameter",
        "no-responses",
        "multi-in-header",
        "file-in-query",
    ],
)
def test_invalid_input_raises_conversion_error_naming_the_place(
    doc: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(ConversionError) as caught:
        convert(doc)
    assert str(caught.value).startswith(pointer + ":")
    assert isinstance(caught.value, ValueError)


# the real documents

SPEC_DIR = Path(
    os.environ.get("SAGE_SPEC_DIR", Path(__file__).parents[2].parent / "shared" / "spec")
)


@pytest.mark.parametrize(
    ("name", "operations"),
    [
        ("sage-accounting-v3.1-accounts.swagger.json", 287),
        ("sage-accounting-v3.1-user-businesses.swagger.json", 5),
        ("history/sage-accounting-v3.1-accounts.2022.swagger.json", 275),
    ],
)
def test_real_documents_convert_and_validate(name: str, operations: int) -> None:
    path = SPEC_DIR / name
    if not path.is_file():
        pytest.skip(f"real spec {path} not present (set SAGE_SPEC_DIR to its directory)")
    source = json.loads(path.read_text(encoding="utf-8"))
    out = converted(source)
    methods = ("get", "put", "post", "delete", "options", "head", "patch")

    def operation_ids(paths: dict[str, Any]) -> list[Any]:
        return [
            op.get("operationId")
            for item in paths.values()
            for method, op in item.items()
            if method in methods
        ]

    assert len(operation_ids(out["paths"])) == operations
    assert operation_ids(out["paths"]) == operation_ids(source["paths"])
    assert "#/definitions/" not in json.dumps(out)
