"""The JSON Schemas of the MCP tools, built from the generated table (`_table.py`), and what a
tool list costs an agent in tokens.

Each generated tool takes what its facade method takes: a list its filters (typed from the
spec), `page_size` and `cursor`; a get its `key`; a write its `body` (the inner object's fields,
nested ones one level down), `dry_run` and, where Sage deduplicates, `idempotency_id`. Every
tool takes `business_id`. The discovery tools are the default list: they cost a few hundred
tokens where all generated tools together cost far more than an agent's budget.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

Schema = dict[str, Any]
Tool = Mapping[str, Any]

#: Sage's record ids (and reference ids such as GB_STANDARD): what a `key` is.
_KEY: Schema = {"type": "string", "minLength": 1, "description": "the record's id"}
_BUSINESS: Schema = {
    "type": "string",
    "description": "the business (X-Business) for this call; default: the server's",
}
_FIELDS: Schema = {
    "type": "array",
    "items": {"type": "string"},
    "description": "keep only these fields of the record (id always); default: all",
}
_DRY_RUN: Schema = {
    "type": "boolean",
    "default": False,
    "description": "validate and return the request that would be sent; nothing is sent",
}
_IDEMPOTENCY: Schema = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}$",
    "description": "32 lowercase hex; a repeat with the same id returns the first record for "
    "7 days. Default: derived from the business and the body, so a retry of the same call "
    "never creates twice; pass distinct ids to create identical records on purpose",
}
#: JSON Schema per kind: of a query parameter (generator/facade.py `_ANNOTATIONS`), or of a
#: body field (generator/sync_tables.py `_SCALARS`, else string, object, objects or array).
_KINDS: dict[str, Schema] = {
    "datetime": {"type": "string", "format": "date-time"},
    "timestamp": {"type": "string", "format": "date-time"},
    "bigint": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "decimal": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "float": {"type": "number"},
    "str": {"type": "string"},
    "string": {"type": "string"},
    "object": {"type": "object"},
    "objects": {"type": "array", "items": {"type": "object"}},
    "array": {"type": "array"},
}
CHANGES_LIMIT = 1000


def input_schema(tool: Tool) -> Schema:
    """The JSON Schema of one generated tool's arguments."""
    properties: dict[str, Schema] = {}
    required: list[str] = []
    if tool["key"]:
        properties["key"] = _KEY
        required.append("key")
    for param in tool["params"]:
        properties[param["name"]] = _param(param)
        if param["required"]:
            required.append(param["name"])
    kind = tool["kind"]
    if kind == "list":
        size = tool["page_size"] or 200
        properties["page_size"] = {"type": "integer", "minimum": 1, "maximum": size, "default": 20}
        properties["cursor"] = {
            "type": "string",
            "description": "the next_cursor of the previous page (its filters come with it)",
        }
    if kind == "changes":
        properties.update(_changes_properties())
    if tool["body"] is not None:
        properties["body"] = body_schema(tool["body"])
        required.append("body")
    if tool["write"]:
        properties["dry_run"] = _DRY_RUN
    if tool["idempotent"]:
        properties["idempotency_id"] = _IDEMPOTENCY
    if tool["returns"] == "model":
        properties["fields"] = _FIELDS
    properties["business_id"] = _BUSINESS
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _param(param: Mapping[str, Any]) -> Schema:
    schema: Schema = dict(_KINDS.get(param["kind"], {"type": "string"}))  # an enum: strings
    if param["enum"]:
        schema["enum"] = list(param["enum"])
    if param["description"]:
        schema["description"] = param["description"]
    return schema


def _changes_properties() -> dict[str, Schema]:
    return {
        "since": {
            "type": "string",
            "format": "date-time",
            "description": "the watermark of the previous call, or a moment with its offset; "
            "omitted: every record (up to limit)",
        },
        "attributes": {
            "type": "string",
            "description": "comma-separated fields to fetch beyond id and displayed_as, or all",
        },
        "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": CHANGES_LIMIT,
            "default": 200,
            "description": "the most updated records to return; more: complete is false",
        },
    }


def body_schema(body: Mapping[str, Any]) -> Schema:
    """The inner object of a write's body (Sage's wrapper is added by the server)."""
    schema = _object(body["fields"])
    schema["description"] = (
        f"the {body['wrapper']} fields to send; money and quantities as decimal strings"
    )
    if body["required"]:
        schema["required"] = list(body["required"])
    return schema


def _object(fields: Iterable[list[Any]]) -> Schema:
    properties: dict[str, Schema] = {}
    for name, kind, description, nested in fields:
        prop = dict(_KINDS[kind])
        if nested and kind == "object":
            prop = _object(nested)
        elif nested and kind == "objects":
            prop = {"type": "array", "items": _object(nested)}
        if description:
            prop["description"] = description
        properties[name] = prop
    return {"type": "object", "properties": properties}


def discovery_tools(*, writes: bool) -> list[dict[str, Any]]:
    """The default tool list: businesses, the catalogue, a search that returns schemas on
    demand, and one tool that calls any generated tool by name."""
    which = "read and write" if writes else "read"
    return [
        {
            "name": "list_businesses",
            "description": "The businesses this login reaches (id, name, country); pass an id "
            "as business_id to any tool.",
            "input_schema": {"type": "object", "properties": {}, "additionalProperties": False},
        },
        {
            "name": "list_collections",
            "description": f"Every collection of Sage Accounting with its {which} operations, "
            "as tool names for search_operations and call_operation.",
            "input_schema": {"type": "object", "properties": {}, "additionalProperties": False},
        },
        {
            "name": "search_operations",
            "description": "Find operations by words (e.g. 'unpaid sales invoices', "
            "'contacts_list'); returns each match's name, summary and input schema.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
                },
                "required": ["query"],
                "additionalProperties": False,
            },
        },
        {
            "name": "call_operation",
            "description": "Call an operation found by search_operations: its name and its "
            "arguments as its input schema says. Lists answer items, total and next_cursor; "
            "money is decimal strings, dates ISO.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "arguments": {"type": "object", "default": {}},
                },
                "required": ["name"],
                "additionalProperties": False,
            },
        },
    ]


def description(tool: Tool) -> str:
    """A generated tool's description: the spec's summary and what it sends."""
    extra = " Writes only with --allow-writes; dry_run shows the request." if tool["write"] else ""
    return f"{tool['summary']} ({tool['http']}).{extra}"


def estimate_tokens(tools: Iterable[Mapping[str, Any]]) -> int:
    """What a tool list costs in an agent's context: its JSON's characters / 4, the usual
    approximation of BPE tokenisers for English and JSON (no tokenizer is downloaded)."""
    text = json.dumps(list(tools), separators=(",", ":"), ensure_ascii=False)
    return -(-len(text) // 4)
