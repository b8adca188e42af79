"""`LocalLimits`: Sage's limits counted within one process, in arrival order, with a cap on
requests in flight that learns from Sage's 429s (`_adaptive`)."""

from __future__ import annotations

import collections
import functools
import threading
import time
from collections.abc import Awaitable, Callable

from .._lazy import asyncio  # imported on first use: a sync program never does
from .._stop import first_of, or_stop, sleep_or_stop, wait_or_look
from ._adaptive import AdaptiveCap
from ._base import CALL_STOP, DEFAULT_APP_PER_DAY, DEFAULT_CONCURRENCY, Limits, check_call_stop
from ._budget import (
    APP_PER_DAY,
    CONCURRENCY,
    PER_DAY,
    PER_MINUTE,
    RETRY_AFTER,
    BudgetScope,
    Stopwatch,
    Window,
    check_limits,
    resolve,
)


class LocalLimits(Limits):
    """Limits within one process. `None` disables a limit.

    The defaults are what Sage documents for v3.1 (see the docs: Limits): 150 requests in
    flight and 1,296,000 a day (`app_per_day`, every request of this limiter). `per_minute`
    and `per_day` are opt-in budgets (none is documented for v3.1; v3.0 documented 200 a
    minute per business).

    Requests wait in arrival order (first come, first served), so that no thread or task
    starves. Budgets are sliding windows of 60 s and 24 h; with `budget_scope="connection"`
    (the default) all businesses of a connection share one budget, with `"business"` each
    business has its own, and a request whose business is out of budget steps aside: the
    other businesses' requests behind it go on.

    With `adaptive=True` (the default) a 429 halves the cap on requests in flight and each
    answer after it climbs back a little (`learned_concurrency`), so that a burst against a
    lower cap than ours does not turn into a storm of 429s.
    """

    def __init__(
        self,
        *,
        concurrency: int | None = DEFAULT_CONCURRENCY,
        per_minute: int | None = None,
        per_day: int | None = None,
        app_per_day: int | None = DEFAULT_APP_PER_DAY,
        budget_scope: BudgetScope = "connection",
        adaptive: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        limits = (
            (CONCURRENCY, concurrency),
            (PER_MINUTE, per_minute),
            (PER_DAY, per_day),
            (APP_PER_DAY, app_per_day),
        )
        check_limits(limits, budget_scope)
        self.concurrency = concurrency
        self.per_minute = per_minute
        self.per_day = per_day
        self.app_per_day = app_per_day
        self.budget_scope = budget_scope
        self.adaptive = adaptive
        self._cap = AdaptiveCap(concurrency)
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep  # None: asyncio.sleep, not imported by a sync program
        self._lock = threading.Lock()
        self._queue: collections.deque[int] = collections.deque()
        self._waiting_keys: dict[int, str] = {}  # waiting tickets: whose budgets they spend
        self._out_of_budget: dict[int, float] = {}  # waiting tickets: until when (clock)
        self._tickets = 0
        self._in_flight = 0
        self._paused_until = 0.0
        self._windows: dict[str, list[tuple[str, Window]]] = {}  # per budget key
        self._app = [] if app_per_day is None else [(APP_PER_DAY, Window(86_400.0, app_per_day))]
        self._holding = CONCURRENCY  # what holds up the first waiter (and so those behind it)
        # Only the first waiter can go next, so only it is woken: waking every waiter on each
        # release costs a context switch per waiter, which with dozens of threads is most of
        # what the limiter costs.
        self._wakers: dict[int, Callable[[], object]] = {}  # waiting tickets: how to wake each
        self.max_in_flight = 0
        self.throttled_waits = 0

    def __repr__(self) -> str:
        return (
            f"LocalLimits(concurrency={self.concurrency}, per_minute={self.per_minute}, "
            f"per_day={self.per_day}, app_per_day={self.app_per_day}, "
            f"budget_scope={self.budget_scope!r}, adaptive={self.adaptive})"
        )

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def learned_concurrency(self) -> int | None:
        """The cap on requests in flight now: `concurrency`, or less after 429s (adaptive)."""
        return self._cap.limit

    def _key(self, business: str | None) -> str:
        return (business or "") if self.budget_scope == "business" else ""

    def _budgets(self, key: str) -> list[tuple[str, Window]]:
        """The budgets a request counted under `key` spends, each with its name."""
        windows = self._windows.get(key)
        if windows is None:
            sizes = ((PER_MINUTE, 60.0, self.per_minute), (PER_DAY, 86_400.0, self.per_day))
            own = [(name, Window(size, limit)) for name, size, limit in sizes if limit is not None]
            windows = self._windows[key] = [*self._app, *own]
        return windows

    def _budget_wait(self, key: str, now: float) -> tuple[float, str]:
        """Seconds until `key`'s budgets allow one more request (0.0: now), and which holds."""
        wait, cause = 0.0, CONCURRENCY
        for name, window in self._budgets(key):
            seconds = window.wait(now)
            if seconds > wait:
                wait, cause = seconds, name
        return wait, cause

    def _grant(self, key: str, now: float) -> None:
        for _, window in self._budgets(key):
            window.spend(now)
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _try(self, ticket: int, key: str) -> tuple[float | None, str]:
        """Under the lock: grant `ticket` if it is first in line (see `_first`), a slot is free
        and the pause and its budgets allow (0.0). Else 0 < seconds to wait, or None: wait to
        be woken (by a release, or by those ahead moving on); and what it waits for."""
        if self._first() != ticket:
            return None, self._holding
        cap = self._cap.limit
        if cap is not None and self._in_flight >= cap:
            # first a free slot, then the time: no request still runs when it passes
            self._holding = CONCURRENCY
            return None, CONCURRENCY
        now = self._clock()
        budget, cause = self._budget_wait(key, now)
        paused = self._paused_until - now
        if paused <= 0.0 and budget == 0.0:
            self._grant(key, now)
            self._leave(ticket)
            self._wake()
            return 0.0, CONCURRENCY
        if budget > 0.0:
            self._out_of_budget[ticket] = now + budget
            self._wake()  # it steps aside: a request with other budgets may go meanwhile
        if paused >= budget:
            budget, cause = paused, RETRY_AFTER
        self._holding = cause
        return budget, cause

    def _waiting(self, watch: Stopwatch | None, cause: str) -> Stopwatch:
        """A request waits (again) for `cause`: its stopwatch, counted as a throttled wait the
        first time."""
        if watch is None:
            self.throttled_waits += 1
            watch = Stopwatch(self._clock)
        watch.start(cause)
        return watch

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

    def acquire(self, business: str | None) -> dict[str, float] | None:
        """Wait for a slot and the budgets; a call's stop event (`CALL_STOP`), once set, ends
        the wait with `StoppedError` (a wait for a slot then looks at it twice a second)."""
        key = self._key(business)
        watch: Stopwatch | None = None
        stop = CALL_STOP.get()
        with self._lock:
            ticket = self._enqueue(key)
            waiter: threading.Condition | None = None
            try:
                while True:
                    check_call_stop(stop)
                    wait, cause = self._try(ticket, key)
                    if wait == 0.0:
                        return None if watch is None else watch.stop()
                    watch = self._waiting(watch, cause)
                    if wait is None:
                        if waiter is None:
                            waiter = threading.Condition(self._lock)
                            self._wakers[ticket] = waiter.notify
                        wait_or_look(waiter, stop)
                    else:
                        self._lock.release()
                        try:
                            sleep_or_stop(wait, stop, self._sleep)
                        finally:
                            self._lock.acquire()
            except BaseException:
                self._abandon(ticket)
                raise
            finally:
                self._wakers.pop(ticket, None)

    async def aacquire(self, business: str | None) -> dict[str, float] | None:
        """As `acquire`, for a task: a call's stop event ends its wait too."""
        key = self._key(business)
        loop = asyncio.get_running_loop()
        watch: Stopwatch | None = None
        stop = CALL_STOP.get()
        sleep = self._async_sleep or asyncio.sleep
        with self._lock:
            ticket = self._enqueue(key)
        try:
            while True:
                check_call_stop(stop)
                with self._lock:
                    wait, cause = self._try(ticket, key)
                    if wait == 0.0:
                        return None if watch is None else watch.stop()
                    watch = self._waiting(watch, cause)
                    future: asyncio.Future[None] = loop.create_future()
                    self._wakers[ticket] = functools.partial(
                        loop.call_soon_threadsafe, resolve, future
                    )
                if wait is None:
                    await or_stop(future, stop)
                else:  # a release wakes it early
                    await first_of(future, or_stop(sleep(wait), stop))
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
            self._cap.answered()
            self._wake()

    def pause(self, seconds: float) -> None:
        """Sage answered 429: hold every new request back for `seconds`, and (adaptive) lower
        the cap on requests in flight."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            if self.adaptive:
                self._cap.throttled(self._in_flight)
