"""Convert a Swagger 2.0 document (parsed JSON) into an OpenAPI 3.0.3 document.

Pure function, no I/O: `convert(swagger)` returns a new dict and leaves its input untouched.
Keys that Swagger allows but OpenAPI 3.0 does not are kept under an `x-` name rather than lost.
"""

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

__all__ = ["ConversionError", "convert"]

JSON_MIME = "application/json"
URLENCODED_MIME = "application/x-www-form-urlencoded"
MULTIPART_MIME = "multipart/form-data"

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_LOCATIONS = ("query", "header", "path", "formData", "body")
_BODY_LIKE = ("body", "formData")
_SIMPLE_TYPES = ("string", "number", "integer", "boolean", "array", "file")
_SCHEMA_TYPES = ("string", "number", "integer", "boolean", "array", "object")
_BINARY = {"type": "string", "format": "binary"}
_COMPONENT_NAME = re.compile(r"[^A-Za-z0-9._-]")
_RESPONSE_CODE = re.compile(r"[1-5]\d\d")

_VALIDATION_KEYS = frozenset(
    {
        "default",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "enum",
        "multipleOf",
    }
)
_ITEMS_KEYS = _VALIDATION_KEYS | {"type", "format", "items", "collectionFormat"}
_HEADER_KEYS = _ITEMS_KEYS | {"description", "example"}
_PARAM_KEYS = _HEADER_KEYS | {"name", "in", "required", "schema", "allowEmptyValue"}
# Schema keywords OpenAPI 3.0 accepts as they are; others get special handling or an x- name.
_SCHEMA_COPIED = _VALIDATION_KEYS | {
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
_RESPONSE_KEYS = frozenset({"description", "schema", "headers", "examples"})
_SECURITY_KEYS = frozenset(
    {"type", "description", "name", "in", "flow", "authorizationUrl", "tokenUrl", "scopes"}
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
_OAUTH_FLOWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "implicit": ("implicit", ("authorizationUrl",)),
    "password": ("password", ("tokenUrl",)),
    "application": ("clientCredentials", ("tokenUrl",)),
    "accessCode": ("authorizationCode", ("authorizationUrl", "tokenUrl")),
}


class ConversionError(ValueError):
    """The input is not valid Swagger 2.0; `pointer` is the JSON pointer of the offending place."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"#{pointer}: {message}")
        self.pointer = pointer


def convert(swagger: Mapping[str, Any]) -> dict[str, Any]:
    """Return the OpenAPI 3.0.3 equivalent of the Swagger 2.0 document `swagger`."""
    return _Converter(swagger).document()


def _ptr(base: str, *tokens: object) -> str:
    escaped = (str(t).replace("~", "~0").replace("/", "~1") for t in tokens)
    return base + "".join("/" + token for token in escaped)


def _mapping(value: Any, pointer: str, what: str = "an object") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConversionError(pointer, f"expected {what}, got {type(value).__name__}")
    return value


def _sequence(value: Any, pointer: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise ConversionError(pointer, f"expected an array, got {type(value).__name__}")
    return value


def _require(obj: Mapping[str, Any], key: str, pointer: str) -> Any:
    if key not in obj:
        raise ConversionError(pointer, f"missing required field {key!r}")
    return obj[key]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _extras(obj: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    """The object's `x-` keys as they are, plus its unknown keys renamed to `x-<key>`."""
    known = frozenset(known)
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key.startswith("x-"):
            out[key] = copy.deepcopy(value)
        elif key not in known and f"x-{key}" not in obj:
            out[f"x-{key}"] = copy.deepcopy(value)
    return out


def _copy_fields(obj: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {key: copy.deepcopy(obj[key]) for key in keys if key in obj}


def _component_names(names: Iterable[str]) -> dict[str, str]:
    """Map each name to one OpenAPI 3 allows for a component key, without collisions."""
    names = [str(name) for name in names]
    valid = {name for name in names if not _COMPONENT_NAME.search(name)}
    used = set(valid)
    result: dict[str, str] = {}
    for name in names:
        if name in valid:
            result[name] = name
            continue
        base = _COMPONENT_NAME.sub("_", name) or "_"
        candidate, counter = base, 1
        while candidate in used:
            counter += 1
            candidate = f"{base}_{counter}"
        used.add(candidate)
        result[name] = candidate
    return result


def _ref_tokens(ref: str, pointer: str) -> list[str]:
    if ref == "#":
        return []
    if not ref.startswith("#/"):
        raise ConversionError(pointer, f"malformed local $ref {ref!r}")
    raw = ref[2:].split("/")
    return [unquote(token).replace("~1", "/").replace("~0", "~") for token in raw]


def _style(location: str, obj: Mapping[str, Any], pointer: str) -> dict[str, Any]:
    """OpenAPI 3 style/explode for a Swagger collectionFormat (which defaults to csv)."""
    fmt = obj.get("collectionFormat")
    if obj.get("type") != "array":
        return {} if fmt is None else {"x-collectionFormat": fmt}
    fmt = "csv" if fmt is None else fmt
    table = _QUERY_STYLES if location in ("query", "formData") else _SIMPLE_STYLES
    if fmt not in table:
        raise ConversionError(
            _ptr(pointer, "collectionFormat"), f"collectionFormat {fmt!r} not allowed in {location}"
        )
    style, explode, exact = table[fmt]
    out: dict[str, Any] = {"style": style, "explode": explode}
    if not exact:
        out["x-collectionFormat"] = fmt
    return out


def _schema_type(value: Any, pointer: str) -> dict[str, Any]:
    types = [value] if isinstance(value, str) else list(_sequence(value, pointer))
    concrete = [t for t in types if t != "null"]
    out: dict[str, Any] = {}
    if len(concrete) == 1:
        kind = concrete[0]
        if kind == "file":
            out.update(_BINARY)
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


def _nullable_ref(schema: dict[str, Any]) -> dict[str, Any]:
    """Siblings of $ref are ignored in OpenAPI 3.0, so a nullable $ref goes inside allOf."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            out["allOf"] = [{"$ref": value}, *schema.get("allOf", [])]
        elif key != "allOf":
            out[key] = value
    return out


@dataclass(frozen=True)
class _Param:
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


class _Converter:
    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = _mapping(doc, "", "a Swagger document object")
        if doc.get("swagger") != "2.0":
            raise ConversionError("/swagger", 'not a Swagger 2.0 document (swagger: "2.0")')
        self.consumes = self._strings(doc.get("consumes"), "/consumes") or [JSON_MIME]
        self.produces = self._strings(doc.get("produces"), "/produces") or [JSON_MIME]
        self.schemes = self._strings(doc.get("schemes"), "/schemes") or ["https"]
        self.definitions = _mapping(doc.get("definitions", {}), "/definitions")
        self.parameters = _mapping(doc.get("parameters", {}), "/parameters")
        self.responses = _mapping(doc.get("responses", {}), "/responses")
        self.security_definitions = _mapping(
            doc.get("securityDefinitions", {}), "/securityDefinitions"
        )
        self.schema_names = _component_names(self.definitions)
        self.parameter_names = _component_names(self.parameters)
        self.response_names = _component_names(self.responses)
        self.security_names = _component_names(self.security_definitions)

    # document level

    def document(self) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {"openapi": "3.0.3", "info": self._info()}
        out.update(_copy_fields(doc, ["externalDocs"]))
        out["servers"] = self._servers(self.schemes)
        out.update(_copy_fields(doc, ["tags"]))
        if "security" in doc:
            out["security"] = self._security(doc["security"], "/security")
        out["paths"] = self._paths(_mapping(_require(doc, "paths", ""), "/paths"))
        components = self._components()
        if components:
            out["components"] = components
        out.update(_extras(doc, _ROOT_KEYS))
        return out

    def _info(self) -> dict[str, Any]:
        info = _mapping(_require(self.doc, "info", ""), "/info")
        _require(info, "title", "/info")
        _require(info, "version", "/info")
        return copy.deepcopy(dict(info))

    def _strings(self, value: Any, pointer: str) -> list[str]:
        if value is None:
            return []
        mimes = _sequence(value, pointer)
        for index, mime in enumerate(mimes):
            if not isinstance(mime, str):
                raise ConversionError(_ptr(pointer, index), "expected a string")
        return _unique(mimes)

    def _servers(self, schemes: Sequence[str]) -> list[dict[str, Any]]:
        host = self.doc.get("host")
        base_path = self.doc.get("basePath", "")
        if not isinstance(base_path, str) or (base_path and not base_path.startswith("/")):
            raise ConversionError("/basePath", "basePath must start with '/'")
        if not host:
            return [{"url": base_path or "/"}]
        return [{"url": f"{scheme}://{host}{base_path}"} for scheme in schemes]

    def _security(self, value: Any, pointer: str) -> list[dict[str, Any]]:
        out = []
        for index, requirement in enumerate(_sequence(value, pointer)):
            where = _ptr(pointer, index)
            converted = {}
            for name, scopes in _mapping(requirement, where).items():
                if name not in self.security_names:
                    raise ConversionError(_ptr(where, name), f"unknown security scheme {name!r}")
                converted[self.security_names[name]] = copy.deepcopy(scopes)
            out.append(converted)
        return out

    # components

    def _components(self) -> dict[str, Any]:
        schemas = {
            self.schema_names[name]: self._schema(schema, _ptr("/definitions", name))
            for name, schema in self.definitions.items()
        }
        responses = {
            self.response_names[name]: self._response(
                response, _ptr("/responses", name), self.produces
            )
            for name, response in self.responses.items()
        }
        parameters: dict[str, Any] = {}
        request_bodies: dict[str, Any] = {}
        for name, param in self.parameters.items():
            where = _ptr("/parameters", name)
            source = self._checked_param(param, where)
            if source["in"] == "body":
                request_bodies[self.parameter_names[name]] = self._body(
                    source, where, self.consumes
                )
            elif source["in"] != "formData":  # formData ones are inlined where referenced
                parameters[self.parameter_names[name]] = self._parameter(source, where)
        schemes = {
            self.security_names[name]: self._security_scheme(
                scheme, _ptr("/securityDefinitions", name)
            )
            for name, scheme in self.security_definitions.items()
        }
        sections = {
            "schemas": schemas,
            "responses": responses,
            "parameters": parameters,
            "requestBodies": request_bodies,
            "securitySchemes": schemes,
        }
        return {key: value for key, value in sections.items() if value}

    def _security_scheme(self, value: Any, pointer: str) -> dict[str, Any]:
        scheme = _mapping(value, pointer)
        kind = _require(scheme, "type", pointer)
        out: dict[str, Any] = {}
        if kind == "basic":
            out.update({"type": "http", "scheme": "basic"})
        elif kind == "apiKey":
            location = _require(scheme, "in", pointer)
            if location not in ("query", "header"):
                raise ConversionError(_ptr(pointer, "in"), "apiKey must be in query or header")
            out.update({"type": "apiKey", "name": _require(scheme, "name", pointer)})
            out["in"] = location
        elif kind == "oauth2":
            out.update({"type": "oauth2", "flows": self._oauth_flows(scheme, pointer)})
        else:
            raise ConversionError(_ptr(pointer, "type"), f"unknown security scheme type {kind!r}")
        out.update(_copy_fields(scheme, ["description"]))
        out.update(_extras(scheme, _SECURITY_KEYS))
        return out

    def _oauth_flows(self, scheme: Mapping[str, Any], pointer: str) -> dict[str, Any]:
        flow = _require(scheme, "flow", pointer)
        if flow not in _OAUTH_FLOWS:
            raise ConversionError(_ptr(pointer, "flow"), f"unknown oauth2 flow {flow!r}")
        name, urls = _OAUTH_FLOWS[flow]
        converted = {url: _require(scheme, url, pointer) for url in urls}
        converted["scopes"] = copy.deepcopy(scheme.get("scopes", {}))
        return {name: converted}

    # paths and operations

    def _paths(self, paths: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, item in paths.items():
            if path.startswith("x-"):
                out[path] = copy.deepcopy(item)
            elif not path.startswith("/"):
                raise ConversionError(_ptr("/paths", path), "path must start with '/'")
            else:
                out[path] = self._path_item(item, _ptr("/paths", path))
        return out

    def _path_item(self, value: Any, pointer: str) -> dict[str, Any]:
        item = _mapping(value, pointer)
        params = self._params(item.get("parameters"), _ptr(pointer, "parameters"))
        out: dict[str, Any] = {}
        for key, field in item.items():
            where = _ptr(pointer, key)
            if key in _METHODS:
                out[key] = self._operation(field, where, params)
            elif key == "parameters":
                shared = [self._param_out(p) for p in params if p.location not in _BODY_LIKE]
                if shared:
                    out["parameters"] = shared
            elif key == "$ref":
                out["$ref"] = copy.deepcopy(field)
        out.update(_extras(item, (*_METHODS, "parameters", "$ref")))
        return out

    def _operation(self, value: Any, pointer: str, path_params: Sequence[_Param]) -> dict[str, Any]:
        op = _mapping(value, pointer)
        consumes = self._strings(op.get("consumes"), _ptr(pointer, "consumes")) or self.consumes
        produces = self._strings(op.get("produces"), _ptr(pointer, "produces")) or self.produces
        params = self._params(op.get("parameters"), _ptr(pointer, "parameters"))
        out = _copy_fields(op, ["tags", "summary", "description", "externalDocs", "operationId"])
        plain = [self._param_out(p) for p in params if p.location not in _BODY_LIKE]
        if plain:
            out["parameters"] = plain
        body = self._request_body([*path_params, *params], consumes)
        if body is not None:
            out["requestBody"] = body
        responses = _require(op, "responses", pointer)
        out["responses"] = self._responses(responses, _ptr(pointer, "responses"), produces)
        out.update(_copy_fields(op, ["deprecated"]))
        if "security" in op:
            out["security"] = self._security(op["security"], _ptr(pointer, "security"))
        schemes = self._strings(op.get("schemes"), _ptr(pointer, "schemes"))
        if schemes and schemes != self.schemes and self.doc.get("host"):
            out["servers"] = self._servers(schemes)
        out.update(_extras(op, _OPERATION_KEYS))
        return out

    # parameters

    def _params(self, value: Any, pointer: str) -> list[_Param]:
        if value is None:
            return []
        params: dict[tuple[str, str], _Param] = {}
        for index, entry in enumerate(_sequence(value, pointer)):
            param = self._param(entry, _ptr(pointer, index))
            if param.key in params:
                raise ConversionError(_ptr(pointer, index), f"duplicate parameter {param.key}")
            params[param.key] = param
        return list(params.values())

    def _param(self, value: Any, pointer: str) -> _Param:
        entry = _mapping(value, pointer)
        if "$ref" not in entry:
            return _Param(self._checked_param(entry, pointer), pointer, pointer)
        ref = entry["$ref"]
        if not isinstance(ref, str):
            raise ConversionError(_ptr(pointer, "$ref"), "$ref must be a string")
        if not ref.startswith("#"):
            return _Param(entry, pointer, pointer, external_ref=ref)
        name = self._local_name(ref, "parameters", self.parameters, _ptr(pointer, "$ref"))
        where = _ptr("/parameters", name)
        source = self._checked_param(self.parameters[name], where)
        return _Param(source, where, pointer, component=name)

    def _local_name(self, ref: str, section: str, targets: Mapping[str, Any], pointer: str) -> str:
        tokens = _ref_tokens(ref, pointer)
        if len(tokens) != 2 or tokens[0] != section:
            raise ConversionError(pointer, f"$ref {ref!r} must point to #/{section}/<name>")
        if tokens[1] not in targets:
            raise ConversionError(pointer, f"unresolvable $ref {ref!r}")
        return tokens[1]

    def _checked_param(self, value: Any, pointer: str) -> Mapping[str, Any]:
        param = _mapping(value, pointer)
        name = _require(param, "name", pointer)
        location = _require(param, "in", pointer)
        if not isinstance(name, str):
            raise ConversionError(_ptr(pointer, "name"), "parameter name must be a string")
        if location not in _LOCATIONS:
            raise ConversionError(_ptr(pointer, "in"), f"unknown parameter location {location!r}")
        if location == "body" and "schema" not in param:
            raise ConversionError(pointer, "body parameter has no schema")
        if location == "path" and param.get("required") is not True:
            raise ConversionError(pointer, "path parameter must have required: true")
        return param

    def _param_out(self, param: _Param) -> dict[str, Any]:
        if param.external_ref is not None:
            return {"$ref": param.external_ref}
        if param.component is not None:
            return {"$ref": "#/components/parameters/" + self.parameter_names[param.component]}
        return self._parameter(param.source, param.pointer)

    def _parameter(self, param: Mapping[str, Any], pointer: str) -> dict[str, Any]:
        location = param["in"]
        out: dict[str, Any] = {"name": param["name"], "in": location}
        out.update(_copy_fields(param, ["description", "required", "allowEmptyValue"]))
        out.update(_style(location, param, pointer))
        out["schema"] = self._simple_schema(param, pointer, location)
        out.update(_copy_fields(param, ["example"]))
        out.update(_extras(param, _PARAM_KEYS))
        return out

    def _simple_schema(self, obj: Mapping[str, Any], pointer: str, location: str) -> dict[str, Any]:
        """Schema of a non-body parameter, header or items object (type, format, limits...)."""
        kind = _require(obj, "type", pointer)
        if kind not in _SIMPLE_TYPES or (kind == "file" and location != "formData"):
            raise ConversionError(_ptr(pointer, "type"), f"type {kind!r} not allowed here")
        if kind == "array":
            _require(obj, "items", pointer)
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if key == "type":
                out.update(_BINARY if kind == "file" else {"type": kind})
            elif key == "items":
                out["items"] = self._items(value, _ptr(pointer, "items"))
            elif key == "format" and kind != "file":
                out["format"] = value
            elif key in _VALIDATION_KEYS:
                out[key] = copy.deepcopy(value)
        return out

    def _items(self, value: Any, pointer: str) -> dict[str, Any]:
        items = _mapping(value, pointer)
        out = self._simple_schema(items, pointer, "items")
        if "collectionFormat" in items:
            # Nested arrays have no OpenAPI 3 serialization style.
            out["x-collectionFormat"] = items["collectionFormat"]
        out.update(_extras(items, _ITEMS_KEYS))
        return out

    # request bodies

    def _request_body(self, params: Sequence[_Param], consumes: list[str]) -> dict[str, Any] | None:
        # Operation parameters come after path-level ones, so they override them by (name, in).
        merged = {p.key: p for p in params if p.location in _BODY_LIKE}
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
            return self._form(candidates, consumes)
        if first.component is not None and consumes == self.consumes:
            return {"$ref": "#/components/requestBodies/" + self.parameter_names[first.component]}
        return self._body(first.source, first.pointer, consumes)

    def _body(self, param: Mapping[str, Any], pointer: str, consumes: list[str]) -> dict[str, Any]:
        media: dict[str, Any] = {"schema": self._schema(param["schema"], _ptr(pointer, "schema"))}
        media.update(_copy_fields(param, ["example"]))
        out = _copy_fields(param, ["description"])
        out["content"] = {mime: copy.deepcopy(media) for mime in consumes}
        out.update(_copy_fields(param, ["required"]))
        out["x-codegen-request-body-name"] = param["name"]
        out.update(_extras(param, _PARAM_KEYS))
        return out

    def _form(self, params: Sequence[_Param], consumes: list[str]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        encoding: dict[str, Any] = {}
        for param in params:
            name = param.source["name"]
            properties[name] = self._form_property(param.source, param.pointer)
            if param.source.get("required") is True:
                required.append(name)
            style = _style("formData", param.source, param.pointer)
            if style:
                encoding[name] = style
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        media: dict[str, Any] = {"schema": schema}
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

    def _form_property(self, param: Mapping[str, Any], pointer: str) -> dict[str, Any]:
        out = _copy_fields(param, ["description"])
        out.update(self._simple_schema(param, pointer, "formData"))
        out.update(_copy_fields(param, ["example"]))
        if "allowEmptyValue" in param:
            out["x-allowEmptyValue"] = param["allowEmptyValue"]
        out.update(_extras(param, _PARAM_KEYS))
        return out

    # responses

    def _responses(self, value: Any, pointer: str, produces: list[str]) -> dict[str, Any]:
        responses = _mapping(value, pointer)
        out: dict[str, Any] = {}
        for code, response in responses.items():
            key = str(code)
            where = _ptr(pointer, key)
            if key.startswith("x-"):
                out[key] = copy.deepcopy(response)
            elif key == "default" or _RESPONSE_CODE.fullmatch(key):
                out[key] = self._response_or_ref(response, where, produces)
            else:
                raise ConversionError(where, f"invalid response code {key!r}")
        if not any(not key.startswith("x-") for key in out):
            raise ConversionError(pointer, "an operation needs at least one response")
        return out

    def _response_or_ref(self, value: Any, pointer: str, produces: list[str]) -> dict[str, Any]:
        response = _mapping(value, pointer)
        if "$ref" not in response:
            return self._response(response, pointer, produces)
        ref = response["$ref"]
        if not isinstance(ref, str):
            raise ConversionError(_ptr(pointer, "$ref"), "$ref must be a string")
        if not ref.startswith("#"):
            return {"$ref": ref}
        name = self._local_name(ref, "responses", self.responses, _ptr(pointer, "$ref"))
        shared = _mapping(self.responses[name], _ptr("/responses", name))
        # The shared response's content uses the document's produces; inline it when they differ.
        if produces != self.produces and "schema" in shared:
            return self._response(shared, _ptr("/responses", name), produces)
        return {"$ref": "#/components/responses/" + self.response_names[name]}

    def _response(self, value: Any, pointer: str, produces: list[str]) -> dict[str, Any]:
        response = _mapping(value, pointer)
        out: dict[str, Any] = {"description": _require(response, "description", pointer)}
        if "headers" in response:
            headers = _mapping(response["headers"], _ptr(pointer, "headers"))
            out["headers"] = {
                name: self._header(header, _ptr(pointer, "headers", name))
                for name, header in headers.items()
            }
        content = self._response_content(response, pointer, produces)
        if content:
            out["content"] = content
        out.update(_extras(response, _RESPONSE_KEYS))
        return out

    def _response_content(
        self, response: Mapping[str, Any], pointer: str, produces: list[str]
    ) -> dict[str, Any]:
        schema_pointer = _ptr(pointer, "schema")

        def media() -> dict[str, Any]:
            if "schema" not in response:
                return {}
            return {"schema": self._schema(response["schema"], schema_pointer)}

        content = {mime: media() for mime in produces} if "schema" in response else {}
        examples = _mapping(response.get("examples", {}), _ptr(pointer, "examples"))
        for mime, example in examples.items():
            content.setdefault(mime, media())["example"] = copy.deepcopy(example)
        return content

    def _header(self, value: Any, pointer: str) -> dict[str, Any]:
        header = _mapping(value, pointer)
        out = _copy_fields(header, ["description"])
        out.update(_style("header", header, pointer))
        out["schema"] = self._simple_schema(header, pointer, "header")
        out.update(_copy_fields(header, ["example"]))
        out.update(_extras(header, _HEADER_KEYS))
        return out

    # schemas

    def _schema(self, value: Any, pointer: str) -> dict[str, Any]:
        schema = _mapping(value, pointer, "a schema object")
        out: dict[str, Any] = {}
        for key, field in schema.items():
            where = _ptr(pointer, key)
            if key == "$ref":
                out["$ref"] = self._schema_ref(field, where)
            elif key == "type":
                out.update(_schema_type(field, where))
            elif key == "format" and schema.get("type") == "file":
                continue
            elif key == "x-nullable" and isinstance(field, bool):
                out["nullable"] = field
            elif key == "discriminator":
                out[key] = (
                    {"propertyName": field} if isinstance(field, str) else copy.deepcopy(field)
                )
            elif key == "required":
                out.update(self._schema_required(field))
            elif key in _SCHEMA_COPIED or key.startswith("x-"):
                out[key] = copy.deepcopy(field)
            else:
                out.update(self._schema_nested(schema, key, field, where))
        if "$ref" in out and out.get("nullable") is True:
            return _nullable_ref(out)
        return out

    def _schema_required(self, value: Any) -> dict[str, Any]:
        if isinstance(value, list):
            return {"required": _unique(value)} if value else {}
        # A boolean `required` on a property is a common Swagger mistake; keep it visible.
        return {"x-required": copy.deepcopy(value)}

    def _schema_nested(self, schema: Mapping[str, Any], key: str, value: Any, pointer: str) -> Any:
        """Keywords holding subschemas; any other keyword is kept as x-<keyword>."""
        if key == "properties":
            properties = _mapping(value, pointer)
            return {
                key: {
                    name: self._schema(prop, _ptr(pointer, name))
                    for name, prop in properties.items()
                }
            }
        if key in ("allOf", "anyOf", "oneOf"):
            subschemas = _sequence(value, pointer)
            return {key: [self._schema(s, _ptr(pointer, i)) for i, s in enumerate(subschemas)]}
        if key in ("not", "additionalProperties") and not isinstance(value, bool):
            return {key: self._schema(value, pointer)}
        if key == "additionalProperties":
            return {key: value}
        if key == "items":
            return {key: self._schema_items(value, pointer)}
        if f"x-{key}" in schema:
            return {}
        return {f"x-{key}": copy.deepcopy(value)}

    def _schema_items(self, value: Any, pointer: str) -> dict[str, Any]:
        if isinstance(value, Mapping):
            return self._schema(value, pointer)
        # Tuple validation does not exist in OpenAPI 3.0: accept any of the listed schemas.
        schemas = [
            self._schema(s, _ptr(pointer, i)) for i, s in enumerate(_sequence(value, pointer))
        ]
        return schemas[0] if len(schemas) == 1 else {"anyOf": schemas, "x-tupleItems": True}

    def _schema_ref(self, ref: Any, pointer: str) -> str:
        if not isinstance(ref, str):
            raise ConversionError(pointer, "$ref must be a string")
        if not ref.startswith("#"):
            return ref  # another document: nothing to resolve without I/O
        tokens = _ref_tokens(ref, pointer)
        self._resolve(tokens, ref, pointer)
        rest = ref[2:].split("/")[2:]
        if tokens[0] == "definitions":
            return "/".join(["#/components/schemas", self.schema_names[tokens[1]], *rest])
        if len(tokens) >= 3 and tokens[2] == "schema" and tokens[0] == "responses":
            target = ["#/components/responses", self.response_names[tokens[1]], "content"]
            return "/".join([*target, _ptr("", self.produces[0])[1:], *rest])
        if len(tokens) >= 3 and tokens[2] == "schema" and tokens[0] == "parameters":
            target = ["#/components/requestBodies", self.parameter_names[tokens[1]], "content"]
            return "/".join([*target, _ptr("", self.consumes[0])[1:], *rest])
        raise ConversionError(pointer, f"$ref {ref!r} has no OpenAPI 3 counterpart")

    def _resolve(self, tokens: Sequence[str], ref: str, pointer: str) -> None:
        node: Any = self.doc
        for token in tokens:
            if isinstance(node, Mapping) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise ConversionError(pointer, f"unresolvable $ref {ref!r}")
        if not tokens or (tokens[0] == "definitions" and len(tokens) < 2):
            raise ConversionError(pointer, f"$ref {ref!r} does not point to a schema")
