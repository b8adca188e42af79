"""Hypothesis strategies for Sage's wire format, derived from the patched spec.

Nothing here is written per model: `WireStrategies(SCHEMAS).record(name)` builds the JSON
object of any component schema of generated/openapi.json (the spec the pipeline writes), so
the strategies follow the spec when it changes. Values come as the live API writes them:
money and quantities as numeric strings with any number of digits ("1234.5600"), dates as
`YYYY-MM-DD`, date-times in ISO 8601 with an offset, `""` where a nullable date, date-time or
decimal has no value, the page-size key in either spelling, and fields the spec does not know.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import sage_accounting.models

SPEC_FILE = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"
SCHEMAS: dict[str, dict[str, Any]] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))[
    "components"
]["schemas"]
REF_PREFIX = "#/components/schemas/"

#: Formats whose empty string the live API sends for "no value" (all `number`s are decimals).
BLANKABLE_FORMATS = frozenset({"date", "date-time", "decimal"})
#: Money and quantities as Sage writes them: no exponent, trailing zeros kept.
DECIMAL_WIRE = r"-?(0|[1-9][0-9]{0,15})(\.[0-9]{1,8})?"
INT32 = (-(2**31), 2**31 - 1)
JSON_SAFE_INT = (-(2**53), 2**53)


def is_object(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "object" or "properties" in schema


def blankable(schema: Mapping[str, Any]) -> bool:
    """Whether a property schema may come as "" (a nullable date, date-time or decimal)."""
    return bool(schema.get("nullable")) and schema.get("format") in BLANKABLE_FORMATS


def model_classes() -> dict[str, Any]:
    """Each object schema of the spec and its model class in `sage_accounting.models`."""

    def simple(name: str) -> str:
        return re.sub("[^a-z0-9]", "", name.lower())

    classes = {simple(name): name for name in sage_accounting.models.__all__}
    found: dict[str, Any] = {}
    for name, schema in SCHEMAS.items():
        if not is_object(schema):
            continue
        class_name = classes.get(simple(name))
        if class_name is None:
            raise LookupError(f"schema {name!r} has no model in sage_accounting.models")
        found[name] = getattr(sage_accounting.models, class_name)
    return found


def _date_time(value: datetime.datetime) -> str:
    return value.isoformat()


_OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
)
_JSON_LEAVES = st.none() | st.booleans() | st.integers(*JSON_SAFE_INT) | st.text(max_size=8)
#: What a field the spec does not know may hold: any JSON value.
JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_UNKNOWN_KEY = st.from_regex(r"[a-z][a-z0-9_]{0,14}", fullmatch=True)


class WireStrategies:
    """Strategies for the JSON objects of `schemas`; nesting deeper than `max_depth` levels
    carries only required fields, empty lists and nulls, so examples stay small."""

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]], *, max_depth: int = 1) -> None:
        self.schemas = schemas
        self.max_depth = max_depth
        self.record = cache(self._record)

    def _record(self, name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
        schema = self.schemas[name]
        properties: Mapping[str, Mapping[str, Any]] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        shallow = depth < self.max_depth
        known = set(properties)
        for prop in properties.values():
            known.update(prop.get("x-sage-aliases", ()))
        fields = st.fixed_dictionaries(
            {key: self.value(prop, depth) for key, prop in properties.items() if key in required},
            optional={
                key: self.value(prop, depth)
                for key, prop in properties.items()
                if key not in required and shallow
            },
        )
        spellings = st.fixed_dictionaries(
            {
                key: st.sampled_from([key, *prop["x-sage-aliases"]])
                for key, prop in properties.items()
                if prop.get("x-sage-aliases")
            }
        )
        unknown = st.dictionaries(
            _UNKNOWN_KEY.filter(lambda key: key not in known),
            JSON_VALUES,
            max_size=2 if shallow else 0,
        )
        return st.builds(_assemble, fields, spellings, unknown)

    def value(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
        """A property's JSON value, null and "" included where the schema allows them."""
        if "$ref" in schema:
            base = self._referenced(schema["$ref"], depth)
        elif "oneOf" in schema:
            base = st.one_of([self.value(option, depth) for option in schema["oneOf"]])
        else:
            base = self._typed(schema, depth)
        if schema.get("nullable"):
            base = st.none() | base
        if blankable(schema):
            base = st.just("") | base
        return base

    def _referenced(self, ref: str, depth: int) -> st.SearchStrategy[Any]:
        name = ref.removeprefix(REF_PREFIX)
        target = self.schemas[name]
        if is_object(target):
            return self.record(name, depth + 1)
        return self._typed(target, depth)

    def _typed(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
        kind = schema.get("type")
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return st.integers(*(INT32 if schema.get("format") == "int32" else JSON_SAFE_INT))
        if kind == "boolean":
            return st.booleans()
        if kind == "array":
            size = 3 if depth < self.max_depth else 0
            return st.lists(self.value(schema.get("items", {}), depth), max_size=size)
        if kind is None and not schema:
            return JSON_VALUES  # `items: {}`: anything
        raise NotImplementedError(f"no wire strategy for the schema {dict(schema)!r}")

    @staticmethod
    def _string(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
        form = schema.get("format")
        if form == "decimal":
            return st.from_regex(DECIMAL_WIRE, fullmatch=True)
        if form == "date":
            return st.dates().map(datetime.date.isoformat)
        if form == "date-time":
            return st.datetimes(timezones=_OFFSETS).map(_date_time)
        if form is not None:
            raise NotImplementedError(f"no wire strategy for a string of format {form!r}")
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(max_size=12)


def _assemble(
    fields: dict[str, Any], spellings: dict[str, str], unknown: dict[str, Any]
) -> dict[str, Any]:
    record = {**unknown, **fields}
    for key, spelling in spellings.items():
        if key in record:
            record[spelling] = record.pop(key)
    return record
