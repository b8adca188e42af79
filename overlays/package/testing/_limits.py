"""Sage's limits: requests in flight per app, and request budgets per minute and per day."""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    limit: int
    window: float  # seconds


@dataclass(frozen=True)
class CapUsage:
    """Requests in flight inside the cap, integrated over real time.

    `busy_seconds` is the sum of every admitted request's time inside the emulator (the
    integral of requests in flight); `seconds` runs from the first admission to the last
    admission or answer. `share` is the mean fraction of the cap in use over those seconds.
    """

    busy_seconds: float
    seconds: float
    concurrency: int | None

    @property
    def mean_in_flight(self) -> float:
        return self.busy_seconds / self.seconds if self.seconds > 0 else 0.0

    @property
    def share(self) -> float:
        """The mean share of the cap in use (0.0 without a cap or without traffic)."""
        if not self.concurrency:
            return 0.0
        return self.mean_in_flight / self.concurrency


class Limits:
    """A concurrency cap and sliding-window budgets on the emulator's clock.

    Budgets count per key (a business, or the app: see `SageEmulator(budget_scope=...)`).
    Only requests that are let through use up budget.
    """

    def __init__(
        self,
        concurrency: int | None,
        per_minute: int | None,
        per_day: int | None,
        now: Callable[[], float],
    ) -> None:
        self.concurrency = concurrency
        self.budgets = [
            Budget(limit, window)
            for limit, window in ((per_minute, 60.0), (per_day, 86_400.0))
            if limit is not None
        ]
        self._now = now
        self._lock = threading.Lock()
        self._admitted = 0
        self._busy = 0.0  # request-seconds spent inside the cap, on the real monotonic clock
        self._changed: float | None = None  # when `_admitted` last changed
        self._first = 0.0  # the first admission (set with the first `_changed`)
        self._spent: dict[tuple[str, float], collections.deque[float]] = {}

    def enter(self) -> bool:
        """Take a slot under the cap; False when the cap is reached."""
        with self._lock:
            if self.concurrency is not None and self._admitted >= self.concurrency:
                return False
            self._count(+1)
            return True

    def leave(self) -> None:
        with self._lock:
            self._count(-1)

    def _count(self, change: int) -> None:
        moment = time.monotonic()
        if self._changed is None:
            self._first = moment
        else:
            self._busy += self._admitted * (moment - self._changed)
        self._changed = moment
        self._admitted += change

    @property
    def admitted(self) -> int:
        """Requests inside the cap right now."""
        return self._admitted

    def usage(self) -> CapUsage:
        """How much of the cap was in use from the first admission until the last change."""
        with self._lock:
            if self._changed is None:  # nothing admitted yet
                return CapUsage(0.0, 0.0, self.concurrency)
            return CapUsage(self._busy, self._changed - self._first, self.concurrency)

    def spend(self, key: str) -> float | None:
        """Use one request of every budget of `key`; else the seconds until one frees up."""
        with self._lock:
            moment = self._now()
            wait = 0.0
            windows: list[collections.deque[float]] = []
            for budget in self.budgets:
                spent = self._spent.setdefault((key, budget.window), collections.deque())
                while spent and spent[0] <= moment - budget.window:
                    spent.popleft()
                if len(spent) >= budget.limit:
                    wait = max(wait, spent[0] + budget.window - moment)
                windows.append(spent)
            if wait > 0:
                return max(1.0, math.ceil(wait))
            for spent in windows:
                spent.append(moment)
            return None
