"""Swagger 2.0 responses -> OpenAPI 3.0 responses (content per media type, headers)."""

import copy
import re
from collections.abc import Mapping
from typing import Any

from .common import (
    ConversionError,
    Source,
    copy_fields,
    extras,
    local_name,
    mapping,
    ptr,
    require,
)
from .parameters import HEADER_KEYS, simple_schema, style
from .schemas import schema

_RESPONSE_CODE = re.compile(r"[1-5]\d\d")
_RESPONSE_KEYS = frozenset({"description", "schema", "headers", "examples"})


def responses(src: Source, value: Any, pointer: str, produces: list[str]) -> dict[str, Any]:
    """An operation's responses, each in the operation's `produces` media types."""
    codes = mapping(value, pointer)
    out: dict[str, Any] = {}
    for code, entry in codes.items():
        key = str(code)
        where = ptr(pointer, key)
        if key.startswith("x-"):
            out[key] = copy.deepcopy(entry)
        elif key == "default" or _RESPONSE_CODE.fullmatch(key):
            out[key] = _response_or_ref(src, entry, where, produces)
        else:
            raise ConversionError(where, f"invalid response code {key!r}")
    if not any(not key.startswith("x-") for key in out):
        raise ConversionError(pointer, "an operation needs at least one response")
    return out


def _response_or_ref(src: Source, value: Any, pointer: str, produces: list[str]) -> dict[str, Any]:
    entry = mapping(value, pointer)
    if "$ref" not in entry:
        return response(src, entry, pointer, produces)
    ref = entry["$ref"]
    if not isinstance(ref, str):
        raise ConversionError(ptr(pointer, "$ref"), "$ref must be a string")
    if not ref.startswith("#"):
        return {"$ref": ref}
    name = local_name(ref, "responses", src.responses, ptr(pointer, "$ref"))
    shared = mapping(src.responses[name], ptr("/responses", name))
    # The shared response's content uses the document's produces; inline it when they differ.
    if produces != src.produces and "schema" in shared:
        return response(src, shared, ptr("/responses", name), produces)
    return {"$ref": "#/components/responses/" + src.response_names[name]}


def response(src: Source, value: Any, pointer: str, produces: list[str]) -> dict[str, Any]:
    """One response object (inline or a component), its content in each `produces` type."""
    entry = mapping(value, pointer)
    out: dict[str, Any] = {"description": require(entry, "description", pointer)}
    if "headers" in entry:
        headers = mapping(entry["headers"], ptr(pointer, "headers"))
        out["headers"] = {
            name: _header(header, ptr(pointer, "headers", name)) for name, header in headers.items()
        }
    content = _response_content(src, entry, pointer, produces)
    if content:
        out["content"] = content
    out.update(extras(entry, _RESPONSE_KEYS))
    return out


def _response_content(
    src: Source, entry: Mapping[str, Any], pointer: str, produces: list[str]
) -> dict[str, Any]:
    schema_pointer = ptr(pointer, "schema")

    def media() -> dict[str, Any]:
        if "schema" not in entry:
            return {}
        return {"schema": schema(src, entry["schema"], schema_pointer)}

    content = {mime: media() for mime in produces} if "schema" in entry else {}
    examples = mapping(entry.get("examples", {}), ptr(pointer, "examples"))
    for mime, example in examples.items():
        content.setdefault(mime, media())["example"] = copy.deepcopy(example)
    return content


def _header(value: Any, pointer: str) -> dict[str, Any]:
    header = mapping(value, pointer)
    out = copy_fields(header, ["description"])
    out.update(style("header", header, pointer))
    out["schema"] = simple_schema(header, pointer, "header")
    out.update(copy_fields(header, ["example"]))
    out.update(extras(header, HEADER_KEYS))
    return out
