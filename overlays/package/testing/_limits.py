"""Sage's limits: requests in flight per app, and request budgets per minute and per day."""

from __future__ import annotations

import collections
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    limit: int
    window: float  # seconds


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
        self._spent: dict[tuple[str, float], collections.deque[float]] = {}

    def enter(self) -> bool:
        """Take a slot under the cap; False when the cap is reached."""
        with self._lock:
            if self.concurrency is not None and self._admitted >= self.concurrency:
                return False
            self._admitted += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._admitted -= 1

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
