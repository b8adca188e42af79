"""A Swagger 2.0 document -> an OpenAPI 3.0.3 document: info, servers, security, paths."""

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .bodies import request_body
from .common import (
    BODY_LIKE,
    ConversionError,
    Source,
    copy_fields,
    extras,
    mapping,
    ptr,
    require,
    sequence,
    strings,
)
from .components import components
from .parameters import Param, param_out, params
from .responses import responses

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_OPERATION_KEYS = frozenset(
    {
        "tags",
        "summary",
        "description",
        "externalDocs",
        "operationId",
        "consumes",
        "produces",
        "parameters",
        "responses",
        "schemes",
        "deprecated",
        "security",
    }
)
_ROOT_KEYS = frozenset(
    {
        "swagger",
        "info",
        "host",
        "basePath",
        "schemes",
        "consumes",
        "produces",
        "paths",
        "definitions",
        "parameters",
        "responses",
        "securityDefinitions",
        "security",
        "tags",
        "externalDocs",
    }
)


def convert(swagger: Mapping[str, Any]) -> dict[str, Any]:
    """Return the OpenAPI 3.0.3 equivalent of the Swagger 2.0 document `swagger`."""
    src = Source(swagger)
    doc = src.doc
    out: dict[str, Any] = {"openapi": "3.0.3", "info": _info(src)}
    out.update(copy_fields(doc, ["externalDocs"]))
    out["servers"] = _servers(src, src.schemes)
    out.update(copy_fields(doc, ["tags"]))
    if "security" in doc:
        out["security"] = _security(src, doc["security"], "/security")
    out["paths"] = _paths(src, mapping(require(doc, "paths", ""), "/paths"))
    found = components(src)
    if found:
        out["components"] = found
    out.update(extras(doc, _ROOT_KEYS))
    return out


def _info(src: Source) -> dict[str, Any]:
    info = mapping(require(src.doc, "info", ""), "/info")
    require(info, "title", "/info")
    require(info, "version", "/info")
    return copy.deepcopy(dict(info))


def _servers(src: Source, schemes: Sequence[str]) -> list[dict[str, Any]]:
    host = src.doc.get("host")
    base_path = src.doc.get("basePath", "")
    if not isinstance(base_path, str) or (base_path and not base_path.startswith("/")):
        raise ConversionError("/basePath", "basePath must start with '/'")
    if not host:
        return [{"url": base_path or "/"}]
    return [{"url": f"{scheme}://{host}{base_path}"} for scheme in schemes]


def _security(src: Source, value: Any, pointer: str) -> list[dict[str, Any]]:
    out = []
    for index, requirement in enumerate(sequence(value, pointer)):
        where = ptr(pointer, index)
        converted = {}
        for name, scopes in mapping(requirement, where).items():
            if name not in src.security_names:
                raise ConversionError(ptr(where, name), f"unknown security scheme {name!r}")
            converted[src.security_names[name]] = copy.deepcopy(scopes)
        out.append(converted)
    return out


def _paths(src: Source, paths: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, item in paths.items():
        if path.startswith("x-"):
            out[path] = copy.deepcopy(item)
        elif not path.startswith("/"):
            raise ConversionError(ptr("/paths", path), "path must start with '/'")
        else:
            out[path] = _path_item(src, item, ptr("/paths", path))
    return out


def _path_item(src: Source, value: Any, pointer: str) -> dict[str, Any]:
    item = mapping(value, pointer)
    shared_params = params(src, item.get("parameters"), ptr(pointer, "parameters"))
    out: dict[str, Any] = {}
    for key, field in item.items():
        where = ptr(pointer, key)
        if key in _METHODS:
            out[key] = _operation(src, field, where, shared_params)
        elif key == "parameters":
            shared = [param_out(src, p) for p in shared_params if p.location not in BODY_LIKE]
            if shared:
                out["parameters"] = shared
        elif key == "$ref":
            out["$ref"] = copy.deepcopy(field)
    out.update(extras(item, (*_METHODS, "parameters", "$ref")))
    return out


def _operation(
    src: Source, value: Any, pointer: str, path_params: Sequence[Param]
) -> dict[str, Any]:
    op = mapping(value, pointer)
    consumes = strings(op.get("consumes"), ptr(pointer, "consumes")) or src.consumes
    produces = strings(op.get("produces"), ptr(pointer, "produces")) or src.produces
    own = params(src, op.get("parameters"), ptr(pointer, "parameters"))
    out = copy_fields(op, ["tags", "summary", "description", "externalDocs", "operationId"])
    plain = [param_out(src, p) for p in own if p.location not in BODY_LIKE]
    if plain:
        out["parameters"] = plain
    body = request_body(src, [*path_params, *own], consumes)
    if body is not None:
        out["requestBody"] = body
    answers = require(op, "responses", pointer)
    out["responses"] = responses(src, answers, ptr(pointer, "responses"), produces)
    out.update(copy_fields(op, ["deprecated"]))
    if "security" in op:
        out["security"] = _security(src, op["security"], ptr(pointer, "security"))
    schemes = strings(op.get("schemes"), ptr(pointer, "schemes"))
    if schemes and schemes != src.schemes and src.doc.get("host"):
        out["servers"] = _servers(src, schemes)
    out.update(extras(op, _OPERATION_KEYS))
    return out
