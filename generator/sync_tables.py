"""The tables of `sage_accounting.dlt` as plain data: one per collection the facade can list.

`describe(spec, facade)` is what `overlays/package/dlt/_tables.py.jinja` renders. Each column
gets a kind from the item schema of the collection's list answer:

* `text`, `bool`, `bigint`, `date`, `timestamp` (with offset) and `decimal` (money, quantities
  and rates: exact, never float; a plain `number` is taken as decimal too);
* `ref`: a related record (an object with an `id`), kept as `<name>_id` plus the object as JSON;
* `json`: any other object or array;
* an array named `*_lines` (invoice lines, journal lines, ...) becomes a child table
  `<collection>__<field>`, one row per line keyed by `parent_id` and `line_number`, so a SQL
  user joins lines to their invoice and sums them without unpacking JSON.

A collection that tracks changes is merged on `id`; one that does not is replaced whole on
every sync (a few of those, the exchange rates, have no `id` at all). A collection whose list
needs a query parameter (`tax_determinations` needs `usage`) has no "everything" to copy, so it
has no table.
"""

from __future__ import annotations

from typing import Any

from .facade import REF_PREFIX, _ref

CHILD_SUFFIX = "_lines"
_SCALARS: dict[tuple[str, str | None], str] = {
    ("string", "date-time"): "timestamp",
    ("string", "date"): "date",
    ("string", "decimal"): "decimal",
    ("number", None): "decimal",
    ("number", "double"): "decimal",
    ("number", "float"): "decimal",
    ("integer", None): "bigint",
    ("integer", "int32"): "bigint",
    ("integer", "int64"): "bigint",
    ("boolean", None): "bool",
}


def describe(spec: dict[str, Any], facade: dict[str, Any]) -> dict[str, Any]:
    """`{"tables": [...]}` in the facade's resource order."""
    schemas: dict[str, Any] = spec["components"]["schemas"]
    tables = []
    for resource in facade["resources"]:
        listing = next((m for m in resource["methods"] if m["kind"] == "list"), None)
        if listing is None or any(p["required"] for p in listing["params"]):
            continue
        item = listing["returns"].get("item_schema")
        if not item:
            raise ValueError(f"{resource['name']}: the list answer names no item schema")
        columns, children = _columns(schemas, schemas[item], resource["name"], children=True)
        keyed = "id" in columns
        changes = listing["changes"] is not None
        if changes and not keyed:
            raise ValueError(f"{resource['name']}: tracks changes, but its records have no id")
        tables.append(
            {
                "name": resource["name"],
                "keyed": keyed,
                "attributes": any(p["name"] == "attributes" for p in listing["params"]),
                "changes": changes,
                "deletions": bool(changes and listing["changes"]["deleted"]),
                "columns": columns,
                "children": children,
            }
        )
    return {"tables": tables}


def _columns(
    schemas: dict[str, Any], schema: dict[str, Any], table: str, *, children: bool
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    properties: dict[str, Any] = schema.get("properties", {})
    columns: dict[str, str] = {}
    nested: list[dict[str, Any]] = []
    for name, prop in properties.items():
        item_ref = _ref(prop.get("items") or {}) if prop.get("type") == "array" else None
        if children and item_ref and name.endswith(CHILD_SUFFIX):
            line_columns, _ = _columns(schemas, schemas[item_ref], table, children=False)
            nested.append({"field": name, "table": f"{table}__{name}", "columns": line_columns})
            continue
        kind = _kind(schemas, prop)
        if kind == "ref" and f"{name}_id" in properties:
            kind = "json"  # the schema has its own `<name>_id`: keep the object as JSON only
        columns[name] = kind
    return columns, nested


def _kind(schemas: dict[str, Any], prop: dict[str, Any]) -> str:
    ref = _ref(prop)
    if ref is not None:
        target = schemas.get(ref.removeprefix(REF_PREFIX), {})
        return "ref" if "id" in target.get("properties", {}) else "json"
    kind = str(prop.get("type"))
    if kind in ("array", "object"):
        return "json"
    found = _SCALARS.get((kind, prop.get("format")))
    if found is not None:
        return found
    if kind == "string":
        return "text"
    raise ValueError(f"no column kind for a property of schema {prop}")
