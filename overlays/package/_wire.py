"""How Sage writes values on the wire, and back: exact decimals, no binary float; and which
field of a record's JSON did not read, when a model's `from_dict` fails (`wire_error`)."""

from __future__ import annotations

import contextlib
import datetime
import gc
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs

from .errors import WireValueError


def loads_json(content: bytes | str) -> Any:
    """Decode a JSON body; non-integer numbers become `Decimal`, never `float`. (The garbage
    collector pauses meanwhile, as in `read_record`.)"""
    with collector_paused():
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
#: `_wire_blanks` of a record that came with no "" where a value belongs (most of them).
NO_BLANKS: frozenset[str] = frozenset()


def unknown_fields(src: dict[str, Any], known: frozenset[str], *read: str) -> dict[str, Any]:
    """The keys of a record its model does not read (`known`, and the spellings in `read`),
    with their values: a new dict, usually empty, for the model's `additional_properties`."""
    if known.issuperset(src):
        return {}
    return {key: value for key, value in src.items() if key not in known and key not in read}


R = TypeVar("R")
_pause_lock = threading.Lock()
_pausers = 0  # decodes under way with the collector paused by us


def _pause_gc() -> bool:
    """Pause the cyclic garbage collector for a decode, unless the program keeps it off."""
    global _pausers
    _pause_lock.acquire()  # not `with`: its bound __exit__ is an allocation that could collect
    try:
        if _pausers == 0:
            if not gc.isenabled():
                return False
            gc.disable()
        _pausers += 1
        return True
    finally:
        _pause_lock.release()


def _resume_gc() -> None:
    global _pausers
    _pause_lock.acquire()
    try:
        _pausers -= 1
        if _pausers == 0:
            gc.enable()
    finally:
        _pause_lock.release()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused over a stretch that makes many short-lived objects
    and no reference cycle (the sync's Arrow table of a batch of records), as over a decode:
    the young generation is not traversed again and again meanwhile. Refcounted with the
    decodes' pauses; a program that keeps the collector off keeps it off."""
    paused = _pause_gc()
    try:
        yield
    finally:
        if paused:
            _resume_gc()


def read_record(cls: type[R], read: Callable[[Mapping[str, Any]], object], src: Any) -> R:
    """`Model.from_dict(src)`: `read` (the model's `_from_wire`) with the cyclic garbage
    collector paused, and a subclass's own `__init__` run on what it read.

    Decoding builds tens of thousands of objects and no reference cycle, so the collections
    those allocations set off find nothing to free: a quarter of a page's decoding time went
    to them. Refcounting frees whatever a failed decode leaves; collections due meanwhile run
    once the last decode under way ends."""
    paused = _pause_gc()
    try:
        record = read(src)
    finally:
        if paused:
            _resume_gc()
    if type(record) is cls:
        return record
    return as_subclass(cls, record)


def as_subclass(cls: type[R], record: Any) -> R:
    """`Subclass.from_dict(...)`: the record read by its generated model (whose reader sets
    the attributes without calling `__init__`), made again through the subclass's own
    `__init__`, so that its fields' defaults, validators and `__attrs_post_init__` apply."""
    fields = attrs.fields(type(record))
    made = cls(
        **{f.alias: getattr(record, f.name) for f in fields if f.init and hasattr(record, f.name)}
    )
    for field in fields:
        if not field.init and hasattr(record, field.name):
            object.__setattr__(made, field.name, getattr(record, field.name))
    return made


def wire_error(key: str, src: Any, error: Exception) -> WireValueError:
    """The error of a `from_dict` that failed reading the field `key` (its wire name) of the
    record `src`: a required field that is absent fails as a `KeyError` of its own name."""
    if isinstance(error, KeyError) and error.args == (key,) and key not in src:
        found = WireValueError((key,), "missing: the field is required")
        found.__cause__ = error
        found.source = src
        return found
    value = src.get(key)
    if isinstance(error, WireValueError):  # a nested record's: prefix where it sits
        steps: tuple[str | int, ...] = (key,)
        if isinstance(value, list):
            index = next((i for i, item in enumerate(value) if item is error.source), None)
            steps += () if index is None else (index,)
        error.path = steps + error.path
        error.source = src
        return error
    reason = str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"
    shown = repr(value)
    if shown not in reason:
        reason += f" (it is {shown[:80]}{'...' if len(shown) > 80 else ''})"
    found = WireValueError((key,), reason)
    found.__cause__ = error
    found.source = src
    return found
