"""A deterministic list page built from the spec's schemas, every property filled.

Values have the wire types Sage sends: decimals as numeric strings ("367.09", or as JSON numbers
with `decimals="numbers"`, as Sage's spec declares them), dates, UTC
date-times ending in "Z", enum members, bounded integers. Objects behind a `$ref` are filled in
full down to `expand_depth` levels below the list item; deeper ones become the link records
Sage sends for related resources ({id, displayed_as, $path}).
"""

from __future__ import annotations

import datetime
import random
import re
import string
from collections.abc import Mapping
from typing import Any, Literal

REF_PREFIX = "#/components/schemas/"
LINK_KEYS = ("id", "displayed_as", "$path")
EPOCH = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class PageBuilder:
    def __init__(
        self,
        schemas: Mapping[str, Any],
        *,
        seed: int = 0,
        expand_depth: int = 1,
        array_length: int = 2,
        decimals: Literal["strings", "numbers"] = "strings",
    ) -> None:
        self.schemas = schemas
        self.decimals = decimals
        self.rng = random.Random(seed)
        self.expand_depth = expand_depth
        self.array_length = array_length

    def list_page(self, list_schema: str, items: int) -> dict[str, Any]:
        """One page of `list_schema` (a Sage `...List` envelope) holding `items` records."""
        envelope = self.schemas[list_schema]
        item_ref: str = envelope["properties"]["$items"]["items"]["$ref"]
        item_schema = item_ref.removeprefix(REF_PREFIX)
        page = {
            key: self.value(prop, 0, key, item_schema)
            for key, prop in envelope["properties"].items()
            if key != "$items"
        }
        page["$items"] = [self.record(item_schema, depth=0) for _ in range(items)]
        page["$items_per_page"] = items
        page["$page"] = 2
        page["$total"] = items * 3
        return page

    def record(self, name: str, *, depth: int) -> dict[str, Any]:
        schema = self.schemas[name]
        if depth <= self.expand_depth:
            return self._fill(schema, depth=depth, record=name)
        properties: Mapping[str, Any] = schema.get("properties", {})
        link = {
            key: self.value(properties[key], depth, key, name)
            for key in LINK_KEYS
            if key in properties
        }
        if link:
            return link
        # A schema without link fields (an address, a breakdown) is embedded, never linked:
        # give it its scalar fields only, which also ends the recursion.
        return {
            key: self.value(prop, depth, key, name)
            for key, prop in properties.items()
            if not self._is_nested(prop)
        }

    def _fill(self, schema: Mapping[str, Any], *, depth: int, record: str) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        return {key: self.value(prop, depth, key, record) for key, prop in properties.items()}

    def _is_nested(self, schema: Mapping[str, Any]) -> bool:
        schema = self._unwrap(schema)
        return "$ref" in schema or schema.get("type") in ("object", "array")

    @staticmethod
    def _unwrap(schema: Mapping[str, Any]) -> Mapping[str, Any]:
        for combinator in ("oneOf", "anyOf", "allOf"):
            if combinator in schema:
                first: Mapping[str, Any] = schema[combinator][0]
                return first
        return schema

    def value(self, schema: Mapping[str, Any], depth: int, key: str, record: str) -> Any:
        schema = self._unwrap(schema)
        if "$ref" in schema:
            name = schema["$ref"].removeprefix(REF_PREFIX)
            target = self.schemas[name]
            if "properties" in target or target.get("type") == "object":
                return self.record(name, depth=depth + 1)
            return self.value(target, depth, key, record)
        kind = schema.get("type", "string")
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        if kind == "object":
            if "properties" in schema:
                return self._fill(schema, depth=depth, record=record)
            return {self._word(6): self._word(8)}
        if kind == "array":
            return [
                self.value(schema["items"], depth, key, record) for _ in range(self.array_length)
            ]
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "integer":
            return self.rng.randint(schema.get("minimum", 0), schema.get("maximum", 10_000))
        if kind == "number":
            return round(self.rng.uniform(0, 10_000), 2)
        return self._string(schema, key, record)

    def _string(self, schema: Mapping[str, Any], key: str, record: str) -> str | float:
        fmt = schema.get("format")
        if fmt == "decimal":
            text = f"{self.rng.randint(0, 99_999)}.{self.rng.randint(0, 99):02d}"
            return float(text) if self.decimals == "numbers" else text  # repr(float) is `text`
        if fmt in ("date", "date-time"):
            moment = EPOCH + datetime.timedelta(seconds=self.rng.randrange(5 * 365 * 86_400))
            return moment.date().isoformat() if fmt == "date" else f"{moment:%Y-%m-%dT%H:%M:%SZ}"
        if key == "id":
            text = "".join(self.rng.choices("0123456789abcdef", k=32))
        elif key == "$path":
            text = f"/{_snake(record)}s/{''.join(self.rng.choices('0123456789abcdef', k=32))}"
        else:
            text = " ".join(
                self._word(self.rng.randint(3, 9)) for _ in range(self.rng.randint(1, 3))
            )
        limit: int | None = schema.get("maxLength")
        return text if limit is None else text[:limit]

    def _word(self, length: int) -> str:
        return "".join(self.rng.choices(string.ascii_lowercase, k=length))


def sales_invoice_page(
    spec: Mapping[str, Any],
    *,
    items: int = 200,
    decimals: Literal["strings", "numbers"] = "strings",
) -> dict[str, Any]:
    builder = PageBuilder(spec["components"]["schemas"], decimals=decimals)
    return builder.list_page("SalesInvoiceList", items)
