"""The read tools: a page of a list with its total and cursor, one record, what changed.

Each calls the facade (`sage.<collection>.list/get/changes`), so the token, refresh, retries,
limits and typed errors are the client's; a page is read as the JSON Sage sent
(`Pager.as_dicts()`), money as its exact digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._answers import Payload, record_of, trimmed
from ._arguments import (
    bad,
    convert,
    decode_cursor,
    encode_cursor,
    fields_of,
    moment_of,
)
from ._schemas import CHANGES_LIMIT

if TYPE_CHECKING:
    from .._sage import SageAccounting

Tool = Mapping[str, Any]
DEFAULT_PAGE_SIZE = 20


def keywords(tool: Tool, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The facade's keyword arguments for a tool's query parameters."""
    found: dict[str, Any] = {}
    for param in tool["params"]:
        value = arguments.get(param["name"])
        if value is None:
            if param["required"]:
                raise bad(param["name"], "required")
            continue
        found[param["argument"]] = convert(param["name"], param["kind"], value, param["enum"])
    return found


def query_of(tool: Tool, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The tool's query arguments as given (JSON), for a cursor to carry."""
    names = {param["name"] for param in tool["params"]}
    return {name: value for name, value in arguments.items() if name in names}


def page_size(tool: Tool, value: Any) -> int:
    largest = int(tool["page_size"] or 200)
    size = DEFAULT_PAGE_SIZE if value is None else value
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= largest:
        raise bad("page_size", f"a whole number from 1 to {largest} is due, not {value!r}")
    return size


def read_list(
    sage: SageAccounting, business: str | None, tool: Tool, arguments: Mapping[str, Any]
) -> Payload:
    """One page: `items`, `total` (Sage's `$total`), `page`, and `next_cursor` (None: last)."""
    page = 1
    query = query_of(tool, arguments)
    size_argument = arguments.get("page_size")
    if arguments.get("cursor") is not None:
        business, page, query = decode_cursor(tool["name"], arguments["cursor"])
        size_argument = query.pop("page_size", None)
    size = page_size(tool, size_argument)
    options = keywords(tool, query)
    if tool["page_size"] is not None:
        options["items_per_page"] = size
    pager = getattr(sage, tool["resource"]).list(**options)
    if page > 1:
        pager = pager.from_page(page)
    first = pager.as_dicts().first_page()
    # Sage answers a page past the last with the last one: that is no page of this read.
    items = first.items if first.page in (None, page) else []
    total = first.total
    per_page = first.items_per_page or size
    more = bool(items) and (page * per_page < total if total is not None else bool(first.next_))
    cursor = encode_cursor(tool["name"], business, page + 1, {**query, "page_size": size})
    return {
        "collection": tool["resource"],
        "total": total,
        "page": page,
        "count": len(items),
        "items": [record_of(item) for item in items],
        "next_cursor": cursor if more else None,
    }


def read_record(sage: SageAccounting, tool: Tool, arguments: Mapping[str, Any]) -> Payload:
    """A record by key (or a settings singleton, or a read action's answer)."""
    method = getattr(getattr(sage, tool["resource"]), tool["method"])
    positional = [_key(arguments)] if tool["key"] else []
    result = method(*positional, **keywords(tool, arguments))
    if isinstance(result, bytes):
        return {"size": len(result), "content_base64": record_of({"b": result})["b"]}
    return trimmed(record_of(result), fields_of(arguments.get("fields")))


def _key(arguments: Mapping[str, Any]) -> str:
    key = arguments.get("key")
    if not isinstance(key, str) or not key:
        raise bad("key", "the record's id (a string) is required")
    return key


def read_changes(sage: SageAccounting, tool: Tool, arguments: Mapping[str, Any]) -> Payload:
    """Records created or updated since `since`, ids deleted since, and the next watermark.

    Up to `limit` updated records; a change set larger than that answers `complete: false`
    and no watermark (a watermark past records not read would lose them)."""
    since = moment_of("since", arguments["since"]) if arguments.get("since") else None
    limit = arguments.get("limit", 200)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= CHANGES_LIMIT:
        raise bad("limit", f"a whole number from 1 to {CHANGES_LIMIT} is due, not {limit!r}")
    attributes = arguments.get("attributes")
    if attributes is not None and not isinstance(attributes, str):
        raise bad("attributes", "a comma-separated string (or all) is due")
    changes = getattr(sage, tool["resource"]).changes(
        since, attributes=attributes, items_per_page=min(limit, 200)
    )
    updated = changes.updated.as_dicts()
    total = updated.total
    if total is not None and total > limit:
        first = updated.first_page()
        return {
            "collection": tool["resource"],
            "since": since,
            "updated_total": total,
            "updated": [record_of(item) for item in first.items[:limit]],
            "deleted": None,
            "complete": False,
            "watermark": None,
            "advice": f"more than {limit} records changed: ask again with a later since, a "
            f"larger limit (at most {CHANGES_LIMIT}), or page through {tool['resource']}_list "
            "with updated_or_created_since",
        }
    records = [record_of(item) for item in updated]
    deleted = list(changes.deleted) if changes.deleted is not None else None
    return {
        "collection": tool["resource"],
        "since": since,
        "updated_total": len(records),
        "updated": records,
        "deleted": deleted,
        "complete": True,
        "watermark": changes.watermark,
    }
