"""How Sage writes values on the wire, and back: exact decimals, no binary float."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal, InvalidOperation
from typing import Any


def loads_json(content: bytes | str) -> Any:
    """Decode a JSON body; non-integer numbers become `Decimal`, never `float`."""
    return json.loads(content, parse_float=Decimal)


def decimal_from_wire(value: object) -> Decimal:
    """Read a money or quantity value: a numeric string ("367.09") or a JSON number."""
    if type(value) is str:  # the wire's usual form first: this runs for every money field
        try:
            result = Decimal(value)  # surrounding whitespace is allowed by Decimal itself
        except InvalidOperation:
            raise ValueError(f"not a decimal number: {value!r}") from None
        if result.is_finite():
            return result
        raise ValueError(f"not a finite decimal number: {value!r}")
    if isinstance(value, Decimal):
        if value.is_finite():
            return value
        raise ValueError(f"not a finite decimal number: {value!r}")
    if isinstance(value, str):
        return decimal_from_wire(str(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        # Only reached when a caller decoded JSON with floats; repr is the shortest exact spelling.
        return Decimal(repr(value))
    raise TypeError(f"expected a decimal number or numeric string, got {type(value).__name__}")


def decimal_to_wire(value: Decimal | int | str) -> str:
    """Write a money or quantity value with exactly its digits, never in exponent form."""
    exact = decimal_from_wire(value)
    return format(exact, "f")


def note_blank(blanks: list[str], name: str) -> Any:
    """An empty string came where a date, date-time or decimal belongs: note it, read None.

    The live API sends `""` for some unset values; the model writes it back as it came.
    (Typed Any, not None, because it is used as the value of a field expression.)"""
    blanks.append(name)
    return None


def datetime_from_wire(value: str) -> datetime.datetime:
    """Read an ISO 8601 date-time; Python 3.10's parser needs "+00:00" where Sage writes "Z"."""
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        if not value.endswith(("Z", "z")):
            raise
    return datetime.datetime.fromisoformat(value[:-1] + "+00:00")
