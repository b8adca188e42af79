"""Request bodies checked against the spec's schemas, reported the way Sage reports them."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from sage_accounting.testing._spec import Schema, Spec

DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


@dataclass(frozen=True)
class Problem:
    source: str
    message: str


def check(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    """Every way `value` breaks `schema`; `source` names the field as Sage's `$source` does."""
    resolved, _ = spec.resolve(schema)
    if value is None:
        nullable = schema.get("nullable") or resolved.get("nullable")
        return [] if nullable else [Problem(source, "can't be null")]
    kind = resolved.get("type", "object" if "properties" in resolved else None)
    checker = _CHECKS.get(kind or "")
    if checker is None:
        return []
    return checker(spec, value, resolved, source)


def _string(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    if not isinstance(value, str):
        return [Problem(source, "must be a string")]
    fmt = schema.get("format")
    if fmt == "decimal" and not DECIMAL.match(value):
        return [Problem(source, "is not a number")]
    if fmt == "date" and not _is_date(value):
        return [Problem(source, "is not a valid date")]
    if fmt == "date-time" and not _is_datetime(value):
        return [Problem(source, "is not a valid date-time")]
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return [Problem(source, f"is too long (maximum is {schema['maxLength']} characters)")]
    if "enum" in schema and value not in schema["enum"]:
        return [Problem(source, "is not included in the list")]
    return []


def _integer(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [Problem(source, "must be an integer")]
    return _bounds(value, schema, source)


def _number(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [Problem(source, "must be a number")]
    return _bounds(value, schema, source)


def _bounds(value: float, schema: Schema, source: str) -> list[Problem]:
    if "minimum" in schema and value < schema["minimum"]:
        return [Problem(source, f"must be greater than or equal to {schema['minimum']}")]
    if "maximum" in schema and value > schema["maximum"]:
        return [Problem(source, f"must be less than or equal to {schema['maximum']}")]
    return []


def _boolean(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    return [] if isinstance(value, bool) else [Problem(source, "must be true or false")]


def _array(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    if not isinstance(value, list):
        return [Problem(source, "must be a list")]
    problems: list[Problem] = []
    for index, item in enumerate(value):
        problems += check(spec, item, schema.get("items", {}), f"{source}[{index}]")
    return problems


def _object(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    if not isinstance(value, dict):
        return [Problem(source, "must be an object")]
    prefix = f"{source}." if source else ""
    problems = [
        Problem(prefix + name, "can't be blank")
        for name in schema.get("required", [])
        if value.get(name) in (None, "", [])
    ]
    for name, sub in schema.get("properties", {}).items():
        if name in value and value[name] is not None:
            problems += check(spec, value[name], sub, prefix + name)
        elif name in value and name not in schema.get("required", []):
            problems += check(spec, None, sub, prefix + name)
    return problems


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    cleaned = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        datetime.datetime.fromisoformat(cleaned)
    except ValueError:
        return False
    return True


_CHECKS = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "array": _array,
    "object": _object,
}
