"""Swagger 2.0 body and formData parameters -> an OpenAPI 3.0 request body."""

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .common import (
    BODY_LIKE,
    MULTIPART_MIME,
    URLENCODED_MIME,
    ConversionError,
    Source,
    copy_fields,
    extras,
    ptr,
)
from .parameters import PARAM_KEYS, Param, simple_schema, style
from .schemas import schema


def request_body(
    src: Source, params: Sequence[Param], consumes: list[str]
) -> dict[str, Any] | None:
    """The request body of an operation with these (path-level, then own) parameters."""
    # Operation parameters come after path-level ones, so they override them by (name, in).
    merged = {p.key: p for p in params if p.location in BODY_LIKE}
    candidates = list(merged.values())
    if not candidates:
        return None
    first = candidates[0]
    for other in candidates[1:]:
        if other.location != first.location:
            raise ConversionError(
                other.site, "formData and body parameters cannot be used together"
            )
        if other.location == "body":
            raise ConversionError(other.site, "more than one body parameter")
    if first.location == "formData":
        return _form(candidates, consumes)
    if first.component is not None and consumes == src.consumes:
        return {"$ref": "#/components/requestBodies/" + src.parameter_names[first.component]}
    return body(src, first.source, first.pointer, consumes)


def body(
    src: Source, param: Mapping[str, Any], pointer: str, consumes: list[str]
) -> dict[str, Any]:
    """The request body of one body parameter, in each of the `consumes` media types."""
    media: dict[str, Any] = {"schema": schema(src, param["schema"], ptr(pointer, "schema"))}
    media.update(copy_fields(param, ["example"]))
    out = copy_fields(param, ["description"])
    out["content"] = {mime: copy.deepcopy(media) for mime in consumes}
    out.update(copy_fields(param, ["required"]))
    out["x-codegen-request-body-name"] = param["name"]
    out.update(extras(param, PARAM_KEYS))
    return out


def _form(params: Sequence[Param], consumes: list[str]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    encoding: dict[str, Any] = {}
    for param in params:
        name = param.source["name"]
        properties[name] = _form_property(param.source, param.pointer)
        if param.source.get("required") is True:
            required.append(name)
        serialised = style("formData", param.source, param.pointer)
        if serialised:
            encoding[name] = serialised
    form: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        form["required"] = required
    media: dict[str, Any] = {"schema": form}
    if encoding:
        media["encoding"] = encoding
    has_file = any(p.source.get("type") == "file" for p in params)
    mimes = [m for m in consumes if m in (URLENCODED_MIME, MULTIPART_MIME)]
    if has_file or not mimes:
        mimes = [MULTIPART_MIME if has_file else URLENCODED_MIME]
    out: dict[str, Any] = {"content": {mime: copy.deepcopy(media) for mime in mimes}}
    if required:
        out["required"] = True
    return out


def _form_property(param: Mapping[str, Any], pointer: str) -> dict[str, Any]:
    out = copy_fields(param, ["description"])
    out.update(simple_schema(param, pointer, "formData"))
    out.update(copy_fields(param, ["example"]))
    if "allowEmptyValue" in param:
        out["x-allowEmptyValue"] = param["allowEmptyValue"]
    out.update(extras(param, PARAM_KEYS))
    return out
