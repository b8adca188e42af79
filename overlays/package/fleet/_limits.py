"""`RedisLimits`: Sage's limits counted once for a whole fleet of processes.

Everything lives under `<namespace>:` and changes only inside server-side scripts, on the
server's clock (so the machines' clocks do not matter):

- `slots` (sorted set): the requests in flight, each with the moment its lease runs out. A
  process renews its slots' leases while it runs; a killed process's slots expire.
- `queue`, `queue:lease`, `queue:blocked` (sorted sets): the waiting requests in arrival order,
  when each waiter was last seen, and until when a waiter waits for its budget. A waiter takes
  a free slot only if fewer eligible waiters (not waiting for budget) are ahead of it than
  there are free slots: first come, first served, and a waiter whose business is out of budget
  steps aside instead of holding everyone up.
- `queue:info` (hash): each waiter's budget keys and limits, so that a release can hand a free
  slot straight to the first eligible waiter and push to its `wake:<ticket>` list, on which the
  waiter blocks (BLPOP); waiters also check every `poll` seconds, so a lost wake-up only costs
  time.
- `budget:<scope>:minute|day` (hashes of per-bucket counts): sliding windows in 60 buckets each,
  counted conservatively (a bucket counts until its last moment has left the window).
- `pause` (string): the moment until which Sage told someone to wait (Retry-After); each new
  pause is also published on the `pauses` channel, to which every process listens.

Inside a process, threads and tasks take turns before Redis sees them: per budget scope, one
waits in the queue above while the others wait in the process's own line, and one that
finishes a request hands its slot to the first of them (see `RedisLimits.handovers`).

The scripts and the words sent to them are in `_scripts` (the Lua in `lua/`), the round trips
in `_calls`, the process's line in `_handover`, the lease renewal and the pause listener in
`_heartbeat`; this module holds the settings and the `Limits` seam.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Literal

from .._stop import or_stop, wait_or_look
from ..limits import DEFAULT_APP_PER_DAY, DEFAULT_CONCURRENCY, Limits, LocalLimits
from ..limits._base import CALL_STOP, check_call_stop
from ..limits._budget import CONCURRENCY, BudgetScope, Stopwatch, check_limits, resolve
from ._calls import Calls
from ._connection import DEFAULT_TIMEOUT, Connection, RedisUnavailableError
from ._handover import LOCAL, NO_SLOT, Shared, Waiter
from ._scripts import Words

logger = logging.getLogger("sage_accounting.fleet")

__all__ = ["DEFAULT_APP_PER_DAY", "OnRedisError", "RedisLimits"]

OnRedisError = Literal["fail", "local"]


class RedisLimits(Limits):
    """Sage's limits shared by every process that uses the same Redis and `namespace`.

    - `concurrency`: requests in flight across the fleet (Sage: 150 per app).
    - `app_per_day`: requests a day across the fleet (Sage: 1,296,000 per app).
    - `per_minute`, `per_day`: opt-in budgets (Sage documents none for v3.1) per connection
      (`budget_scope="connection"`, the default: `for_connection(name)` gives each customer's
      budget) or per business (`"business"`, by the X-Business header). `None` disables a
      limit.
    - `lease`: seconds after which the slots of a process that stopped renewing them (killed)
      return; live processes renew every `lease / 3` seconds.
    - `on_redis_error`: `"fail"` (the default) raises `RedisUnavailableError` when Redis cannot
      be reached; `"local"` warns and counts in this process only (a `LocalLimits` with the
      same settings) until Redis answers again, tried every `retry_redis_after` seconds.
    - `timeout`: socket timeout of every Redis call; `poll`: seconds between a waiter's checks
      when no wake-up comes.
    - `handovers`: how many times in a row a slot freed in this process may pass straight to
      another of its waiting threads or tasks (the new holder still checks the pause and its
      budgets) before it goes back to the fleet's queue. A hand-over costs one small script
      instead of a release, an acquire and a wake-up, and none when no budget is counted; 0
      sends every slot through the queue, first come, first served across the fleet.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "sage",
        concurrency: int | None = DEFAULT_CONCURRENCY,
        per_minute: int | None = None,
        per_day: int | None = None,
        app_per_day: int | None = DEFAULT_APP_PER_DAY,
        budget_scope: BudgetScope = "connection",
        connection_name: str = "default",
        lease: float = 10.0,
        on_redis_error: OnRedisError = "fail",
        timeout: float = DEFAULT_TIMEOUT,
        poll: float = 0.25,
        retry_redis_after: float = 5.0,
        handovers: int = 8,
        _shared: Shared | None = None,
    ) -> None:
        limits = {
            "concurrency": concurrency,
            "per_minute": per_minute,
            "per_day": per_day,
            "app_per_day": app_per_day,
        }
        check_limits(limits.items(), budget_scope)
        if on_redis_error not in ("fail", "local"):
            raise ValueError(f"on_redis_error must be 'fail' or 'local', not {on_redis_error!r}")
        if lease <= 0 or poll <= 0 or poll >= timeout:
            raise ValueError("lease must be positive and poll between 0 and timeout")
        if isinstance(handovers, bool) or not isinstance(handovers, int) or handovers < 0:
            raise ValueError(f"handovers must be a whole number, 0 or more, not {handovers!r}")
        self.namespace = namespace
        self.concurrency = concurrency
        self.per_minute = per_minute
        self.per_day = per_day
        self.app_per_day = app_per_day
        self.budget_scope = budget_scope
        self.connection_name = connection_name
        self.lease = lease
        self.on_redis_error = on_redis_error
        self.poll = poll
        self.retry_redis_after = retry_redis_after
        self.handovers = handovers if concurrency else 0
        self._shared = _shared or Shared(
            Connection(url, timeout=timeout),
            namespace,
            lease,
            LocalLimits(
                concurrency=concurrency,
                per_minute=per_minute,
                per_day=per_day,
                app_per_day=app_per_day,
                budget_scope=budget_scope,
            ),
        )
        self._words = Words(
            namespace,
            connection_name=connection_name,
            by_business=budget_scope == "business",
            concurrency=concurrency,
            app_per_day=app_per_day,
            per_minute=per_minute,
            per_day=per_day,
            lease=lease,
            poll=poll,
        )
        self._calls = Calls(
            self._shared,
            self._words,
            slots=bool(concurrency),
            counts_nothing=per_minute is None and per_day is None and app_per_day is None,
        )
        self.throttled_waits = 0

    def __repr__(self) -> str:
        return (
            f"RedisLimits({self.url!r}, namespace={self.namespace!r}, "
            f"concurrency={self.concurrency}, per_minute={self.per_minute}, "
            f"per_day={self.per_day}, app_per_day={self.app_per_day}, "
            f"budget_scope={self.budget_scope!r}, on_redis_error={self.on_redis_error!r}, "
            f"handovers={self.handovers})"
        )

    @property
    def url(self) -> str:
        """The Redis URL without its password."""
        return self._shared.connection.url

    def for_connection(self, name: str) -> RedisLimits:
        """The same fleet-wide cap, with the per-minute and per-day budgets of connection
        `name` (one per customer's consent), sharing this one's Redis clients."""
        return RedisLimits(
            "redis://unused",
            namespace=self.namespace,
            concurrency=self.concurrency,
            per_minute=self.per_minute,
            per_day=self.per_day,
            app_per_day=self.app_per_day,
            budget_scope=self.budget_scope,
            connection_name=name,
            lease=self.lease,
            on_redis_error=self.on_redis_error,
            timeout=self._shared.connection.timeout,
            poll=self.poll,
            retry_redis_after=self.retry_redis_after,
            handovers=self.handovers,
            _shared=self._shared,
        )

    # --- falling back -------------------------------------------------------------------------

    def _local_now(self) -> bool:
        return self.on_redis_error == "local" and time.monotonic() < self._shared.fallback_until

    def _fall_back(self, error: RedisUnavailableError) -> None:
        """Redis failed: raise, unless `on_redis_error="local"` (then warn, and count here)."""
        if self.on_redis_error != "local":
            raise error
        message = (
            f"{error}; counting limits in this process only for {self.retry_redis_after:g}s "
            "(on_redis_error='local')"
        )
        logger.warning("%s", message)
        warnings.warn(message, RuntimeWarning, stacklevel=4)
        self._shared.fallback_until = time.monotonic() + self.retry_redis_after

    # --- the Limits seam ----------------------------------------------------------------------

    def acquire(self, business: str | None) -> dict[str, float] | None:
        watch = Stopwatch(time.monotonic)
        if not self._local_now():
            try:
                self._shared.hold(*self._acquire_redis(business, watch))
                return watch.stop() or None
            except RedisUnavailableError as error:
                self._fall_back(error)
        watch.merge(self._shared.fallback.acquire(business))
        self._shared.hold(LOCAL)
        return watch.stop() or None

    def _acquire_redis(self, business: str | None, watch: Stopwatch) -> tuple[str, int]:
        """A slot (and how often it was handed over): handed over by a thread of this process,
        or asked of Redis when no other thread here is asking for the same scope already."""
        if not self.handovers:
            return self._ask(business, watch), 0
        scope = self._words.scope(business)
        ready = self._shared.condition()
        waiter = self._line_up(scope, ready.notify, watch)
        if waiter is not None and self._wait_here(waiter, ready):
            watch.stop()
            if self._calls.take_over(business, waiter.slot):
                return waiter.slot, waiter.passes
            self._start_asking(scope)  # it went back to the fleet's queue: ask there
        watch.stop()
        with self._asking(scope):
            return self._ask(business, watch), 0

    def _ask(self, business: str | None, watch: Stopwatch) -> str:
        slot, waited = self._calls.ask(business, watch)
        self.throttled_waits += waited
        return slot

    def _line_up(self, scope: str, wake: Callable[[], object], watch: Stopwatch) -> Waiter | None:
        """Line up in this process (timed on `watch` as waiting for a slot), or ask (None)."""
        waiter = self._shared.line_up(scope, wake)
        if waiter is not None:
            self.throttled_waits += 1
            watch.start(CONCURRENCY)
        return waiter

    def _start_asking(self, scope: str) -> None:
        with self._shared.lock:
            self._shared.start_asking(scope)

    @contextlib.contextmanager
    def _asking(self, scope: str) -> Iterator[None]:
        """Around asking Redis: when done, the next in line for `scope` asks; when Redis
        failed, everyone in line asks for themselves (and meets the failure)."""
        failed = False
        try:
            yield
        except RedisUnavailableError:
            failed = True
            raise
        finally:
            with self._shared.lock:
                self._shared.stop_asking(scope, everyone=failed)

    def _wait_here(self, waiter: Waiter, ready: threading.Condition) -> bool:
        """Wait in this process's line until handed a slot (True) or told to ask Redis (False;
        counted as asking by whoever said so)."""
        stop = CALL_STOP.get()
        try:
            with self._shared.lock:
                while waiter.outcome is None:
                    check_call_stop(stop)
                    wait_or_look(ready, stop)
        except BaseException:
            if self._shared.leave_line(waiter):  # handed one meanwhile: pass it on
                self._give_back(waiter.slot, waiter.passes)
            raise
        return waiter.outcome == "slot"

    async def aacquire(self, business: str | None) -> dict[str, float] | None:
        watch = Stopwatch(time.monotonic)
        if not self._local_now():
            try:
                self._shared.hold(*await self._aacquire_redis(business, watch))
                return watch.stop() or None
            except RedisUnavailableError as error:
                self._fall_back(error)
        watch.merge(await self._shared.fallback.aacquire(business))
        self._shared.hold(LOCAL)
        return watch.stop() or None

    async def _aacquire_redis(self, business: str | None, watch: Stopwatch) -> tuple[str, int]:
        """The async twin of `_acquire_redis`: tasks wait in the same line as threads."""
        if not self.handovers:
            return await self._aask(business, watch), 0
        scope = self._words.scope(business)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        wake = functools.partial(loop.call_soon_threadsafe, resolve, future)
        waiter = self._line_up(scope, wake, watch)
        if waiter is not None and await self._await_here(waiter, future):
            watch.stop()
            if await self._calls.atake_over(business, waiter.slot):
                return waiter.slot, waiter.passes
            self._start_asking(scope)
        watch.stop()
        with self._asking(scope):
            return await self._aask(business, watch), 0

    async def _aask(self, business: str | None, watch: Stopwatch) -> str:
        slot, waited = await self._calls.aask(business, watch)
        self.throttled_waits += waited
        return slot

    async def _await_here(self, waiter: Waiter, future: asyncio.Future[None]) -> bool:
        """As `_wait_here`, for a task: a call's stop event ends the wait too."""
        stop = CALL_STOP.get()
        try:
            await or_stop(future, stop)
            check_call_stop(stop)
        except BaseException:
            if self._shared.leave_line(waiter):
                await self._agive_back(waiter.slot, waiter.passes)
            raise
        return waiter.outcome == "slot"

    def _held(self) -> tuple[str, int] | None:
        """The slot a finished request gives back to Redis, or None (none held, none counted,
        or the local fallback's, released here)."""
        held = self._shared.pop()
        if held is None or held[0] == NO_SLOT:
            return None
        if held[0] == LOCAL:
            self._shared.fallback.release()
            return None
        return held

    def release(self) -> None:
        held = self._held()
        if held is not None:
            self._give_back(*held)

    def _give_back(self, slot: str, passes: int) -> None:
        """Hand a freed slot to a thread waiting here, or back to the fleet's queue."""
        if not self._handed_over(slot, passes):
            self._calls.release(slot)

    def _handed_over(self, slot: str, passes: int) -> bool:
        return passes < self.handovers and self._shared.hand_over(slot, passes)

    async def arelease(self) -> None:
        held = self._held()
        if held is not None:
            await self._agive_back(*held)

    async def _agive_back(self, slot: str, passes: int) -> None:
        if not self._handed_over(slot, passes):
            await self._calls.arelease(slot)

    def _pause_here(self, seconds: float) -> int | None:
        """Pause this process at once; the milliseconds to pause the fleet for (None: Redis
        is not used now)."""
        self._shared.fallback.pause(seconds)
        self._shared.heartbeat.heard_pause(seconds)
        return None if self._local_now() else max(1, int(seconds * 1000))

    def pause(self, seconds: float) -> None:
        ms = self._pause_here(seconds)
        if ms is not None:
            try:
                self._calls.pause(ms)
            except RedisUnavailableError as error:
                self._fall_back(error)

    async def apause(self, seconds: float) -> None:
        ms = self._pause_here(seconds)
        if ms is not None:
            try:
                await self._calls.apause(ms)
            except RedisUnavailableError as error:
                self._fall_back(error)

    # --- looking in ---------------------------------------------------------------------------

    def fleet_in_flight(self) -> int:
        """Slots held across the fleet right now (leases not yet run out)."""
        return self._calls.in_flight()

    def paused_for(self) -> float:
        """Seconds the fleet is still paused for (0.0: not paused)."""
        return self._calls.paused_for()
