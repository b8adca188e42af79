"""What changed between two versions of a spec document, as seen by users of the client.

Pure functions, no I/O: `diff_documents(old, new)` compares two Swagger 2.0 documents after
`convert.convert` (the OpenAPI 3 shapes the generator consumes) and returns typed `Change`
records; `spec_report.render_report` and `render_changelog_entry` turn them into Markdown.

The comparison runs on the converted documents rather than raw Swagger because that is what the
client is made from: body and formData parameters become the `body=` argument (a requestBody),
nullable `$ref`s and `x-nullable` are normalised, and component names are the ones the models
are named after. A change that the converter erases cannot reach users and is not reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import availability
from .convert import convert

__all__ = [
    "Change",
    "ChangeKind",
    "SpecVersion",
    "count_by_kind",
    "diff_documents",
    "diff_openapi",
]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class ChangeKind(StrEnum):
    OPERATION_ADDED = "operation-added"
    OPERATION_REMOVED = "operation-removed"
    PARAMETER_ADDED = "parameter-added"
    PARAMETER_REMOVED = "parameter-removed"
    PARAMETER_CHANGED = "parameter-changed"
    RESPONSE_CHANGED = "response-changed"
    SCHEMA_ADDED = "schema-added"
    SCHEMA_REMOVED = "schema-removed"
    FIELD_ADDED = "field-added"
    FIELD_REMOVED = "field-removed"
    FIELD_CHANGED = "field-changed"
    ENUM_VALUE_ADDED = "enum-value-added"
    ENUM_VALUE_REMOVED = "enum-value-removed"
    AVAILABILITY_ADDED = "availability-added"
    AVAILABILITY_WITHDRAWN = "availability-withdrawn"


_KIND_ORDER = {kind: index for index, kind in enumerate(ChangeKind)}


@dataclass(frozen=True)
class Change:
    """One difference: what kind, where (operation, parameter or schema field), and whether
    code written against the old client can stop working or type-checking with the new one."""

    kind: ChangeKind
    location: str
    breaking: bool
    detail: str

    def sort_key(self) -> tuple[int, str, str]:
        return (_KIND_ORDER[self.kind], self.location, self.detail)


@dataclass(frozen=True)
class SpecVersion:
    """Identity of one version of a document, for the report's header."""

    name: str
    file: str
    title: str
    version: str
    sha256: str


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Differences between two Swagger 2.0 documents, sorted by kind then location."""
    return diff_openapi(convert(old), convert(new))


def diff_openapi(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Differences between two OpenAPI 3 documents, sorted by kind then location."""
    changes: list[Change] = []
    _diff_operations(old, new, changes)
    _diff_schemas(old, new, changes)
    return sorted(changes, key=Change.sort_key)


def count_by_kind(changes: Iterable[Change]) -> dict[ChangeKind, int]:
    counts = Counter(change.kind for change in changes)
    return {kind: counts[kind] for kind in ChangeKind}


# operations


def _operations(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for path, item in doc.get("paths", {}).items():
        if not isinstance(item, Mapping):
            continue
        for method in _METHODS:
            op = item.get(method)
            if isinstance(op, Mapping):
                out[f"{method.upper()} {path}"] = {
                    **op,
                    "parameters": [*item.get("parameters", []), *op.get("parameters", [])],
                }
    return out


def _describe_operation(op: Mapping[str, Any]) -> str:
    parts = [f"`{op['operationId']}`" if "operationId" in op else "no operationId"]
    if op.get("summary"):
        parts.append(str(op["summary"]))
    return ": ".join(parts)


def _diff_operations(old: Mapping[str, Any], new: Mapping[str, Any], out: list[Change]) -> None:
    old_ops, new_ops = _operations(old), _operations(new)
    for where in new_ops.keys() - old_ops.keys():
        detail = _describe_operation(new_ops[where])
        out.append(Change(ChangeKind.OPERATION_ADDED, where, False, detail))
    for where in old_ops.keys() - new_ops.keys():
        detail = _describe_operation(old_ops[where])
        out.append(Change(ChangeKind.OPERATION_REMOVED, where, True, detail))
    for where in old_ops.keys() & new_ops.keys():
        _diff_parameters(where, old, old_ops[where], new, new_ops[where], out)
        _diff_body(where, old_ops[where], new_ops[where], out)
        _diff_responses(where, old_ops[where], new_ops[where], out)
        _diff_availability(where, old_ops[where], new_ops[where], out)


def _diff_availability(
    where: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any], out: list[Change]
) -> None:
    """The editions and countries the "Endpoint Availability" text offers the operation in."""
    operation = str(new_op.get("operationId") or where)
    old_text, new_text = str(old_op.get("description") or ""), str(new_op.get("description") or "")
    for direction, breaking, detail in availability.compare(old_text, new_text, operation):
        kind = ChangeKind.AVAILABILITY_ADDED
        if direction == "withdrawn":
            kind = ChangeKind.AVAILABILITY_WITHDRAWN
        out.append(Change(kind, where, breaking, detail))


def _parameters(doc: Mapping[str, Any], op: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    components = doc.get("components", {}).get("parameters", {})
    out: dict[str, Mapping[str, Any]] = {}
    for param in op.get("parameters", []):
        ref = param.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
            param = components.get(ref.rsplit("/", 1)[1], param)
        if "name" in param and "in" in param:
            # An operation's own parameter overrides the path item's of the same name and place.
            out[f"{param['in']}:{param['name']}"] = param
    return out


def _diff_parameters(
    where: str,
    old_doc: Mapping[str, Any],
    old_op: Mapping[str, Any],
    new_doc: Mapping[str, Any],
    new_op: Mapping[str, Any],
    out: list[Change],
) -> None:
    old_params, new_params = _parameters(old_doc, old_op), _parameters(new_doc, new_op)
    for key in new_params.keys() - old_params.keys():
        param = new_params[key]
        required = bool(param.get("required"))
        detail = f"{_type_of(param.get('schema', {}))}, {_required_word(required)}"
        out.append(Change(ChangeKind.PARAMETER_ADDED, f"{where} {key}", required, detail))
    for key in old_params.keys() - new_params.keys():
        detail = f"was {_type_of(old_params[key].get('schema', {}))}"
        out.append(Change(ChangeKind.PARAMETER_REMOVED, f"{where} {key}", True, detail))
    for key in old_params.keys() & new_params.keys():
        old_param, new_param = old_params[key], new_params[key]
        location = f"{where} {key}"
        _diff_argument(
            location,
            old_param.get("schema", {}),
            new_param.get("schema", {}),
            bool(old_param.get("required")),
            bool(new_param.get("required")),
            out,
        )
        _diff_nested(location, old_param.get("schema", {}), new_param.get("schema", {}), out)


def _body_schema(op: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool] | None:
    body = op.get("requestBody")
    if not isinstance(body, Mapping):
        return None
    content = body.get("content", {})
    media = "application/json" if "application/json" in content else next(iter(content), None)
    schema = content[media].get("schema", {}) if media is not None else {}
    return schema, bool(body.get("required"))


def _diff_body(
    where: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any], out: list[Change]
) -> None:
    old_body, new_body = _body_schema(old_op), _body_schema(new_op)
    location = f"{where} body"
    if old_body is None and new_body is not None:
        schema, required = new_body
        detail = f"{_type_of(schema)}, {_required_word(required)}"
        out.append(Change(ChangeKind.PARAMETER_ADDED, location, required, detail))
    elif old_body is not None and new_body is None:
        detail = f"was {_type_of(old_body[0])}"
        out.append(Change(ChangeKind.PARAMETER_REMOVED, location, True, detail))
    elif old_body is not None and new_body is not None:
        _diff_argument(location, old_body[0], new_body[0], old_body[1], new_body[1], out)
        _diff_nested(location, old_body[0], new_body[0], out)


def _diff_argument(
    location: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_required: bool,
    new_required: bool,
    out: list[Change],
) -> None:
    """A parameter kept by an operation: its type and whether callers must pass it."""
    details: list[str] = []
    breaking = False
    old_type, new_type = _type_of(old), _type_of(new)
    if old_type != new_type:
        details.append(f"type {old_type} -> {new_type}")
        breaking = _python_type(old) != _python_type(new)
    if old_required != new_required:
        details.append("now required" if new_required else "now optional")
        # Callers that passed an optional argument still work when it becomes optional.
        breaking = breaking or new_required
    if details:
        out.append(Change(ChangeKind.PARAMETER_CHANGED, location, breaking, "; ".join(details)))


def _success_responses(op: Mapping[str, Any]) -> dict[str, Mapping[str, Any] | None]:
    out: dict[str, Mapping[str, Any] | None] = {}
    for code, response in op.get("responses", {}).items():
        if not str(code).startswith("2") or not isinstance(response, Mapping):
            continue
        content = response.get("content", {})
        media = "application/json" if "application/json" in content else next(iter(content), None)
        out[str(code)] = content[media].get("schema", {}) if media is not None else None
    return out


def _diff_responses(
    where: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any], out: list[Change]
) -> None:
    old_responses, new_responses = _success_responses(old_op), _success_responses(new_op)
    details: list[str] = []
    breaking = False
    for code in sorted(old_responses.keys() | new_responses.keys()):
        old, new = old_responses.get(code, ...), new_responses.get(code, ...)
        if old is ... or new is ...:
            details.append(f"{code} {'added' if old is ... else 'removed'}")
            breaking = True
            continue
        old_type = "no body" if old is None else _type_of(old)
        new_type = "no body" if new is None else _type_of(new)
        if old_type != new_type:
            details.append(f"{code} {old_type} -> {new_type}")
            old_python = None if old is None else _python_type(old)
            breaking = breaking or old_python != (None if new is None else _python_type(new))
    if details:
        out.append(Change(ChangeKind.RESPONSE_CHANGED, where, breaking, "; ".join(details)))


# schemas


def _diff_schemas(old: Mapping[str, Any], new: Mapping[str, Any], out: list[Change]) -> None:
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    for name in new_schemas.keys() - old_schemas.keys():
        detail = _type_of(new_schemas[name])
        out.append(Change(ChangeKind.SCHEMA_ADDED, name, False, detail))
    for name in old_schemas.keys() - new_schemas.keys():
        detail = f"was {_type_of(old_schemas[name])}"
        out.append(Change(ChangeKind.SCHEMA_REMOVED, name, True, detail))
    for name in old_schemas.keys() & new_schemas.keys():
        old_schema, new_schema = old_schemas[name], new_schemas[name]
        old_type, new_type = _type_of(old_schema), _type_of(new_schema)
        if old_type != new_type:
            breaking = _python_type(old_schema) != _python_type(new_schema)
            detail = f"type {old_type} -> {new_type}"
            out.append(Change(ChangeKind.FIELD_CHANGED, name, breaking, detail))
        _diff_nested(name, old_schema, new_schema, out)


def _diff_nested(
    location: str, old: Mapping[str, Any], new: Mapping[str, Any], out: list[Change]
) -> None:
    """Enum values, inline object properties and array items below a schema kept by both."""
    _diff_enum(location, old, new, out)
    if _is_inline_object(old) and _is_inline_object(new):
        _diff_properties(location, old, new, out)
    old_items, new_items = old.get("items"), new.get("items")
    if isinstance(old_items, Mapping) and isinstance(new_items, Mapping):
        _diff_nested(f"{location}[]", old_items, new_items, out)


def _diff_properties(
    location: str, old: Mapping[str, Any], new: Mapping[str, Any], out: list[Change]
) -> None:
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in new_props.keys() - old_props.keys():
        required = name in new_required
        detail = f"{_type_of(new_props[name])}, {_required_word(required)}"
        # A new required field must be given when constructing the model.
        out.append(Change(ChangeKind.FIELD_ADDED, f"{location}.{name}", required, detail))
    for name in old_props.keys() - new_props.keys():
        detail = f"was {_type_of(old_props[name])}"
        out.append(Change(ChangeKind.FIELD_REMOVED, f"{location}.{name}", True, detail))
    for name in old_props.keys() & new_props.keys():
        old_prop, new_prop = old_props[name], new_props[name]
        field = f"{location}.{name}"
        details: list[str] = []
        breaking = False
        old_type, new_type = _type_of(old_prop), _type_of(new_prop)
        if old_type != new_type:
            details.append(f"type {old_type} -> {new_type}")
            breaking = _python_type(old_prop) != _python_type(new_prop)
        if (name in old_required) != (name in new_required):
            # Either way the model changes: a new mandatory constructor argument, or an
            # attribute that may now be UNSET where readers relied on it being there.
            details.append("now required" if name in new_required else "now optional")
            breaking = True
        if details:
            out.append(Change(ChangeKind.FIELD_CHANGED, field, breaking, "; ".join(details)))
        _diff_nested(field, old_prop, new_prop, out)


def _diff_enum(
    location: str, old: Mapping[str, Any], new: Mapping[str, Any], out: list[Change]
) -> None:
    old_values, new_values = old.get("enum"), new.get("enum")
    if not isinstance(old_values, list) or not isinstance(new_values, list):
        return
    for value in new_values:
        if value not in old_values:
            out.append(Change(ChangeKind.ENUM_VALUE_ADDED, location, False, repr(value)))
    for value in old_values:
        if value not in new_values:
            out.append(Change(ChangeKind.ENUM_VALUE_REMOVED, location, True, repr(value)))


# types


def _is_inline_object(schema: Mapping[str, Any]) -> bool:
    return "$ref" not in schema and "properties" in schema


def _ref_name(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    if ref is None and len(schema.get("allOf", [])) == 1:
        ref = schema["allOf"][0].get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref is not None else None


def _type_of(schema: Mapping[str, Any]) -> str:
    """The schema's type as the report shows it: `Contact`, `string(date)`, `array<Contact>`."""
    return _type_name(schema, precise=True)


def _python_type(schema: Mapping[str, Any]) -> str:
    """What the generated client makes of a schema: formats that map to the same Python type
    (int32/int64, float/double) are not a change for users."""
    return _type_name(schema, precise=False)


_PYTHON_FORMATS = {
    ("string", "date"): "date",
    ("string", "date-time"): "datetime",
    ("string", "binary"): "File",
}


def _type_name(schema: Mapping[str, Any], *, precise: bool) -> str:
    name = _ref_name(schema)
    if name is None:
        for combinator in ("allOf", "anyOf", "oneOf"):
            if combinator in schema:
                inner = ", ".join(_type_name(s, precise=precise) for s in schema[combinator])
                name = f"{combinator}({inner})"
                break
    if name is None:
        kind = schema.get("type")
        fmt = schema.get("format")
        if kind == "array":
            name = f"array<{_type_name(schema.get('items', {}), precise=precise)}>"
        elif kind == "object" or "properties" in schema:
            extra = schema.get("additionalProperties")
            if "properties" not in schema and isinstance(extra, Mapping):
                name = f"map<{_type_name(extra, precise=precise)}>"
            else:
                name = "object"
        elif kind is None:
            name = "any"
        elif precise:
            name = f"{kind}({fmt})" if fmt else str(kind)
        else:
            name = _PYTHON_FORMATS.get((str(kind), str(fmt)), str(kind))
    return f"{name} | null" if schema.get("nullable") else name


def _required_word(required: bool) -> str:
    return "required" if required else "optional"
