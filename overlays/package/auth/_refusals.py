"""Businesses Sage refused although the token was fresh, remembered for a while.

Sage answers 401 both for an expired token and for a business it refuses ("No active
subscription. (MSE)"), with the same `$dataCode`. The flow refreshes once; when the fresher
token is refused too, the business is noted here with that token. For `ttl` seconds further
calls to it raise at once instead of paying the call, a refresh-token rotation and the call
again each; after that a call is sent, and a 401 with the same token raises without a refresh.
A new token (a refresh, another process's, a new login) or an answer other than 401 ends it.
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


def check_ttl(ttl: float) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl >= 0:
        raise ValueError(f"refused_business_ttl must be a number of seconds >= 0, not {ttl!r}")
    return float(ttl)


class Refusals:
    """The refused businesses of one connection (a client and its `with_business` children)."""

    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl = check_ttl(ttl)
        self._clock = clock
        self._notes: dict[str | None, _Refusal] = {}
        # Businesses a call is resending to after a 401, with the fresher token it resends with.
        self._checking: dict[str | None, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Refusals(ttl={self.ttl:g}, businesses={len(self._notes)})"

    def get(self, business_id: str | None, token: Token) -> SubscriptionError | None:
        """The refusal a call to `business_id` with `token` meets without being sent, if any."""
        if business_id not in self._notes:  # the common case, without the lock
            return None
        with self._lock:
            note = self._notes.get(business_id)
            if note is None:
                return None
            if note.token != token.fingerprint:
                del self._notes[business_id]  # a new token: ask Sage again
                return None
            return note.error if self._clock() < note.until else None

    def checking(self, business_id: str | None, token: Token) -> None:
        """A call resends to `business_id` with `token`, fresher than one refused a 401."""
        with self._lock:
            self._checking[business_id] = token.fingerprint

    def refused(self, business_id: str | None, token: Token) -> bool:
        """Whether a 401 for `business_id` with `token` is a refusal, not an expired token:
        `token` is the fresher token another call resends with, or one refused before."""
        fingerprint = token.fingerprint
        with self._lock:
            note = self._notes.get(business_id)
            return self._checking.get(business_id) == fingerprint or (
                note is not None and note.token == fingerprint
            )

    def note(self, business_id: str | None, token: Token, error: SubscriptionError) -> None:
        with self._lock:
            self._checking.pop(business_id, None)
            self._notes[business_id] = _Refusal(token.fingerprint, self._clock() + self.ttl, error)

    def answered(self, business_id: str | None, *, ok: bool) -> None:
        """Sage answered a call to `business_id` other than 401 (`ok`: with success)."""
        if business_id not in self._checking and not (ok and business_id in self._notes):
            return  # the common case, without the lock
        with self._lock:
            self._checking.pop(business_id, None)
            if ok:
                self._notes.pop(business_id, None)
