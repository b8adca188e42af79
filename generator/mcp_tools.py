"""The tools of `sage-accounting mcp` as plain data: one per facade method, plus `changes`.

`describe(spec, facade, errors_guide)` is what `overlays/package/mcp_server/_table.py.jinja`
renders. Every tool names the facade method it calls (`resource`, `method`), so the server
reaches Sage only through the client; the rest is what its JSON Schema is built from at run
time (`mcp_server/_schemas.py`): the query parameters with their kinds, the body's fields, and
whether the tool writes. `advice` is the "what to do" column of docs/guides/errors.md per error
class, so a tool error tells an agent what the guide tells a person.
"""

from __future__ import annotations

import re
from typing import Any

from .facade import _ref
from .sync_tables import _SCALARS  # the column kinds: timestamp, date, decimal, bigint, bool

# Tool names are at most 64 characters of [A-Za-z0-9_-] in the MCP spec.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The facade's page size argument: the tools take `page_size` and a `cursor` instead.
_PAGER_PARAMS = frozenset({"items_per_page", "page"})
_DESCRIPTION_LIMIT = 160
_CLASS = re.compile(r"`(\w+)`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_TAG = re.compile(r"<[^>]+>")


def describe(spec: dict[str, Any], facade: dict[str, Any], errors_guide: str) -> dict[str, Any]:
    """`{"tools": [...], "advice": {...}}`: tools in the facade's order, reads first."""
    schemas: dict[str, Any] = spec["components"]["schemas"]
    tools: list[dict[str, Any]] = []
    for resource in facade["resources"]:
        for method in resource["methods"]:
            tools.append(_tool(schemas, resource, method))
            if method["changes"]:
                tools.append(_changes_tool(resource, method))
    names = [tool["name"] for tool in tools]
    for name in names:
        if not _NAME.fullmatch(name):
            raise ValueError(f"MCP tool name {name!r} is not 1-64 of [A-Za-z0-9_-]")
    if len(names) != len(set(names)):
        raise ValueError("two MCP tools named alike")
    return {"tools": tools, "advice": advice(errors_guide)}


def advice(errors_guide: str) -> dict[str, str]:
    """Error class name -> the guide's "what to do", links reduced to their text."""
    found: dict[str, str] = {}
    for line in errors_guide.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        text = _LINK.sub(r"\1", cells[-1]).replace("`", "")
        for name in _CLASS.findall(cells[0]):  # a row may name several classes
            found.setdefault(name, text)
    if "APIStatusError" not in found:
        raise ValueError("docs/guides/errors.md has no advice table for APIStatusError")
    return found


def _tool(
    schemas: dict[str, Any], resource: dict[str, Any], method: dict[str, Any]
) -> dict[str, Any]:
    body = method["body"]
    return {
        "name": f"{resource['name']}_{method['name']}",
        "resource": resource["name"],
        "method": method["name"],
        "kind": method["kind"],
        "write": method["http_method"] != "GET",
        "http": f"{method['http_method']} {method['path']}",
        "summary": _short(method["summary"]) or f"{method['http_method']} {method['path']}",
        "key": method["has_key"],
        "params": [_param(p) for p in method["params"] if p["name"] not in _PAGER_PARAMS],
        "page_size": _page_size(method),
        "body": _body(schemas, body) if body else None,
        "api": [method["api_package"], method["api_module"]],
        "idempotent": method["idempotent"],
        "returns": method["returns"]["kind"],
    }


def _changes_tool(resource: dict[str, Any], listing: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"{resource['name']}_changes",
        "resource": resource["name"],
        "method": "changes",
        "kind": "changes",
        "write": False,
        "http": f"GET {listing['path']}",
        "summary": f"What changed in {resource['name']} since a moment: updated records, "
        + ("deleted ids, " if listing["changes"]["deleted"] else "")
        + "and the watermark for the next call.",
        "key": False,
        "params": [],
        "page_size": None,
        "body": None,
        "api": [listing["api_package"], listing["api_module"]],
        "idempotent": False,
        "returns": "changes",
    }


def _page_size(method: dict[str, Any]) -> int | None:
    if method["kind"] != "list":
        return None
    for param in method["params"]:
        if param["name"] == "items_per_page":
            return int(param["maximum"] or 200)
    return None


def _param(param: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": param["name"],
        "argument": param["python_name"],
        "kind": param["kind"],
        "required": param["required"],
        "description": _short(param["description"]),
        "enum": None,
    } | ({"enum": _enum_values(param)} if param["enum"] else {})


def _enum_values(param: dict[str, Any]) -> list[str]:
    """The values of an enum parameter, from the facade's `Literal[...]` annotation."""
    inside = param["annotation"].removeprefix("Literal[").removesuffix("]")
    return [value.strip().strip("'\"") for value in inside.split(",")]


def _body(schemas: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {
        "model_module": body["model_module"],
        "model_class": body["model_class"],
        "inner_module": body["inner_module"],
        "inner_class": body["inner_class"],
        "wrapper": body["wrapper"],
        "wrapper_is_field": body["wrapper_is_field"],
        "required": body["required"],
        "fields": _fields(schemas, schemas[body["inner_schema"]], depth=1),
    }


def _fields(schemas: dict[str, Any], schema: dict[str, Any], *, depth: int) -> list[list[Any]]:
    """`[name, kind, description, nested]` per property: `nested` are the fields of an object
    (or of an array's objects) one level down, so an agent sees invoice lines' fields too."""
    fields: list[list[Any]] = []
    for name, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        kind, target = _field_kind(schemas, prop)
        nested = _fields(schemas, target, depth=depth - 1) if target and depth > 0 else []
        fields.append([name, kind, _short(prop.get("description") or ""), nested])
    return fields


def _field_kind(schemas: dict[str, Any], prop: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    ref = _ref(prop)
    if ref is not None:
        return "object", schemas.get(ref)
    kind = str(prop.get("type"))
    if kind == "array":
        items = prop.get("items") or {}
        item_ref = _ref(items)
        if item_ref is not None:
            return "objects", schemas.get(item_ref)
        return "array", None
    if kind == "object":
        return "object", None
    if "enum" in prop:
        return "string", None
    return _SCALARS.get((kind, prop.get("format")), "string"), None


def _short(text: str) -> str:
    """The first sentence, whitespace collapsed, at most `_DESCRIPTION_LIMIT` characters."""
    text = " ".join(_TAG.sub(" ", text).split())
    text = text.split("### ", 1)[0].strip()
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    if match:
        text = match.group(1)
    if len(text) > _DESCRIPTION_LIMIT:
        text = text[: _DESCRIPTION_LIMIT - 1].rstrip() + "…"
    return text
