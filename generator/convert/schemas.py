"""Swagger 2.0 schema objects -> OpenAPI 3.0 schema objects (types, null, $refs, subschemas)."""

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .common import (
    BINARY,
    VALIDATION_KEYS,
    ConversionError,
    Source,
    mapping,
    ptr,
    ref_tokens,
    sequence,
    unique,
)

_SCHEMA_TYPES = ("string", "number", "integer", "boolean", "array", "object")
# Schema keywords OpenAPI 3.0 accepts as they are; others get special handling or an x- name.
_SCHEMA_COPIED = VALIDATION_KEYS | {
    "title",
    "maxProperties",
    "minProperties",
    "format",
    "description",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
    "nullable",
}


def schema(src: Source, value: Any, pointer: str) -> dict[str, Any]:
    """The OpenAPI 3.0 form of the schema `value` found at `pointer`."""
    obj = mapping(value, pointer, "a schema object")
    out: dict[str, Any] = {}
    for key, field in obj.items():
        where = ptr(pointer, key)
        if key == "$ref":
            out["$ref"] = _schema_ref(src, field, where)
        elif key == "type":
            out.update(_schema_type(field, where))
        elif key == "format" and obj.get("type") == "file":
            continue
        elif key == "x-nullable" and isinstance(field, bool):
            out["nullable"] = field
        elif key == "discriminator":
            out[key] = {"propertyName": field} if isinstance(field, str) else copy.deepcopy(field)
        elif key == "required":
            out.update(_schema_required(field))
        elif key in _SCHEMA_COPIED or key.startswith("x-"):
            out[key] = copy.deepcopy(field)
        else:
            out.update(_schema_nested(src, obj, key, field, where))
    if "$ref" in out and out.get("nullable") is True:
        return _nullable_ref(out)
    return out


def _schema_type(value: Any, pointer: str) -> dict[str, Any]:
    types = [value] if isinstance(value, str) else list(sequence(value, pointer))
    concrete = [t for t in types if t != "null"]
    out: dict[str, Any] = {}
    if len(concrete) == 1:
        kind = concrete[0]
        if kind == "file":
            out.update(BINARY)
        elif kind in _SCHEMA_TYPES:
            out["type"] = kind
        else:
            raise ConversionError(pointer, f"unknown type {kind!r}")
    elif len(concrete) > 1:
        # OpenAPI 3.0 has a single type; leaving it out accepts all, the list is kept as x-.
        out["x-type"] = copy.deepcopy(value)
    if "null" in types:
        out["nullable"] = True
        if not concrete:
            out["enum"] = [None]
    return out


def _nullable_ref(obj: dict[str, Any]) -> dict[str, Any]:
    """Siblings of $ref are ignored in OpenAPI 3.0, so a nullable $ref goes inside allOf."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "$ref":
            out["allOf"] = [{"$ref": value}, *obj.get("allOf", [])]
        elif key != "allOf":
            out[key] = value
    return out


def _schema_required(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return {"required": unique(value)} if value else {}
    # A boolean `required` on a property is a common Swagger mistake; keep it visible.
    return {"x-required": copy.deepcopy(value)}


def _schema_nested(src: Source, obj: Mapping[str, Any], key: str, value: Any, pointer: str) -> Any:
    """Keywords holding subschemas; any other keyword is kept as x-<keyword>."""
    if key == "properties":
        properties = mapping(value, pointer)
        return {
            key: {name: schema(src, prop, ptr(pointer, name)) for name, prop in properties.items()}
        }
    if key in ("allOf", "anyOf", "oneOf"):
        subschemas = sequence(value, pointer)
        return {key: [schema(src, s, ptr(pointer, i)) for i, s in enumerate(subschemas)]}
    if key in ("not", "additionalProperties") and not isinstance(value, bool):
        return {key: schema(src, value, pointer)}
    if key == "additionalProperties":
        return {key: value}
    if key == "items":
        return {key: _schema_items(src, value, pointer)}
    if f"x-{key}" in obj:
        return {}
    return {f"x-{key}": copy.deepcopy(value)}


def _schema_items(src: Source, value: Any, pointer: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return schema(src, value, pointer)
    # Tuple validation does not exist in OpenAPI 3.0: accept any of the listed schemas.
    schemas = [schema(src, s, ptr(pointer, i)) for i, s in enumerate(sequence(value, pointer))]
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas, "x-tupleItems": True}


def _schema_ref(src: Source, ref: Any, pointer: str) -> str:
    if not isinstance(ref, str):
        raise ConversionError(pointer, "$ref must be a string")
    if not ref.startswith("#"):
        return ref  # another document: nothing to resolve without I/O
    tokens = ref_tokens(ref, pointer)
    _resolve(src, tokens, ref, pointer)
    rest = ref[2:].split("/")[2:]
    if tokens[0] == "definitions":
        return "/".join(["#/components/schemas", src.schema_names[tokens[1]], *rest])
    if len(tokens) >= 3 and tokens[2] == "schema" and tokens[0] == "responses":
        target = ["#/components/responses", src.response_names[tokens[1]], "content"]
        return "/".join([*target, ptr("", src.produces[0])[1:], *rest])
    if len(tokens) >= 3 and tokens[2] == "schema" and tokens[0] == "parameters":
        target = ["#/components/requestBodies", src.parameter_names[tokens[1]], "content"]
        return "/".join([*target, ptr("", src.consumes[0])[1:], *rest])
    raise ConversionError(pointer, f"$ref {ref!r} has no OpenAPI 3 counterpart")


def _resolve(src: Source, tokens: Sequence[str], ref: str, pointer: str) -> None:
    node: Any = src.doc
    for token in tokens:
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise ConversionError(pointer, f"unresolvable $ref {ref!r}")
    if not tokens or (tokens[0] == "definitions" and len(tokens) < 2):
        raise ConversionError(pointer, f"$ref {ref!r} does not point to a schema")
