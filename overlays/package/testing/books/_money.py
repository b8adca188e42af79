"""Exact money: reading amounts from request bodies, Sage's rounding, and the wire form.

Sage rounds every amount to the currency's 2 decimal places, half away from zero
(ROUND_HALF_UP on a Decimal), line by line: see `_amounts.py` for the sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_RATE_PLACES = Decimal("0.000001")  # exchange rates and their inverse keep 6 places, as Sage shows


@dataclass(frozen=True)
class Problem:
    """One entry of Sage's error list: `$dataCode`, `$message`, `$source`."""

    code: str
    message: str
    source: str


class BookError(Exception):
    """A document the books refuse; the API answers it as 422 with Sage's error list."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.source}: {p.message}" for p in problems))
        self.problems = problems

    @classmethod
    def one(cls, code: str, message: str, source: str) -> BookError:
        return cls([Problem(code, message, source)])


def cents(value: Decimal) -> Decimal:
    """`value` to 2 places, a half cent away from zero (Sage's rounding)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def rate_places(value: Decimal) -> Decimal:
    return value.quantize(_RATE_PLACES, rounding=ROUND_HALF_UP)


def decimal_of(value: Any, source: str, default: Decimal | None = None) -> Decimal:
    """A body's number (Sage sends and takes numeric strings) as a Decimal, never via float
    digits the client did not write; a value that is no number is a 422 naming `source`."""
    if value is None or value == "":
        if default is None:
            raise BookError.one("RecordInvalid", "can't be blank", source)
        return default
    if isinstance(value, bool):
        raise BookError.one("RecordInvalid", "is not a number", source)
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as this float: what was written
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BookError.one("RecordInvalid", "is not a number", source) from None
    if not number.is_finite():
        raise BookError.one("RecordInvalid", "is not a number", source)
    return number


def wire(value: Decimal) -> str:
    """An amount as Sage sends it: a numeric string with 2 places (`"600.00"`)."""
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))  # `cents`, inlined: a hot path


def wire_rate(value: Decimal) -> str:
    return str(rate_places(value))
