"""Request bodies of the facade: a model or a plain dict in, the wrapped model Sage expects out.

Sage wants `{"contact": {...}}`; callers pass the inner object (a dict or the generated inner
model) or the wrapped model itself. Required fields are checked here, before any request, so
a missing one is a clear `InvalidBodyError` naming it, not a 422 round trip; so is a value of
the wrong form, by its path (`invoice_lines[1].unit_price: not a decimal number: 'ten'`).
"""

from __future__ import annotations

import datetime
import decimal
import enum
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InvalidBodyError, WireValueError

__all__ = ["InvalidBodyError", "wrap_body"]


def wrap_body(
    body: object,
    *,
    model: Any,
    wrapper: str,
    inner: Any,
    required: Sequence[str],
    wrapper_is_field: bool = False,
) -> Any:
    """The wrapped `model` instance for `body` (a `model`, an `inner` or a mapping)."""
    if isinstance(body, model):
        return body
    if isinstance(body, inner):
        return model(**{wrapper: body})
    if not isinstance(body, Mapping):
        raise TypeError(
            f"body must be a {inner.__name__}, a {model.__name__} or a dict, "
            f"not {type(body).__name__}"
        )
    data = dict(body)
    if set(data) == {wrapper} and not wrapper_is_field and isinstance(data[wrapper], Mapping):
        data = dict(data[wrapper])  # already wrapped: {"contact": {...}}
    missing = [name for name in required if data.get(name) is None]
    if missing:
        raise InvalidBodyError(
            f"{inner.__name__} is missing required field(s): {', '.join(missing)}"
        )
    try:
        return model.from_dict({wrapper: _wire(data)})
    except WireValueError as exc:
        if exc.path[:1] == (wrapper,) and not wrapper_is_field:
            exc.path = exc.path[1:]  # the caller's own dict: name its fields from there
        raise InvalidBodyError(f"{inner.__name__}: {exc}") from None
    except (TypeError, ValueError, KeyError, decimal.InvalidOperation) as exc:
        raise InvalidBodyError(f"{inner.__name__}: {exc}") from None


def _wire(value: Any) -> Any:
    """Python values in a dict body as the JSON values the models decode from."""
    if isinstance(value, Mapping):
        return {str(key): _wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    if isinstance(value, datetime.date):  # datetime.datetime too
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
