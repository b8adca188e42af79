"""Businesses Sage refused although the token was fresh, remembered for a while.

Sage answers 401 both for an expired token and for a business it refuses ("No active
subscription. (MSE)"), with the same `$dataCode`. The flow refreshes once; when the fresher
token is refused too, the business is noted here with that token, and further calls to it
raise at once instead of paying the call, a refresh-token rotation and the call again each.
A note holds while the token is the one it was refused with and for `ttl` seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import attrs

from sage_accounting._token import Token
from sage_accounting.errors import SubscriptionError

DEFAULT_TTL = 60.0


@attrs.frozen
class _Refusal:
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
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Refusals(ttl={self.ttl:g}, businesses={len(self._notes)})"

    def note(self, business_id: str | None, token: Token, error: SubscriptionError) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._notes[business_id] = _Refusal(token.fingerprint, self._clock() + self.ttl, error)

    def get(self, business_id: str | None, token: Token) -> SubscriptionError | None:
        """The refusal that still holds for `business_id` with `token`, if any."""
        with self._lock:
            note = self._notes.get(business_id)
            if note is None:
                return None
            if note.token != token.fingerprint or self._clock() >= note.until:
                del self._notes[business_id]  # a new token, or long enough: ask Sage again
                return None
            return note.error
