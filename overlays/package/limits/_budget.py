"""What every limiter shares: its settings' checks, the wake-ups of waiting tasks, sliding
windows of request counts, and the names of what a request waits for, timed per cause.

`LocalLimits` (`_local`) and `sage_accounting.fleet.RedisLimits` both use these.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from .._lazy import asyncio  # imported on first use: a sync program never does

BudgetScope = Literal["connection", "business"]


def check_limits(limits: Iterable[tuple[str, int | None]], budget_scope: str) -> None:
    """Refuse, by name, a limit that is not a positive whole number or None, and an unknown
    budget scope."""
    for name, value in limits:
        if value is not None and (isinstance(value, bool) or value < 1):
            raise ValueError(f"{name} must be a positive whole number or None, not {value!r}")
    if budget_scope not in ("connection", "business"):
        raise ValueError(f"budget_scope must be 'connection' or 'business', not {budget_scope!r}")


def resolve(future: asyncio.Future[None]) -> None:
    """Wake the task awaiting `future` (from any thread, through `call_soon_threadsafe`)."""
    if not future.done():
        future.set_result(None)


#: The causes a request waits for, as `acquire` reports them and `retry_stats.waited` sums them.
CONCURRENCY = "concurrency"
PER_MINUTE = "per_minute"
PER_DAY = "per_day"
APP_PER_DAY = "app_per_day"
RETRY_AFTER = "retry_after"  # a pause after a 429: its Retry-After, or a backoff without one
BACKOFF = "backoff"  # the wait before retrying a 5xx or a dropped connection
WINDOW_BUCKETS = 1440  # a minute's window in 1/24 s buckets, a day's in minutes


class Window:
    """Requests counted in a sliding window of `size` seconds, in `WINDOW_BUCKETS` buckets of
    counts (so a day of Sage's 1,296,000 requests costs 1,440 entries, not a timestamp each).

    A bucket counts until its last moment has left the window: never more than `limit`
    requests in any `size` seconds, and a wait at most one bucket longer than an exact count's.
    """

    def __init__(self, size: float, limit: int) -> None:
        self.size = size
        self.limit = limit
        self._width = size / WINDOW_BUCKETS
        self._buckets: collections.deque[list[float]] = collections.deque()  # [start, count]
        self._total = 0

    def wait(self, now: float) -> float:
        """Seconds until one more request fits (0.0: now)."""
        buckets = self._buckets
        while buckets and buckets[0][0] + self._width + self.size <= now:
            self._total -= int(buckets.popleft()[1])
        if self._total < self.limit:
            return 0.0
        over = self._total - self.limit + 1
        for start, count in buckets:
            over -= int(count)
            if over <= 0:
                return start + self._width + self.size - now
        return self.size  # not reached: the buckets hold the total

    def spend(self, now: float) -> None:
        start = now - now % self._width
        if self._buckets and self._buckets[-1][0] >= start:  # the same bucket (or a clock set back)
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([start, 1])
        self._total += 1


class Stopwatch:
    """The seconds one request waited, per cause, on a limiter's clock."""

    __slots__ = ("_cause", "_clock", "_since", "seconds")

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._cause: str | None = None
        self._since = 0.0
        self.seconds: dict[str, float] = {}

    def start(self, cause: str) -> None:
        """A wait for `cause` begins (ending the one before, if any)."""
        self.stop()
        self._cause, self._since = cause, self._clock()

    def add(self, cause: str, seconds: float) -> None:
        """`seconds` more waited for `cause`, timed by the caller."""
        self.seconds[cause] = self.seconds.get(cause, 0.0) + seconds

    def merge(self, waited: Mapping[str, float] | None) -> None:
        for cause, seconds in (waited or {}).items():
            self.add(cause, seconds)

    def stop(self) -> dict[str, float]:
        """The wait under way ends; the seconds waited so far, per cause."""
        if self._cause is not None:
            self.add(self._cause, max(0.0, self._clock() - self._since))
            self._cause = None
        return self.seconds
