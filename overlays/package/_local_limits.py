"""`LocalLimits`: Sage's limits counted within one process, in arrival order."""

from __future__ import annotations

import asyncio
import collections
import functools
import threading
import time
from collections.abc import Awaitable, Callable

from ._budget import BudgetScope, check_limits, resolve, wait_first
from ._limits import DEFAULT_CONCURRENCY, DEFAULT_PER_DAY, DEFAULT_PER_MINUTE, Limits


class LocalLimits(Limits):
    """Limits within one process. `None` disables a limit.

    Requests wait in arrival order (first come, first served), so that no thread or task
    starves. Budgets are sliding windows of 60 s and 24 h; with `budget_scope="connection"`
    (the default, and the strictest reading of Sage's limits) all businesses of a connection
    share one budget, with `"business"` each business has its own, and a request whose
    business is out of budget steps aside: the other businesses' requests behind it go on.
    """

    def __init__(
        self,
        *,
        concurrency: int | None = DEFAULT_CONCURRENCY,
        per_minute: int | None = DEFAULT_PER_MINUTE,
        per_day: int | None = DEFAULT_PER_DAY,
        budget_scope: BudgetScope = "connection",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        check_limits(
            (("concurrency", concurrency), ("per_minute", per_minute), ("per_day", per_day)),
            budget_scope,
        )
        self.concurrency = concurrency
        self.per_minute = per_minute
        self.per_day = per_day
        self.budget_scope = budget_scope
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep or asyncio.sleep
        self._lock = threading.Lock()
        self._queue: collections.deque[int] = collections.deque()
        self._waiting_keys: dict[int, str] = {}  # waiting tickets: whose budgets they spend
        self._out_of_budget: dict[int, float] = {}  # waiting tickets: until when (clock)
        self._tickets = 0
        self._in_flight = 0
        self._paused_until = 0.0
        self._windows: dict[str, tuple[collections.deque[float], collections.deque[float]]] = {}
        # Only the first waiter can go next, so only it is woken: waking every waiter on each
        # release costs a context switch per waiter, which with dozens of threads is most of
        # what the limiter costs.
        self._wakers: dict[int, Callable[[], object]] = {}  # waiting tickets: how to wake each
        self.max_in_flight = 0
        self.throttled_waits = 0

    def __repr__(self) -> str:
        return (
            f"LocalLimits(concurrency={self.concurrency}, per_minute={self.per_minute}, "
            f"per_day={self.per_day}, budget_scope={self.budget_scope!r})"
        )

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _key(self, business: str | None) -> str:
        return (business or "") if self.budget_scope == "business" else ""

    def _budget_wait(self, key: str, now: float) -> float:
        """Seconds until `key`'s budgets allow one more request (0.0: now)."""
        wait = 0.0
        minute, day = self._windows.setdefault(key, (collections.deque(), collections.deque()))
        for window, size, limit in ((minute, 60.0, self.per_minute), (day, 86400.0, self.per_day)):
            while window and window[0] <= now - size:
                window.popleft()
            if limit is not None and len(window) >= limit:
                wait = max(wait, window[len(window) - limit] + size - now)
        return wait

    def _grant(self, key: str, now: float) -> None:
        minute, day = self._windows[key]
        minute.append(now)
        day.append(now)
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _try(self, ticket: int, key: str) -> float | None:
        """Under the lock: grant `ticket` if it is first in line (see `_first`), a slot is free
        and the pause and its budgets allow. Else 0 < seconds to wait, or None: wait to be
        woken (by a release, or by those ahead moving on)."""
        if self._first() != ticket:
            return None
        if self.concurrency is not None and self._in_flight >= self.concurrency:
            return None  # first a free slot, then the time: no request still runs when it passes
        now = self._clock()
        budget = self._budget_wait(key, now)
        wait = max(0.0, self._paused_until - now, budget)
        if wait == 0.0:
            self._grant(key, now)
            self._leave(ticket)
            self._wake()
        elif budget > 0.0:
            self._out_of_budget[ticket] = now + budget
            self._wake()  # it steps aside: a request with other budgets may go meanwhile
        return wait

    def _first(self) -> int | None:
        """Under the lock: the first waiter that may go. Waiting is first come, first served,
        except that a waiter out of its budget steps aside for those behind it whose budgets
        are others (with `budget_scope="business"`, another business's request is not held up;
        behind it, the requests of the same business keep their order)."""
        if not self._out_of_budget:  # the common case: plain first come, first served
            return self._queue[0] if self._queue else None
        now = self._clock()
        spent: set[str] = set()  # the budgets of waiters ahead that are out of them
        for ticket in self._queue:
            key = self._waiting_keys[ticket]
            if key in spent:
                continue
            if self._out_of_budget.get(ticket, 0.0) > now:
                spent.add(key)
                continue
            return ticket
        return None

    def _enqueue(self, key: str) -> int:
        ticket = self._tickets
        self._tickets += 1
        self._queue.append(ticket)
        self._waiting_keys[ticket] = key
        return ticket

    def _leave(self, ticket: int) -> None:
        if self._queue[0] == ticket:
            self._queue.popleft()
        else:
            self._queue.remove(ticket)
        del self._waiting_keys[ticket]
        self._out_of_budget.pop(ticket, None)

    def _abandon(self, ticket: int) -> None:
        if ticket in self._waiting_keys:
            self._leave(ticket)
            self._wake()

    def _wake(self) -> None:
        """Under the lock: wake the first waiter that may go (a grant wakes the next)."""
        first = self._first()
        if first is not None:
            waker = self._wakers.get(first)
            if waker is not None:
                waker()

    def acquire(self, business: str | None) -> None:
        key = self._key(business)
        with self._lock:
            ticket = self._enqueue(key)
            waiter: threading.Condition | None = None
            try:
                counted = False
                while True:
                    wait = self._try(ticket, key)
                    if wait == 0.0:
                        return
                    if not counted:
                        self.throttled_waits += 1
                        counted = True
                    if wait is None:
                        if waiter is None:
                            waiter = threading.Condition(self._lock)
                            self._wakers[ticket] = waiter.notify
                        waiter.wait()
                    else:
                        self._lock.release()
                        try:
                            self._sleep(wait)
                        finally:
                            self._lock.acquire()
            except BaseException:
                self._abandon(ticket)
                raise
            finally:
                self._wakers.pop(ticket, None)

    async def aacquire(self, business: str | None) -> None:
        key = self._key(business)
        loop = asyncio.get_running_loop()
        with self._lock:
            ticket = self._enqueue(key)
        counted = False
        try:
            while True:
                with self._lock:
                    wait = self._try(ticket, key)
                    if wait == 0.0:
                        return
                    future: asyncio.Future[None] = loop.create_future()
                    self._wakers[ticket] = functools.partial(
                        loop.call_soon_threadsafe, resolve, future
                    )
                if not counted:
                    self.throttled_waits += 1
                    counted = True
                if wait is None:
                    await future
                else:
                    await wait_first(future, self._async_sleep(wait))
        except BaseException:
            with self._lock:
                self._abandon(ticket)
            raise
        finally:
            with self._lock:
                self._wakers.pop(ticket, None)

    def release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._wake()

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
