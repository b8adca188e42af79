"""Sage's `idempotency_id`: the facade's creates carry one, and a POST that carries one is safe to
send again (for 7 days Sage answers the same request with the first answer and creates nothing).

The id goes inside the resource object of the body (`{"contact": {"idempotency_id": ...}}`) and
is 32 lowercase hex characters, as Sage's idempotency guide describes.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from ._bodies import InvalidBodyError

FIELD = "idempotency_id"
#: The request extension the facade sets on a create it gave an idempotency id.
EXTENSION = "sage_accounting.idempotency_id"
_SHAPE = re.compile(r"[0-9a-f]{32}")


def new_idempotency_id() -> str:
    """A fresh id: a random UUID as 32 lowercase hex characters, without hyphens."""
    return uuid.uuid4().hex


def is_idempotency_id(value: object) -> bool:
    return isinstance(value, str) and _SHAPE.fullmatch(value) is not None


def with_idempotency_id(request: dict[str, Any], wrapper: str, choice: str | bool) -> None:
    """Put the id of `choice` into the keyword arguments of a create about to be sent.

    `True`: the body's own id, else a fresh one; a string: that id; `False`: none. Bad input
    is refused here, before any request."""
    if isinstance(choice, bool):
        wanted = None
    elif isinstance(choice, str):
        if not is_idempotency_id(choice):
            raise ValueError(
                f"idempotency_id must be 32 lowercase hex characters (e.g. uuid.uuid4().hex), "
                f"not {choice!r}"
            )
        wanted = choice
    else:
        raise TypeError(
            f"idempotency_id must be a string of 32 hex characters, True (a fresh one) or "
            f"False (none), not {type(choice).__name__}"
        )
    inner = request["json"][wrapper]
    carried = inner.get(FIELD)
    if carried is not None and not is_idempotency_id(carried):
        raise InvalidBodyError(
            f"the body's {FIELD} must be 32 lowercase hex characters, not {carried!r}"
        )
    if carried is not None and choice is False:
        raise InvalidBodyError(f"the body carries {FIELD} {carried!r} but idempotency_id=False")
    if carried is not None and wanted is not None and carried != wanted:
        raise InvalidBodyError(
            f"the body carries {FIELD} {carried!r} but idempotency_id={wanted!r} was passed"
        )
    if choice is False:
        inner.pop(FIELD, None)  # an explicit null says nothing
        return
    chosen = carried or wanted or new_idempotency_id()
    inner[FIELD] = chosen
    request.setdefault("extensions", {})[EXTENSION] = chosen


def carries_idempotency_id(request: httpx.Request) -> bool:
    """Whether a request carries a valid id: set by the facade, or in a JSON body built otherwise
    (a generated operation, `client.request()`) as `{"<resource>": {"idempotency_id": ...}}`."""
    if is_idempotency_id(request.extensions.get(EXTENSION)):
        return True
    if "json" not in request.headers.get("content-type", ""):
        return False
    try:
        body = json.loads(request.content)
    except (httpx.RequestNotRead, ValueError):
        return False  # a streamed or unreadable body is not looked into
    if not isinstance(body, dict) or len(body) != 1:
        return False
    (inner,) = body.values()
    return isinstance(inner, dict) and is_idempotency_id(inner.get(FIELD))
