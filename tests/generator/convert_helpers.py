"""What the converter tests share: tiny Swagger documents and how to read the result."""

from typing import Any

from openapi_spec_validator import validate

from generator.convert import convert

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
