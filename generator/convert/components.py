"""Swagger 2.0 definitions, shared parameters/responses and security -> OpenAPI 3 components."""

import copy
from collections.abc import Mapping
from typing import Any

from .bodies import body
from .common import ConversionError, Source, copy_fields, extras, mapping, ptr, require
from .parameters import checked_param, parameter
from .responses import response
from .schemas import schema

_SECURITY_KEYS = frozenset(
    {"type", "description", "name", "in", "flow", "authorizationUrl", "tokenUrl", "scopes"}
)
_OAUTH_FLOWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "implicit": ("implicit", ("authorizationUrl",)),
    "password": ("password", ("tokenUrl",)),
    "application": ("clientCredentials", ("tokenUrl",)),
    "accessCode": ("authorizationCode", ("authorizationUrl", "tokenUrl")),
}


def components(src: Source) -> dict[str, Any]:
    """The document's components; sections that would be empty are left out."""
    schemas = {
        src.schema_names[name]: schema(src, definition, ptr("/definitions", name))
        for name, definition in src.definitions.items()
    }
    responses = {
        src.response_names[name]: response(src, shared, ptr("/responses", name), src.produces)
        for name, shared in src.responses.items()
    }
    parameters: dict[str, Any] = {}
    request_bodies: dict[str, Any] = {}
    for name, param in src.parameters.items():
        where = ptr("/parameters", name)
        source = checked_param(param, where)
        if source["in"] == "body":
            request_bodies[src.parameter_names[name]] = body(src, source, where, src.consumes)
        elif source["in"] != "formData":  # formData ones are inlined where referenced
            parameters[src.parameter_names[name]] = parameter(source, where)
    schemes = {
        src.security_names[name]: _security_scheme(scheme, ptr("/securityDefinitions", name))
        for name, scheme in src.security_definitions.items()
    }
    sections = {
        "schemas": schemas,
        "responses": responses,
        "parameters": parameters,
        "requestBodies": request_bodies,
        "securitySchemes": schemes,
    }
    return {key: value for key, value in sections.items() if value}


def _security_scheme(value: Any, pointer: str) -> dict[str, Any]:
    scheme = mapping(value, pointer)
    kind = require(scheme, "type", pointer)
    out: dict[str, Any] = {}
    if kind == "basic":
        out.update({"type": "http", "scheme": "basic"})
    elif kind == "apiKey":
        location = require(scheme, "in", pointer)
        if location not in ("query", "header"):
            raise ConversionError(ptr(pointer, "in"), "apiKey must be in query or header")
        out.update({"type": "apiKey", "name": require(scheme, "name", pointer)})
        out["in"] = location
    elif kind == "oauth2":
        out.update({"type": "oauth2", "flows": _oauth_flows(scheme, pointer)})
    else:
        raise ConversionError(ptr(pointer, "type"), f"unknown security scheme type {kind!r}")
    out.update(copy_fields(scheme, ["description"]))
    out.update(extras(scheme, _SECURITY_KEYS))
    return out


def _oauth_flows(scheme: Mapping[str, Any], pointer: str) -> dict[str, Any]:
    flow = require(scheme, "flow", pointer)
    if flow not in _OAUTH_FLOWS:
        raise ConversionError(ptr(pointer, "flow"), f"unknown oauth2 flow {flow!r}")
    name, urls = _OAUTH_FLOWS[flow]
    converted = {url: require(scheme, url, pointer) for url in urls}
    converted["scopes"] = copy.deepcopy(scheme.get("scopes", {}))
    return {name: converted}
