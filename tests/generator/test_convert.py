"""Tests of the Swagger 2.0 -> OpenAPI 3.0.3 converter: the document and parameters."""

from typing import Any

import pytest

from tests.generator.convert_helpers import OK, converted, op_of, swagger, with_op

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
