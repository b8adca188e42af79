"""Request bodies and query parameters checked against the spec's schemas, reported the way Sage
reports them."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._spec import Schema, Spec

DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
INTEGER = re.compile(r"[-+]?[0-9]+")
# The range of each integer format, where the schema declares no narrower one.
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


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


def check_query(
    spec: Spec, schemas: dict[str, Schema], query: Iterable[tuple[str, str]]
) -> list[Problem]:
    """Every query parameter the operation declares, checked as its schema types it.

    Values arrive as text: an integer or boolean parameter is read as one first, so `page=x` is
    "must be an integer" and `flag=maybe` "must be true or false". An empty value is text too:
    `page=` is not an integer (only a plain string parameter may be empty, as `search=`).
    """
    problems: list[Problem] = []
    for name, text in query:
        schema = schemas.get(name)
        if schema is not None:
            problems += check(spec, _from_text(text, spec.resolve(schema)[0]), schema, name)
    return problems


def _from_text(text: str, schema: Schema) -> Any:
    kind = schema.get("type")
    if kind == "integer" and INTEGER.fullmatch(text):
        return int(text)
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


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
    if "pattern" in schema and not _matches(schema["pattern"], value):
        return [Problem(source, "is not in the expected format")]
    return []


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _matches(pattern: str, value: str) -> bool:
    """The spec's `pattern` (ECMA-262) finds `value`; its `$` ends the text, as ECMA's does
    (Python's would also match before a final newline)."""
    found = _compiled(pattern).search(value)
    return found is not None and (not pattern.endswith("$") or found.end() == len(value))


def _integer(spec: Spec, value: Any, schema: Schema, source: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [Problem(source, "must be an integer")]
    declared = _bounds(value, schema, source)
    if declared or schema.get("format") not in INTEGER_FORMATS:
        return declared
    low, high = INTEGER_FORMATS[schema["format"]]
    return _bounds(value, {"minimum": low, "maximum": high}, source)


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
