"""Client-side limits: a cap on requests in flight and request budgets, which queue, not fail.

`Limits` is the seam: the retry transport asks it for a slot before every attempt, gives the
slot back after the answer, and tells it to pause everyone when Sage answers 429 with
Retry-After. `LocalLimits` (`_local_limits`) counts within one process (all threads and tasks of
a client and its `with_business` children share it); `sage_accounting.fleet.RedisLimits`
counts across a fleet of processes.
"""

from __future__ import annotations

from ._budget import BudgetScope

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_PER_DAY", "DEFAULT_PER_MINUTE", "BudgetScope", "Limits"]

#: Sage's strictest published figures (see the docs: Limits).
DEFAULT_CONCURRENCY = 150
DEFAULT_PER_MINUTE = 100
DEFAULT_PER_DAY = 2500


class Limits:
    """What the retry transport needs of a limiter. Subclass for other backends."""

    def acquire(self, business: str | None) -> None:
        """Block until a request for `business` may start."""
        raise NotImplementedError

    async def aacquire(self, business: str | None) -> None:
        raise NotImplementedError

    def release(self) -> None:
        """A request that acquired has finished."""
        raise NotImplementedError

    async def arelease(self) -> None:
        self.release()

    def pause(self, seconds: float) -> None:
        """Hold every new request back for `seconds` (Sage said Retry-After)."""
        raise NotImplementedError

    async def apause(self, seconds: float) -> None:
        self.pause(seconds)
