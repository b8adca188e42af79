"""How many requests in flight a client allows itself after Sage answered 429: additive
increase, multiplicative decrease (AIMD), as TCP does with its congestion window.

A 429 halves the cap (of the requests in flight then, or of the cap if lower), at most once a
burst: the other 429s of the requests already in flight then do not cut it again. Each answer
after that adds `1 / cap`, so the cap climbs back by one request per cap's worth of answers,
up to the configured cap, where learning stops until the next 429.
"""

from __future__ import annotations


class AdaptiveCap:
    """The learned cap; the caller holds its own lock around every call."""

    __slots__ = ("_learned", "_recovering", "ceiling", "cuts")

    def __init__(self, ceiling: int | None) -> None:
        self.ceiling = ceiling  # the configured cap (None: no cap until a 429)
        self._learned: float | None = None  # None: no 429 to learn from (the ceiling holds)
        self._recovering = 0  # answers still due from the burst of the last cut
        self.cuts = 0

    @property
    def limit(self) -> int | None:
        """Requests that may be in flight now (None: no cap)."""
        if self._learned is None:
            return self.ceiling
        return int(self._learned)

    def throttled(self, in_flight: int) -> None:
        """Sage answered 429 to one of the `in_flight` requests."""
        if self._recovering > 0 or in_flight < 1:
            return  # the same burst, or no request of ours was in flight
        limit = self.limit
        base = in_flight if limit is None else min(in_flight, limit)
        self._learned = max(1.0, base / 2)
        self._recovering = in_flight
        self.cuts += 1

    def answered(self) -> None:
        """A request finished (whatever its answer)."""
        if self._recovering > 0:
            self._recovering -= 1
        elif self._learned is not None:
            self._learned += 1 / self._learned
            if self.ceiling is not None and self._learned >= self.ceiling:
                self._learned = None
