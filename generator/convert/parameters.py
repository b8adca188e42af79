"""Swagger 2.0 parameters -> OpenAPI 3.0 parameters (with their schema and style).

Body and formData parameters become request bodies (`bodies`); the rest are converted here.
"""

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .common import (
    BINARY,
    VALIDATION_KEYS,
    ConversionError,
    Source,
    copy_fields,
    extras,
    local_name,
    mapping,
    ptr,
    require,
    sequence,
)

_LOCATIONS = ("query", "header", "path", "formData", "body")
_SIMPLE_TYPES = ("string", "number", "integer", "boolean", "array", "file")
ITEMS_KEYS = VALIDATION_KEYS | {"type", "format", "items", "collectionFormat"}
HEADER_KEYS = ITEMS_KEYS | {"description", "example"}
PARAM_KEYS = HEADER_KEYS | {"name", "in", "required", "schema", "allowEmptyValue"}
# collectionFormat -> (style, explode, exact); not exact means the format is kept as x-.
_QUERY_STYLES: dict[str, tuple[str, bool, bool]] = {
    "csv": ("form", False, True),
    "ssv": ("spaceDelimited", False, True),
    "pipes": ("pipeDelimited", False, True),
    "multi": ("form", True, True),
    "tsv": ("form", False, False),
}
_SIMPLE_STYLES: dict[str, tuple[str, bool, bool]] = {
    "csv": ("simple", False, True),
    "ssv": ("simple", False, False),
    "pipes": ("simple", False, False),
    "tsv": ("simple", False, False),
}


@dataclass(frozen=True)
class Param:
    """A parameter of a path item or operation, with its $ref (if any) resolved."""

    source: Mapping[str, Any]
    pointer: str  # where the parameter is defined
    site: str  # where it is used: differs from pointer for a $ref
    component: str | None = None
    external_ref: str | None = None

    @property
    def location(self) -> str:
        return "$ref" if self.external_ref is not None else str(self.source["in"])

    @property
    def key(self) -> tuple[str, str]:
        if self.external_ref is not None:
            return ("$ref", self.external_ref)
        return (str(self.source["name"]), self.location)


def style(location: str, obj: Mapping[str, Any], pointer: str) -> dict[str, Any]:
    """OpenAPI 3 style/explode for a Swagger collectionFormat (which defaults to csv)."""
    fmt = obj.get("collectionFormat")
    if obj.get("type") != "array":
        return {} if fmt is None else {"x-collectionFormat": fmt}
    fmt = "csv" if fmt is None else fmt
    table = _QUERY_STYLES if location in ("query", "formData") else _SIMPLE_STYLES
    if fmt not in table:
        raise ConversionError(
            ptr(pointer, "collectionFormat"), f"collectionFormat {fmt!r} not allowed in {location}"
        )
    kind, explode, exact = table[fmt]
    out: dict[str, Any] = {"style": kind, "explode": explode}
    if not exact:
        out["x-collectionFormat"] = fmt
    return out


def params(src: Source, value: Any, pointer: str) -> list[Param]:
    """The `parameters` list at `pointer`, each resolved; a (name, in) pair may appear once."""
    if value is None:
        return []
    found: dict[tuple[str, str], Param] = {}
    for index, entry in enumerate(sequence(value, pointer)):
        param = _param(src, entry, ptr(pointer, index))
        if param.key in found:
            raise ConversionError(ptr(pointer, index), f"duplicate parameter {param.key}")
        found[param.key] = param
    return list(found.values())


def _param(src: Source, value: Any, pointer: str) -> Param:
    entry = mapping(value, pointer)
    if "$ref" not in entry:
        return Param(checked_param(entry, pointer), pointer, pointer)
    ref = entry["$ref"]
    if not isinstance(ref, str):
        raise ConversionError(ptr(pointer, "$ref"), "$ref must be a string")
    if not ref.startswith("#"):
        return Param(entry, pointer, pointer, external_ref=ref)
    name = local_name(ref, "parameters", src.parameters, ptr(pointer, "$ref"))
    where = ptr("/parameters", name)
    source = checked_param(src.parameters[name], where)
    return Param(source, where, pointer, component=name)


def checked_param(value: Any, pointer: str) -> Mapping[str, Any]:
    param = mapping(value, pointer)
    name = require(param, "name", pointer)
    location = require(param, "in", pointer)
    if not isinstance(name, str):
        raise ConversionError(ptr(pointer, "name"), "parameter name must be a string")
    if location not in _LOCATIONS:
        raise ConversionError(ptr(pointer, "in"), f"unknown parameter location {location!r}")
    if location == "body" and "schema" not in param:
        raise ConversionError(pointer, "body parameter has no schema")
    if location == "path" and param.get("required") is not True:
        raise ConversionError(pointer, "path parameter must have required: true")
    return param


def param_out(src: Source, param: Param) -> dict[str, Any]:
    """The parameter as the operation lists it: a $ref to its component, or inline."""
    if param.external_ref is not None:
        return {"$ref": param.external_ref}
    if param.component is not None:
        return {"$ref": "#/components/parameters/" + src.parameter_names[param.component]}
    return parameter(param.source, param.pointer)


def parameter(param: Mapping[str, Any], pointer: str) -> dict[str, Any]:
    location = param["in"]
    out: dict[str, Any] = {"name": param["name"], "in": location}
    out.update(copy_fields(param, ["description", "required", "allowEmptyValue"]))
    out.update(style(location, param, pointer))
    out["schema"] = simple_schema(param, pointer, location)
    out.update(copy_fields(param, ["example"]))
    out.update(extras(param, PARAM_KEYS))
    return out


def simple_schema(obj: Mapping[str, Any], pointer: str, location: str) -> dict[str, Any]:
    """Schema of a non-body parameter, header or items object (type, format, limits...)."""
    kind = require(obj, "type", pointer)
    if kind not in _SIMPLE_TYPES or (kind == "file" and location != "formData"):
        raise ConversionError(ptr(pointer, "type"), f"type {kind!r} not allowed here")
    if kind == "array":
        require(obj, "items", pointer)
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "type":
            out.update(BINARY if kind == "file" else {"type": kind})
        elif key == "items":
            out["items"] = _items(value, ptr(pointer, "items"))
        elif key == "format" and kind != "file":
            out["format"] = value
        elif key in VALIDATION_KEYS:
            out[key] = copy.deepcopy(value)
    return out


def _items(value: Any, pointer: str) -> dict[str, Any]:
    items = mapping(value, pointer)
    out = simple_schema(items, pointer, "items")
    if "collectionFormat" in items:
        # Nested arrays have no OpenAPI 3 serialization style.
        out["x-collectionFormat"] = items["collectionFormat"]
    out.update(extras(items, ITEMS_KEYS))
    return out
