"""Client-side limits: a cap on requests in flight and request budgets, which queue, not fail.

`Limits` is the seam: the retry transport asks it for a slot before every attempt, gives the
slot back after the answer, and tells it to pause everyone when Sage answers 429 with
Retry-After. `LocalLimits` (`_local`) counts within one process (all threads and tasks of
a client and its `with_business` children share it); `sage_accounting.fleet.RedisLimits`
counts across a fleet of processes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping

from .._stop import Stop
from ..errors import StoppedError
from ._budget import BudgetScope

__all__ = [
    "CALL_STOP",
    "DEFAULT_APP_PER_DAY",
    "DEFAULT_CONCURRENCY",
    "BudgetScope",
    "Limits",
    "Waited",
    "check_call_stop",
]

# What Sage documents for v3.1 (its API overview, "API V3.1 Limitations"; docs: Limits): per
# app, 150 concurrent requests and 1,296,000 requests a day. Sage documents no per-business
# figure for v3.1, so per-minute and per-day budgets are opt-in settings, off by default.
DEFAULT_CONCURRENCY = 150
DEFAULT_APP_PER_DAY = 1_296_000

#: The stop event of the call asking for a slot (`with_options(stop=...)`), set by the transport
#: around `acquire`: a limiter that waits may end its wait when it is set (`LocalLimits` does,
#: raising `StoppedError`); the `Limits` seam itself is unchanged.
CALL_STOP: contextvars.ContextVar[Stop | None] = contextvars.ContextVar(
    "sage_accounting_call_stop", default=None
)


def check_call_stop(stop: Stop | None) -> None:
    """Raise `StoppedError` once the stop event of the call waiting for a slot is set."""
    if stop is not None and stop.is_set():
        raise StoppedError("stopped while waiting under the client's limits")


#: Seconds a request waited before it could start, per cause (`_budget`: "concurrency",
#: "per_minute", "per_day", "app_per_day", "retry_after").
Waited = Mapping[str, float]


class Limits:
    """What the retry transport needs of a limiter. Subclass for other backends."""

    def acquire(self, business: str | None) -> Waited | None:
        """Block until a request for `business` may start; how long it waited, per cause
        (None or empty: it did not wait). The retry transport logs a wait over 1 s and sums
        them in `retry_stats.waited`."""
        raise NotImplementedError

    async def aacquire(self, business: str | None) -> Waited | None:
        raise NotImplementedError

    def release(self) -> None:
        """A request that acquired has finished."""
        raise NotImplementedError

    async def arelease(self) -> None:
        self.release()

    def pause(self, seconds: float) -> None:
        """Sage answered 429: hold every new request back for `seconds` (its Retry-After, or
        the retry's backoff when it gave none)."""
        raise NotImplementedError

    async def apause(self, seconds: float) -> None:
        self.pause(seconds)
