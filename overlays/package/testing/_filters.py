"""The simple filters of a list: search, dates, related ids and flags the records carry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._store import Record

Test = Callable[[dict[str, Any], Record], bool]


def filter_for(
    name: str, value: str, schema: dict[str, Any], properties: dict[str, Any]
) -> Test | None:
    """A test of a record's data for the query parameter `name` (declared as `schema`), or
    None when the records carry nothing it could filter on."""
    if name == "search":
        needle = value.lower()
        return lambda data, record: any(
            needle in str(text).lower()
            for text in (record.display, data.get("name"), data.get("reference"))
            if text
        )
    if name in ("from_date", "to_date") and "date" in properties:
        if name == "from_date":
            return lambda data, record: str(data.get("date") or "") >= value
        return lambda data, record: str(data.get("date") or "9999") <= value
    field = name[:-3] if name.endswith("_id") else ""
    for candidate in (field, field + "s"):
        if field and candidate in properties:
            return lambda data, record: _links_to(data.get(candidate), value)
    if schema.get("type") == "boolean" and name in properties:
        wanted = value.lower() == "true"
        return lambda data, record: name not in data or data[name] == wanted
    return None


def _links_to(value: Any, key: str) -> bool:
    if isinstance(value, dict):
        return value.get("id") == key
    if isinstance(value, list):
        return any(isinstance(v, dict) and v.get("id") == key for v in value)
    return False
