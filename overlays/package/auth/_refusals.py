"""Collections of a business Sage refused although the token was fresh, remembered a while.

Sage answers 401 both for an expired token and for a business it refuses ("No active
subscription. (MSE)"), with the same `$dataCode`. The flow refreshes once; when the fresher
token is refused too, the business's collection (the path's first segment) is noted here with
that token. For `ttl` seconds further calls to that collection raise at once instead of paying
the call, a refresh-token rotation and the call again each; after that a call is sent, and a
401 with the same token raises without a refresh. A new token (a refresh, another process's, a
new login) or a success on that collection ends it.

The note is per collection, not per business: the same 401 is what a business may answer for
one collection its edition lacks (docs/guides/errors.md), and its other collections must go on.
A business refused whole costs one call per collection, never a refresh more: a 401 with a
token already refused for the business is a refusal, not an expiry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import NamedTuple

from .._token import Token
from ..errors import SubscriptionError

DEFAULT_TTL = 60.0


class _Refusal(NamedTuple):  # not attrs: a NamedTuple class costs a fifth at import
    token: str  # the refused access token's fingerprint: enough to see that it changed
    until: float
    error: SubscriptionError


def collection_of(path: str, base_path: str) -> str:
    """The collection a request is for: the first segment of its path below the API root."""
    if path.startswith(base_path):
        path = path[len(base_path) :]
    return path.strip("/").split("/", 1)[0]


def check_ttl(ttl: float) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl >= 0:
        raise ValueError(f"refused_business_ttl must be a number of seconds >= 0, not {ttl!r}")
    return float(ttl)


class Refusals:
    """The refused businesses of one connection (a client and its `with_business` children)."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl = check_ttl(ttl)
        self._clock = clock
        self._notes: dict[tuple[str | None, str], _Refusal] = {}
        # Businesses a call is resending to after a 401, with the fresher token it resends with.
        self._checking: dict[str | None, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Refusals(ttl={self.ttl:g}, collections={len(self._notes)})"

    def get(
        self, business_id: str | None, collection: str, token: Token
    ) -> SubscriptionError | None:
        """The refusal a call to `collection` of `business_id` with `token` meets without
        being sent, if any."""
        key = (business_id, collection)
        if key not in self._notes:  # the common case, without the lock
            return None
        with self._lock:
            note = self._notes.get(key)
            if note is None:
                return None
            if note.token != token.fingerprint:
                del self._notes[key]  # a new token: ask Sage again
                return None
            return note.error if self._clock() < note.until else None

    def checking(self, business_id: str | None, token: Token) -> None:
        """A call resends to `business_id` with `token`, fresher than one refused a 401."""
        with self._lock:
            self._checking[business_id] = token.fingerprint

    def refused(self, business_id: str | None, token: Token) -> bool:
        """Whether a 401 for `business_id` with `token` is a refusal, not an expired token:
        `token` is the fresher token another call resends with, or one refused before (for
        any collection of the business)."""
        fingerprint = token.fingerprint
        with self._lock:
            return self._checking.get(business_id) == fingerprint or any(
                business == business_id and note.token == fingerprint
                for (business, _), note in self._notes.items()
            )

    def note(
        self, business_id: str | None, collection: str, token: Token, error: SubscriptionError
    ) -> None:
        until = self._clock() + self.ttl
        with self._lock:
            self._checking.pop(business_id, None)
            self._notes[business_id, collection] = _Refusal(token.fingerprint, until, error)

    def answered(self, business_id: str | None, collection: str, *, ok: bool) -> None:
        """Sage answered a call to `collection` of `business_id` other than 401 (`ok`: with
        success)."""
        key = (business_id, collection)
        if business_id not in self._checking and not (ok and key in self._notes):
            return  # the common case, without the lock
        with self._lock:
            self._checking.pop(business_id, None)
            if ok:
                self._notes.pop(key, None)
