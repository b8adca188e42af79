"""A tool's JSON arguments as the facade's keyword arguments, and the cursors of lists.

The MCP client validates arguments against the tool's schema only if it wants to; this module
checks them again, so a bad one is a tool error naming the argument, never a wrong request.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import json
from collections.abc import Mapping
from typing import Any

from ._answers import ToolFailure

_FIX = "fix the argument as the tool's input schema says (search_operations shows it)"


def bad(name: str, problem: str) -> ToolFailure:
    return ToolFailure("InvalidArguments", f"{name}: {problem}", _FIX)


def unknown(arguments: Mapping[str, Any], known: set[str]) -> None:
    extra = sorted(set(arguments) - known)
    if extra:
        raise bad(", ".join(extra), f"not an argument of this tool (it takes {sorted(known)})")


def convert(name: str, kind: str, value: Any, enum: list[str] | None = None) -> Any:
    """One query argument as the facade's type for `kind` (generator/facade.py)."""
    if value is None:
        return None
    if kind in ("str", "enum"):
        if not isinstance(value, str):
            raise bad(name, f"a string is due, not {type(value).__name__}")
        if enum and value not in enum:
            raise bad(name, f"{value!r} is none of {enum}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad(name, f"true or false is due, not {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(name, f"a whole number is due, not {value!r}")
        return value
    if kind in ("decimal", "float"):
        return decimal_of(name, value)
    if kind == "date":
        return date_of(name, value)
    if kind == "datetime":
        return moment_of(name, value)
    raise bad(name, f"no conversion for kind {kind}")


def decimal_of(name: str, value: Any) -> decimal.Decimal:
    """An exact decimal from a string (preferred) or a JSON number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise bad(name, f"a decimal string such as '12.50' is due, not {value!r}")
    try:
        number = decimal.Decimal(repr(value) if isinstance(value, float) else str(value))
    except decimal.InvalidOperation:
        raise bad(name, f"not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise bad(name, f"not a finite decimal number: {value!r}")
    return number


def date_of(name: str, value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise bad(name, f"a date YYYY-MM-DD is due, not {value!r}") from None


def moment_of(name: str, value: Any) -> datetime.datetime:
    """A date-time with its offset; a bare date is midnight UTC, `Z` is UTC."""
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            return datetime.datetime.combine(day, datetime.time(), datetime.timezone.utc)
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad(name, f"an ISO 8601 date-time is due, not {value!r}") from None
    if moment.tzinfo is None:
        raise bad(name, f"give the offset (e.g. {text}+00:00): Sage needs it")
    return moment


def fields_of(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad("fields", "a list of field names is due")
    return list(value)


def json_body(value: Any) -> dict[str, Any]:
    """A write's body: a JSON object; JSON numbers become exact decimals (as their text)."""
    if not isinstance(value, Mapping):
        raise bad("body", f"an object of the record's fields is due, not {type(value).__name__}")
    return {str(key): _exact(item) for key, item in value.items()}


def _exact(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    return value


def encode_cursor(tool: str, business: str | None, page: int, query: Mapping[str, Any]) -> str:
    """An opaque cursor: the tool, business, next page and the filters of the first call."""
    state = {"t": tool, "b": business, "p": page, "q": dict(query)}
    text = json.dumps(state, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(tool: str, cursor: Any) -> tuple[str | None, int, dict[str, Any]]:
    """The business, page and filters a cursor carries; one of another tool is refused."""
    try:
        padded = str(cursor) + "=" * (-len(str(cursor)) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        owner, business, page, query = state["t"], state["b"], state["p"], state["q"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise bad("cursor", "not a cursor this server gave (pass next_cursor as it came)") from None
    if owner != tool:
        raise bad("cursor", f"a cursor of {owner}, not of {tool}")
    if not isinstance(page, int) or page < 2 or not isinstance(query, dict):
        raise bad("cursor", "not a cursor this server gave (pass next_cursor as it came)")
    return business, page, query
