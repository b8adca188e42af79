"""How Sage writes values on the wire, and back: exact decimals, no binary float; and which
field of a record's JSON did not read, when a model's `from_dict` fails (`wire_error`)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import WireValueError


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


#: What converting a wire value can raise (a model's `from_dict` names the field instead).
WIRE_FAULTS = (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError)


def wire_error(fields: str, src: Any, remaining: Any, error: Exception) -> WireValueError:
    """The error of a `from_dict` that failed, naming the field: the model's wire keys in the
    order it reads them (`fields`, space-separated), its input `src`, what it had not read yet
    (`remaining`).

    Fields are taken from `remaining` in order, so the field that failed is the last one
    taken; a required field that is absent fails as a `KeyError` of its own name."""
    keys = fields.split()
    absent = error.args[0] if isinstance(error, KeyError) and error.args else None
    if absent in keys and absent not in src:
        found = WireValueError((str(absent),), "missing: the field is required")
        found.__cause__ = error
        found.source = src
        return found
    taken = [name for name in keys if name in src and name not in remaining]
    key = taken[-1] if taken else None
    value = src.get(key) if key is not None else None
    if isinstance(error, WireValueError):  # a nested record's: prefix where it sits
        steps: tuple[str | int, ...] = () if key is None else (key,)
        if isinstance(value, list):
            index = next((i for i, item in enumerate(value) if item is error.source), None)
            steps += () if index is None else (index,)
        error.path = steps + error.path
        error.source = src
        return error
    reason = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
    shown = repr(value)
    if key is not None and shown not in reason:
        reason += f" (it is {shown[:80]}{'...' if len(shown) > 80 else ''})"
    found = WireValueError(() if key is None else (key,), reason)
    found.__cause__ = error
    found.source = src
    return found
