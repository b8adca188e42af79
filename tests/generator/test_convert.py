"""Tests of the Swagger 2.0 -> OpenAPI 3.0.3 converter, one construct per test."""

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from generator.convert import ConversionError, convert

OK = {"200": {"description": "ok"}}


def swagger(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    doc.update(fields)
    return doc


def with_op(op: dict[str, Any], path: str = "/p", **fields: Any) -> dict[str, Any]:
    return swagger(paths={path: {"post": {"responses": OK, **op}}}, **fields)


def converted(doc: dict[str, Any]) -> dict[str, Any]:
    out = convert(doc)
    validate(out)
    return out


def op_of(out: dict[str, Any], path: str = "/p", method: str = "post") -> dict[str, Any]:
    operation: dict[str, Any] = out["paths"][path][method]
    return operation


# document level


def test_info_tags_external_docs_and_extensions_are_kept() -> None:
    doc = swagger(
        info={"title": "t", "version": "1", "contact": {"name": "c"}, "x-logo": {"url": "u"}},
        tags=[{"name": "a", "description": "d", "externalDocs": {"url": "https://e"}}],
        externalDocs={"url": "https://docs"},
        **{"x-top": [1]},
    )
    out = converted(doc)
    assert out["openapi"] == "3.0.3"
    assert out["info"] == doc["info"]
    assert out["tags"] == doc["tags"]
    assert out["externalDocs"] == {"url": "https://docs"}
    assert out["x-top"] == [1]
    assert "swagger" not in out


def test_servers_one_per_scheme() -> None:
    doc = swagger(host="api.example.com", basePath="/v1", schemes=["http", "https"])
    assert converted(doc)["servers"] == [
        {"url": "http://api.example.com/v1"},
        {"url": "https://api.example.com/v1"},
    ]


def test_servers_default_to_https() -> None:
    doc = swagger(host="api.example.com", basePath="/v1")
    assert converted(doc)["servers"] == [{"url": "https://api.example.com/v1"}]


def test_servers_without_host_are_relative() -> None:
    assert converted(swagger(basePath="/v1", schemes=["http"]))["servers"] == [{"url": "/v1"}]
    assert converted(swagger())["servers"] == [{"url": "/"}]


def test_definitions_become_component_schemas_and_refs_are_rewritten() -> None:
    doc = swagger(
        definitions={
            "Pet": {"type": "object", "properties": {"owner": {"$ref": "#/definitions/Owner"}}},
            "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
        }
    )
    assert converted(doc)["components"]["schemas"] == {
        "Pet": {
            "type": "object",
            "properties": {"owner": {"$ref": "#/components/schemas/Owner"}},
        },
        "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
    }


def test_component_names_are_made_valid() -> None:
    doc = swagger(
        definitions={
            "Page«Pet»": {"type": "object"},
            "Page_Pet_": {"type": "string"},
            "Box": {"properties": {"page": {"$ref": "#/definitions/Page%C2%ABPet%C2%BB"}}},
        }
    )
    schemas = converted(doc)["components"]["schemas"]
    assert list(schemas) == ["Page_Pet__2", "Page_Pet_", "Box"]
    assert schemas["Box"]["properties"]["page"] == {"$ref": "#/components/schemas/Page_Pet__2"}


def test_shared_non_body_parameter_becomes_component_parameter() -> None:
    doc = with_op(
        {"parameters": [{"$ref": "#/parameters/limit"}]},
        parameters={"limit": {"name": "limit", "in": "query", "type": "integer"}},
    )
    out = converted(doc)
    assert out["components"]["parameters"] == {
        "limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    }
    assert op_of(out)["parameters"] == [{"$ref": "#/components/parameters/limit"}]


def test_shared_body_parameter_becomes_component_request_body() -> None:
    body = {"name": "pet", "in": "body", "required": True, "schema": {"type": "object"}}
    doc = with_op({"parameters": [{"$ref": "#/parameters/pet"}]}, parameters={"pet": body})
    out = converted(doc)
    assert out["components"]["requestBodies"] == {
        "pet": {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "required": True,
            "x-codegen-request-body-name": "pet",
        }
    }
    assert "parameters" not in out["components"]
    assert op_of(out)["requestBody"] == {"$ref": "#/components/requestBodies/pet"}


def test_shared_body_parameter_is_inlined_when_consumes_differ() -> None:
    body = {"name": "pet", "in": "body", "schema": {"type": "string"}}
    doc = with_op(
        {"consumes": ["text/plain"], "parameters": [{"$ref": "#/parameters/pet"}]},
        parameters={"pet": body},
    )
    assert op_of(converted(doc))["requestBody"] == {
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "x-codegen-request-body-name": "pet",
    }


def test_shared_form_parameter_is_inlined_where_referenced() -> None:
    doc = with_op(
        {"parameters": [{"$ref": "#/parameters/name"}]},
        parameters={"name": {"name": "name", "in": "formData", "type": "string"}},
    )
    out = converted(doc)
    assert "components" not in out
    assert op_of(out)["requestBody"] == {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {"name": {"type": "string"}}}
            }
        }
    }


def test_shared_responses_become_component_responses() -> None:
    doc = with_op(
        {"responses": {"404": {"$ref": "#/responses/NotFound"}}},
        responses={"NotFound": {"description": "gone", "schema": {"type": "string"}}},
    )
    out = converted(doc)
    assert out["components"]["responses"] == {
        "NotFound": {
            "description": "gone",
            "content": {"application/json": {"schema": {"type": "string"}}},
        }
    }
    assert op_of(out)["responses"] == {"404": {"$ref": "#/components/responses/NotFound"}}


def test_shared_response_is_inlined_when_produces_differ() -> None:
    doc = with_op(
        {"produces": ["text/plain"], "responses": {"404": {"$ref": "#/responses/NotFound"}}},
        responses={"NotFound": {"description": "gone", "schema": {"type": "string"}}},
    )
    assert op_of(converted(doc))["responses"]["404"] == {
        "description": "gone",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }


def test_security_definitions_become_security_schemes() -> None:
    auth = "https://a/auth"
    token = "https://a/token"
    doc = swagger(
        securityDefinitions={
            "basic": {"type": "basic", "description": "b"},
            "key": {"type": "apiKey", "name": "X-Key", "in": "header", "x-k": 1},
            "imp": {"type": "oauth2", "flow": "implicit", "authorizationUrl": auth, "scopes": {}},
            "pwd": {"type": "oauth2", "flow": "password", "tokenUrl": token, "scopes": {"r": "x"}},
            "app": {"type": "oauth2", "flow": "application", "tokenUrl": token, "scopes": {}},
            "code": {
                "type": "oauth2",
                "flow": "accessCode",
                "authorizationUrl": auth,
                "tokenUrl": token,
                "scopes": {},
            },
        },
        security=[{"pwd": ["r"]}, {"key": []}],
    )
    out = converted(doc)
    assert out["components"]["securitySchemes"] == {
        "basic": {"type": "http", "scheme": "basic", "description": "b"},
        "key": {"type": "apiKey", "name": "X-Key", "in": "header", "x-k": 1},
        "imp": {
            "type": "oauth2",
            "flows": {"implicit": {"authorizationUrl": auth, "scopes": {}}},
        },
        "pwd": {"type": "oauth2", "flows": {"password": {"tokenUrl": token, "scopes": {"r": "x"}}}},
        "app": {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": token, "scopes": {}}},
        },
        "code": {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {"authorizationUrl": auth, "tokenUrl": token, "scopes": {}}
            },
        },
    }
    assert out["security"] == [{"pwd": ["r"]}, {"key": []}]


# parameters


def test_path_level_parameters_stay_on_the_path_item_and_body_merges_into_operations() -> None:
    key = {"name": "key", "in": "path", "required": True, "type": "string"}
    body = {"name": "thing", "in": "body", "schema": {"type": "object"}}
    doc = swagger(
        paths={
            "/t/{key}": {
                "parameters": [key, body],
                "put": {"responses": OK},
                "get": {"responses": OK},
            }
        }
    )
    out = converted(doc)
    item = out["paths"]["/t/{key}"]
    assert item["parameters"] == [
        {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    expected_body = {
        "content": {"application/json": {"schema": {"type": "object"}}},
        "x-codegen-request-body-name": "thing",
    }
    assert item["put"]["requestBody"] == expected_body
    assert item["get"]["requestBody"] == expected_body


def test_operation_parameters_override_path_level_ones_by_name_and_location() -> None:
    doc = swagger(
        paths={
            "/t": {
                "parameters": [
                    {"name": "a", "in": "formData", "type": "string", "description": "path"},
                    {"name": "b", "in": "formData", "type": "string"},
                ],
                "post": {
                    "responses": OK,
                    "parameters": [
                        {"name": "a", "in": "formData", "type": "integer", "required": True}
                    ],
                },
            }
        }
    )
    assert op_of(converted(doc), "/t")["requestBody"] == {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
                    "required": ["a"],
                }
            }
        },
        "required": True,
    }


def test_parameter_validation_keywords_move_into_schema() -> None:
    param = {
        "name": "n",
        "in": "query",
        "type": "integer",
        "format": "int32",
        "enum": [1, 2, 20],
        "default": 20,
        "minimum": 1,
        "maximum": 200,
        "exclusiveMaximum": True,
        "multipleOf": 1,
    }
    assert op_of(converted(with_op({"parameters": [param]})))["parameters"] == [
        {
            "name": "n",
            "in": "query",
            "schema": {
                "type": "integer",
                "format": "int32",
                "enum": [1, 2, 20],
                "default": 20,
                "minimum": 1,
                "maximum": 200,
                "exclusiveMaximum": True,
                "multipleOf": 1,
            },
        }
    ]


def test_array_parameter_items_move_into_schema() -> None:
    param = {
        "name": "ids",
        "in": "query",
        "type": "array",
        "items": {"type": "string", "pattern": "^[a-z]+$", "x-i": 1},
        "minItems": 1,
        "uniqueItems": True,
    }
    [out] = op_of(converted(with_op({"parameters": [param]})))["parameters"]
    assert out["schema"] == {
        "type": "array",
        "items": {"type": "string", "pattern": "^[a-z]+$", "x-i": 1},
        "minItems": 1,
        "uniqueItems": True,
    }


@pytest.mark.parametrize(
    ("location", "fmt", "expected"),
    [
        ("query", None, {"style": "form", "explode": False}),
        ("query", "csv", {"style": "form", "explode": False}),
        ("query", "ssv", {"style": "spaceDelimited", "explode": False}),
        ("query", "pipes", {"style": "pipeDelimited", "explode": False}),
        ("query", "multi", {"style": "form", "explode": True}),
        ("query", "tsv", {"style": "form", "explode": False, "x-collectionFormat": "tsv"}),
        ("path", "csv", {"style": "simple", "explode": False}),
        ("header", "csv", {"style": "simple", "explode": False}),
        ("header", "pipes", {"style": "simple", "explode": False, "x-collectionFormat": "pipes"}),
    ],
)
def test_collection_format_becomes_style(
    location: str, fmt: str | None, expected: dict[str, Any]
) -> None:
    param: dict[str, Any] = {"name": "v", "in": location, "type": "array"}
    param["items"] = {"type": "string"}
    param["required"] = True
    if fmt is not None:
        param["collectionFormat"] = fmt
    path = "/p/{v}" if location == "path" else "/p"
    [out] = op_of(converted(with_op({"parameters": [param]}, path)), path)["parameters"]
    assert {k: v for k, v in out.items() if k in ("style", "explode", "x-collectionFormat")} == (
        expected
    )


def test_parameter_fields_and_extensions_are_kept() -> None:
    param = {
        "name": "q",
        "in": "query",
        "description": "d",
        "required": False,
        "allowEmptyValue": True,
        "type": "string",
        "example": "abc",
        "x-p": {"k": 1},
    }
    assert op_of(converted(with_op({"parameters": [param]})))["parameters"] == [
        {
            "name": "q",
            "in": "query",
            "description": "d",
            "required": False,
            "allowEmptyValue": True,
            "schema": {"type": "string"},
            "example": "abc",
            "x-p": {"k": 1},
        }
    ]


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
