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
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import os
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, cast

import redis
import redis.asyncio
import redis.exceptions

from .._limits import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PER_DAY,
    DEFAULT_PER_MINUTE,
    Limits,
    LocalLimits,
    _resolve,
)
from ._connection import (
    DEFAULT_TIMEOUT,
    Connection,
    Lua,
    RedisUnavailableError,
    exchange,
    head,
    pack,
    word,
)

logger = logging.getLogger("sage_accounting.fleet")

BudgetScope = Literal["connection", "business"]
OnRedisError = Literal["fail", "local"]

#: Sage's published app-wide budget: 15 requests a second on average.
DEFAULT_APP_PER_DAY = 1_296_000

_COMMON = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function leave_queue(queue, qlease, blocked, info, ticket)
  redis.call('ZREM', queue, ticket)
  redis.call('ZREM', qlease, ticket)
  redis.call('ZREM', blocked, ticket)
  redis.call('HDEL', info, ticket)
end

local function prune(slots, queue, qlease, blocked, info, now)
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  for _, ticket in ipairs(redis.call('ZRANGEBYSCORE', qlease, '-inf', now)) do
    leave_queue(queue, qlease, blocked, info, ticket)
  end
end

-- Milliseconds until one more request fits the window (0: now).
local function window_wait(key, window, limit, now)
  if limit <= 0 then return 0 end
  local bucket = math.floor(window / 60)
  local flat = redis.call('HGETALL', key)
  local live, total = {}, 0
  for i = 1, #flat, 2 do
    local start, n = tonumber(flat[i]), tonumber(flat[i + 1])
    if start + bucket + window <= now then
      redis.call('HDEL', key, flat[i])
    else
      live[#live + 1] = {start, n}
      total = total + n
    end
  end
  if total < limit then return 0 end
  table.sort(live, function(a, b) return a[1] < b[1] end)
  local over = total - limit + 1
  for _, entry in ipairs(live) do
    over = over - entry[2]
    if over <= 0 then return entry[1] + bucket + window - now end
  end
  return window
end

local function window_spend(key, window, limit, now)
  if limit <= 0 then return end
  local bucket = math.floor(window / 60)
  redis.call('HINCRBY', key, now - (now % bucket), 1)
  redis.call('PEXPIRE', key, window + 2 * bucket)
end

local function paused(pause, now)
  local until_ = tonumber(redis.call('GET', pause) or '0')
  if until_ > now then return until_ - now end
  return 0
end

local DAY, MINUTE = 86400000, 60000

-- Budgets of a request: keys app_day, scope_minute, scope_day and their limits.
local function budget_wait(k, l, now)
  return math.max(
    window_wait(k[1], DAY, l[1], now),
    window_wait(k[2], MINUTE, l[2], now),
    window_wait(k[3], DAY, l[3], now))
end

local function budget_spend(k, l, now)
  window_spend(k[1], DAY, l[1], now)
  window_spend(k[2], MINUTE, l[2], now)
  window_spend(k[3], DAY, l[3], now)
end

-- Hand free slots straight to the first waiters whose budgets allow, and tell them (a waiter
-- blocks on its box), so a slot changes hands in one round trip.
local function hand_over(prefix, slots, queue, qlease, blocked, info, pause, concurrency, now)
  if concurrency <= 0 or paused(pause, now) > 0 then return end
  local free = concurrency - redis.call('ZCARD', slots)
  if free <= 0 then return end
  local candidates = redis.call('ZRANGE', queue, 0, free + redis.call('ZCARD', blocked) - 1)
  for _, ticket in ipairs(candidates) do
    local until_ = redis.call('ZSCORE', blocked, ticket)
    local raw = redis.call('HGET', info, ticket)
    if raw and (not until_ or tonumber(until_) <= now) then
      local f = {}
      for part in string.gmatch(raw, '[^\\n]+') do f[#f + 1] = part end
      local k, l = {f[1], f[2], f[3]}, {tonumber(f[4]), tonumber(f[5]), tonumber(f[6])}
      local wait = budget_wait(k, l, now)
      if wait > 0 then
        redis.call('ZADD', blocked, now + wait, ticket)
      else
        redis.call('ZADD', slots, now + tonumber(f[7]), ticket)
        budget_spend(k, l, now)
        leave_queue(queue, qlease, blocked, info, ticket)
        local box = prefix .. 'wake:' .. ticket
        redis.call('LPUSH', box, 'granted')
        redis.call('PEXPIRE', box, tonumber(f[7]))
        free = free - 1
        if free <= 0 then return end
      end
    end
  end
end
"""

# KEYS: slots queue qlease blocked seq pause app_day scope_minute scope_day info
_ACQUIRE_KEYS = 10
# ARGV: prefix concurrency slot_lease queue_lease app_per_day per_minute per_day poll ticket
#       followed ('1' or '0')
# Answers {1, 0} when granted, else {0, ms to wait} (-1: until a slot frees). When `followed`,
# the client has sent a BLPOP on the waiter's box right behind the script, in the same round
# trip, so the script leaves a word there whenever that BLPOP must not block: 'granted', or
# 'retry' when the wait is shorter than a poll (the client then sleeps that long and asks
# again). Otherwise the client reads the answer first and blocks only when it must.
_ACQUIRE = Lua(
    _COMMON
    + """
local slots, queue, qlease, blocked, info = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[10]
local prefix, ticket = ARGV[1], ARGV[9]
local concurrency = tonumber(ARGV[2])
local box = prefix .. 'wake:' .. ticket
local now = now_ms()

local followed = ARGV[10] == '1'

local function answer(word, granted, wait)
  redis.call('DEL', box)
  if word and followed then
    redis.call('LPUSH', box, word)
    redis.call('PEXPIRE', box, tonumber(ARGV[3]))
  end
  return {granted, wait}
end

local function must_wait(wait)
  if wait > 0 and wait < tonumber(ARGV[8]) then return answer('retry', 0, wait) end
  return {0, wait}
end

prune(slots, queue, qlease, blocked, info, now)
if redis.call('ZSCORE', slots, ticket) then  -- a release handed it a slot
  return answer('granted', 1, 0)
end
if not redis.call('ZSCORE', queue, ticket) then
  redis.call('ZADD', queue, redis.call('INCR', KEYS[5]), ticket)
  redis.call('HSET', info, ticket, table.concat(
    {KEYS[7], KEYS[8], KEYS[9], ARGV[5], ARGV[6], ARGV[7], ARGV[3]}, '\\n'))
end
redis.call('ZADD', qlease, now + tonumber(ARGV[4]), ticket)
local pause = paused(KEYS[6], now)
if pause > 0 then return must_wait(pause) end
local k = {KEYS[7], KEYS[8], KEYS[9]}
local l = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
local wait = budget_wait(k, l, now)
if wait > 0 then
  redis.call('ZADD', blocked, now + wait, ticket)
  return must_wait(wait)
end
redis.call('ZREM', blocked, ticket)
if concurrency > 0 then
  local free = concurrency - redis.call('ZCARD', slots)
  if free <= 0 then return {0, -1} end
  local rank = redis.call('ZRANK', queue, ticket)
  if rank >= free then
    local eligible = 0
    for _, other in ipairs(redis.call('ZRANGE', queue, 0, rank - 1)) do
      local until_ = redis.call('ZSCORE', blocked, other)
      if not until_ or tonumber(until_) <= now then
        eligible = eligible + 1
        if eligible >= free then return {0, -1} end
      end
    end
  end
  redis.call('ZADD', slots, now + tonumber(ARGV[3]), ticket)
end
budget_spend(k, l, now)
leave_queue(queue, qlease, blocked, info, ticket)
return answer('granted', 1, 0)
"""
)

# KEYS: slots queue qlease blocked pause info; ARGV: prefix slot ticket-to-abandon concurrency
_RELEASE_KEYS = 6
_RELEASE = Lua(
    _COMMON
    + """
local slots, queue, qlease, blocked, info = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6]
local now = now_ms()
if ARGV[2] ~= '' then redis.call('ZREM', slots, ARGV[2]) end
if ARGV[3] ~= '' then
  redis.call('ZREM', slots, ARGV[3])  -- it may have been handed one while it gave up
  leave_queue(queue, qlease, blocked, info, ARGV[3])
  redis.call('DEL', ARGV[1] .. 'wake:' .. ARGV[3])
end
prune(slots, queue, qlease, blocked, info, now)
hand_over(ARGV[1], slots, queue, qlease, blocked, info, KEYS[5], tonumber(ARGV[4]), now)
return 1
"""
)

# A slot freed in one process and handed straight to another of its waiting threads: the new
# holder checks the pause and its budgets, spends them and renews the slot's lease, in fewer
# commands than a release and an acquire. When it may not start (paused, out of budget, or the
# slot's lease ran out), the slot goes back to the fleet's queue and the thread asks as usual.
# KEYS: the acquire script's; ARGV: its first eight, then the slot. Answers 1 (go) or 0.
_TAKE_OVER = Lua(
    _COMMON
    + """
local slots, queue, qlease, blocked, info = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[10]
local slot = ARGV[9]
local now = now_ms()
if tonumber(redis.call('ZSCORE', slots, slot) or '0') > now then
  local k = {KEYS[7], KEYS[8], KEYS[9]}
  local l = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
  if paused(KEYS[6], now) == 0 and budget_wait(k, l, now) == 0 then
    redis.call('ZADD', slots, now + tonumber(ARGV[3]), slot)
    budget_spend(k, l, now)
    return 1
  end
end
redis.call('ZREM', slots, slot)
prune(slots, queue, qlease, blocked, info, now)
hand_over(ARGV[1], slots, queue, qlease, blocked, info, KEYS[6], tonumber(ARGV[2]), now)
return 0
"""
)

# KEYS: slots; ARGV: lease, slot...
_RENEW = Lua(
    _COMMON
    + """
local now, renewed = now_ms(), 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
    renewed = renewed + 1
  end
end
return renewed
"""
)

# KEYS: pause, the channel on which processes hear of pauses; ARGV: ms
_PAUSE = Lua(
    _COMMON
    + """
local now = now_ms()
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 1000)
  -- pcall: a server whose ACL refuses the channel still keeps the pause (processes that
  -- cannot hear of it ask Redis before each hand-over)
  redis.pcall('PUBLISH', KEYS[2], ARGV[1])
end
return until_
"""
)


_GRANTED = (b"granted", "granted")  # as read, whether or not the URL asks to decode answers
_ASK_AGAIN = ((0, 0), None)  # an acquire answer that only asks the client to try again
_LOCAL = "local"  # a slot granted by the local fallback
_NO_SLOT = "none"  # granted without a slot (concurrency=None)


class _Waiter:
    """A thread or task of this process waiting for a slot to be handed over in the process."""

    __slots__ = ("outcome", "passes", "scope", "slot", "wake")

    def __init__(self, scope: str, wake: Callable[[], object]) -> None:
        self.scope = scope
        self.wake = wake  # called under the lock once `outcome` is set
        self.outcome: Literal["slot", "ask"] | None = None  # handed a slot, or asks Redis itself
        self.slot = ""
        self.passes = 0


def _woken(waiter: _Waiter) -> bool:
    """Wake a waiter; False when it can no longer be woken (its event loop has closed)."""
    try:
        waiter.wake()
    except RuntimeError:
        return False
    return True


def _pause_left(client: redis.Redis, key: str) -> float:
    """Seconds the fleet is still paused for, by the pause key and the server's clock."""
    until = float(cast("bytes | None", client.get(key)) or 0)
    seconds, micros = cast("tuple[int, int]", client.time())
    return max(0.0, (until - (seconds * 1000 + micros / 1000)) / 1000)


class _Shared:
    """What a `RedisLimits` and its `for_connection` siblings share in one process.

    Threads and tasks of the process take turns locally: of those waiting for the same budget
    scope, only one waits in the fleet's queue on Redis (it "asks"); the others wait here, in
    arrival order, and one finishing a request hands its slot straight to the first of
    them (up to `handovers` times in a row, then the slot goes back to the fleet's queue, so
    that other processes' waiters are served in turn).
    """

    def __init__(
        self, connection: Connection, namespace: str, lease: float, fallback: LocalLimits
    ) -> None:
        self.connection = connection
        self.slots_key = f"{namespace}:slots"
        self.pause_key = f"{namespace}:pause"
        self.pause_channel = f"{namespace}:pauses"
        self.lease = lease
        self.fallback = fallback
        self.lock = threading.Lock()
        self.held: list[tuple[str, int]] = []  # slots and how often each was handed over
        self.waiting: collections.deque[_Waiter] = collections.deque()
        self.asking: dict[str, int] = {}  # budget scope: threads of this process asking Redis
        self.threads = threading.local()
        self.fallback_until = 0.0
        self.pid = os.getpid()
        self.heartbeat: threading.Thread | None = None
        # What the heartbeat thread knows: whether it hears of every pause (subscribed to the
        # pause channel), until when the fleet is paused, and whether the last renewal found
        # every slot held here still counted.
        self.listening = False
        self.paused_until = 0.0  # time.monotonic()
        self.leases_ok = True

    def condition(self) -> threading.Condition:
        """The calling thread's condition on the lock, made once and kept (waiting threads
        are woken by its `notify`)."""
        ready: threading.Condition | None = getattr(self.threads, "ready", None)
        if ready is None:
            ready = self.threads.ready = threading.Condition(self.lock)
        return ready

    def forked(self) -> None:
        """Under the lock: a forked child inherits no slots, no waiting threads, no thread."""
        if self.pid != os.getpid():
            self.pid, self.held, self.heartbeat = os.getpid(), [], None
            self.waiting, self.asking = collections.deque(), {}
            self.listening, self.leases_ok = False, True

    def hold(self, slot: str, passes: int = 0) -> None:
        with self.lock:
            self.forked()
            self.held.append((slot, passes))
            if slot not in (_LOCAL, _NO_SLOT) and self.heartbeat is None:
                self.heartbeat = threading.Thread(
                    target=self._beat, name="sage-redis-limits", daemon=True
                )
                self.heartbeat.start()

    def pop(self) -> tuple[str, int] | None:
        with self.lock:
            return self.held.pop() if self.held else None

    def hand_over(self, slot: str, passes: int) -> bool:
        """Give a freed slot to the first thread or task waiting here, if any."""
        with self.lock:
            while self.waiting:
                waiter = self.waiting.popleft()
                waiter.slot, waiter.passes, waiter.outcome = slot, passes + 1, "slot"
                if _woken(waiter):
                    return True
            return False

    def start_asking(self, scope: str) -> None:
        """Under the lock."""
        self.asking[scope] = self.asking.get(scope, 0) + 1

    def stop_asking(self, scope: str, *, everyone: bool = False) -> None:
        """Under the lock: a thread stopped asking Redis. When it was the last one for its
        scope, the first thread waiting here for that scope asks next; `everyone` (Redis
        failed) sends every waiting thread to ask for itself, so that each meets the failure
        within its own time bound instead of one after another."""
        left = self.asking.pop(scope, 0) - 1
        if left > 0:
            self.asking[scope] = left
            if not everyone:
                return  # another thread still asks for this scope
        for waiter in list(self.waiting):
            if everyone or waiter.scope == scope:
                self.waiting.remove(waiter)
                waiter.outcome = "ask"
                if not _woken(waiter):
                    continue
                self.start_asking(waiter.scope)
                if not everyone:
                    return

    def heard_pause(self, seconds: float) -> None:
        with self.lock:
            self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def may_start_unasked(self) -> bool:
        """Whether a slot handed over here may start without asking Redis, when no budget is
        counted: this process hears of every pause and none holds, and every slot held here
        was still counted at the last renewal."""
        return self.listening and self.leases_ok and time.monotonic() >= self.paused_until

    def _beat(self) -> None:
        """Renew the leases of the slots held here every `lease / 3` seconds and, in between,
        listen for pauses."""
        every = self.lease / 3
        due = time.monotonic() + every
        pubsub: Any = None
        while True:
            left = due - time.monotonic()
            if left > 0:
                pubsub = self._listen(pubsub, left)
                continue
            due = time.monotonic() + every
            self._renew()

    def _listen(self, pubsub: Any, seconds: float) -> Any:
        """Wait up to `seconds` for news of a pause; the subscription, once confirmed, reads
        the pause already set. Returns the subscription to go on with (None: broken)."""
        try:
            if pubsub is None:
                pubsub = self.connection.client.pubsub()  # type: ignore[no-untyped-call]
                pubsub.subscribe(self.pause_channel)
            message = pubsub.get_message(timeout=seconds)
            if message is None:
                return pubsub
            if message["type"] == "subscribe":
                self.heard_pause(_pause_left(self.connection.client, self.pause_key))
                self.listening = True
            elif message["type"] == "message":
                self.heard_pause(int(message["data"]) / 1000)
            return pubsub
        except (redis.exceptions.RedisError, OSError, ValueError):
            self.listening = False
            if pubsub is not None:
                with contextlib.suppress(redis.exceptions.RedisError, OSError):
                    pubsub.close()
            time.sleep(min(seconds, 1.0))
            return None

    def _renew(self) -> None:
        lease_ms = max(1, int(self.lease * 1000))
        with self.lock:
            slots = [slot for slot, _ in self.held if slot not in (_LOCAL, _NO_SLOT)]
        if not slots:
            self.leases_ok = True
            return
        try:
            renewed = _RENEW.run(self.connection.client, [self.slots_key], [lease_ms, *slots])
        except (redis.exceptions.RedisError, OSError) as exc:
            self.leases_ok = False
            logger.warning(
                "Redis at %s: renewing %d slot lease(s) failed (%s)",
                self.connection.url,
                len(slots),
                type(exc).__name__,
            )
            return
        self.leases_ok = renewed == len(slots)
        if renewed < len(slots):
            logger.warning(
                "Redis at %s: %d slot lease(s) ran out while their requests ran",
                self.connection.url,
                len(slots) - renewed,
            )


class RedisLimits(Limits):
    """Sage's limits shared by every process that uses the same Redis and `namespace`.

    - `concurrency`: requests in flight across the fleet (Sage: 150 per app).
    - `app_per_day`: requests a day across the fleet (Sage: 1,296,000 per app).
    - `per_minute`, `per_day`: budgets per connection (`budget_scope="connection"`, the
      default: `for_connection(name)` gives each customer's budget) or per business
      (`"business"`, by the X-Business header). `None` disables a limit.
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
        per_minute: int | None = DEFAULT_PER_MINUTE,
        per_day: int | None = DEFAULT_PER_DAY,
        app_per_day: int | None = DEFAULT_APP_PER_DAY,
        budget_scope: BudgetScope = "connection",
        connection_name: str = "default",
        lease: float = 10.0,
        on_redis_error: OnRedisError = "fail",
        timeout: float = DEFAULT_TIMEOUT,
        poll: float = 0.25,
        retry_redis_after: float = 5.0,
        handovers: int = 8,
        _shared: _Shared | None = None,
    ) -> None:
        for name, value in (
            ("concurrency", concurrency),
            ("per_minute", per_minute),
            ("per_day", per_day),
            ("app_per_day", app_per_day),
        ):
            if value is not None and (isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive whole number or None, not {value!r}")
        if budget_scope not in ("connection", "business"):
            raise ValueError(
                f"budget_scope must be 'connection' or 'business', not {budget_scope!r}"
            )
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
        self._counts_nothing = per_minute is None and per_day is None and app_per_day is None
        self._shared = _shared or _Shared(
            Connection(url, timeout=timeout),
            namespace,
            lease,
            LocalLimits(
                concurrency=concurrency,
                per_minute=per_minute,
                per_day=per_day,
                budget_scope=budget_scope,
            ),
        )
        self._prefix = f"{namespace}:"
        self._base_keys = [
            self._prefix + name
            for name in (
                "slots",
                "queue",
                "queue:lease",
                "queue:blocked",
                "queue:seq",
                "pause",
                "queue:info",
            )
        ]
        base = self._base_keys
        self._release_keys = [key.encode() for key in (base[0], base[1], base[2], base[3],
                                                        base[5], base[6])]  # fmt: skip
        self._concurrency_arg = str(concurrency or 0).encode()
        release = [b"EVALSHA", _RELEASE.sha.encode(), b"%d" % _RELEASE_KEYS, *self._release_keys]
        self._release_head = head(release, following=4)  # prefix, slot, abandoned, concurrency
        self._acquire_args = [
            str(value).encode()
            for value in (
                self._prefix,
                concurrency or 0,
                max(1, int(lease * 1000)),  # a slot's lease
                max(3000, int(poll * 12_000)),  # a waiter's place in the queue, renewed each poll
                app_per_day or 0,
                per_minute or 0,
                per_day or 0,
                max(1, int(poll * 1000)),
            )
        ]
        self._scope_keys: dict[str, list[bytes]] = {}
        self._packed_heads: dict[str, bytes] = {}  # the acquire command up to the ticket
        self._take_over_heads: dict[str, bytes] = {}  # the take-over command up to the slot
        self._poll_arg = repr(float(poll)).encode()
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

    # --- what the scripts get -----------------------------------------------------------------

    def _scope(self, business: str | None) -> str:
        if self.budget_scope == "business":
            return f"business:{business or '-'}"
        return f"connection:{self.connection_name}"

    def _keys(self, scope: str) -> list[bytes]:
        """The acquire script's keys for requests counted under `scope`, encoded once."""
        keys = self._scope_keys.get(scope)
        if keys is None:
            names = [
                *self._base_keys[:6],
                self._prefix + "budget:app:day",
                f"{self._prefix}budget:{scope}:minute",
                f"{self._prefix}budget:{scope}:day",
                self._base_keys[6],
            ]
            if len(self._scope_keys) >= 1024:  # many businesses: keep the caches bounded
                self._scope_keys.clear()
                self._packed_heads.clear()
                self._take_over_heads.clear()
            keys = self._scope_keys[scope] = [name.encode() for name in names]
        return keys

    def _acquire_words(self, business: str | None, ticket: str) -> tuple[list[bytes], bytes]:
        """The acquire script's keys and arguments, and the waiter's box."""
        words = [*self._keys(self._scope(business)), *self._acquire_args, ticket.encode(), b"0"]
        return words, f"{self._prefix}wake:{ticket}".encode()

    def _acquire_packed(self, business: str | None, ticket: str) -> bytes:
        """The acquire script and the BLPOP behind it, packed: the constant head once per scope
        (see `_keys`), the ticket and the box per call."""
        scope = self._scope(business)
        start = self._packed_heads.get(scope)
        if start is None:
            words = [b"EVALSHA", _ACQUIRE.sha.encode(), b"%d" % _ACQUIRE_KEYS]
            words += [*self._keys(scope), *self._acquire_args]
            start = self._packed_heads[scope] = head(words, following=2)  # ticket, followed
        box = f"{self._prefix}wake:{ticket}".encode()
        followed = word(ticket.encode()) + word(b"1")
        return start + followed + pack(b"BLPOP", box, self._poll_arg)

    def _take_over_words(self, business: str | None, slot: str) -> list[bytes]:
        """The take-over script's keys and arguments."""
        return [*self._keys(self._scope(business)), *self._acquire_args, slot.encode()]

    def _take_over_packed(self, business: str | None, slot: str) -> tuple[bytes, list[bytes]]:
        """The take-over script packed (its constant head once per scope), and its words."""
        scope = self._scope(business)
        words = self._take_over_words(business, slot)
        start = self._take_over_heads.get(scope)
        if start is None:
            command = [b"EVALSHA", _TAKE_OVER.sha.encode(), b"%d" % _ACQUIRE_KEYS, *words[:-1]]
            start = self._take_over_heads[scope] = head(command, following=1)  # the slot
        return start + word(words[-1]), words

    def _release_words(self, slot: str, abandoned: str) -> list[bytes]:
        return [*self._release_keys, self._prefix.encode(), slot.encode(), abandoned.encode(),
                self._concurrency_arg]  # fmt: skip

    def _wait_seconds(self, wait_ms: int) -> float:
        if wait_ms < 0:
            return self.poll
        return max(0.001, min(self.poll, wait_ms / 1000))

    def _answer(self, answer: Sequence[Any]) -> tuple[bool, float, bool]:
        """Read the acquire script's answer and the BLPOP sent behind it: (granted, seconds to
        sleep before asking again, whether the request had to wait)."""
        if answer is _ASK_AGAIN:  # the scripts had to be loaded again: no wait
            return False, 0.0, False
        (granted, wait_ms), popped = answer
        if popped is not None and popped[1] in _GRANTED:
            return True, 0.0, not granted  # at once, or handed a slot by a release
        if popped is not None:  # 'retry': a wait shorter than a poll, slept here
            return False, self._wait_seconds(int(wait_ms)), True
        return False, 0.0, True  # the BLPOP waited a whole poll: ask again at once

    # --- falling back -------------------------------------------------------------------------

    def _local_now(self) -> bool:
        return self.on_redis_error == "local" and time.monotonic() < self._shared.fallback_until

    def _fall_back(self, error: RedisUnavailableError) -> None:
        message = (
            f"{error}; counting limits in this process only for {self.retry_redis_after:g}s "
            "(on_redis_error='local')"
        )
        logger.warning("%s", message)
        warnings.warn(message, RuntimeWarning, stacklevel=4)
        self._shared.fallback_until = time.monotonic() + self.retry_redis_after

    # --- the Limits seam ----------------------------------------------------------------------

    def acquire(self, business: str | None) -> None:
        if self._local_now():
            self._shared.fallback.acquire(business)
            self._shared.hold(_LOCAL)
            return
        try:
            slot, passes = self._acquire_redis(business)
        except RedisUnavailableError as error:
            if self.on_redis_error != "local":
                raise
            self._fall_back(error)
            self._shared.fallback.acquire(business)
            slot, passes = _LOCAL, 0
        self._shared.hold(slot, passes)

    def _acquire_redis(self, business: str | None) -> tuple[str, int]:
        """A slot (and how often it was handed over): handed over by a thread of this process,
        or asked of Redis when no other thread here is asking for the same scope already."""
        if not self.handovers:
            return self._ask(business), 0
        scope = self._scope(business)
        ready = self._shared.condition()
        waiter = self._line_up(scope, ready.notify)
        if waiter is not None and self._wait_here(waiter, ready):
            if self._take_over(business, waiter.slot):
                return waiter.slot, waiter.passes
            self._start_asking(scope)  # it went back to the fleet's queue: ask there
        with self._asking(scope):
            return self._ask(business), 0

    def _line_up(self, scope: str, wake: Callable[[], object]) -> _Waiter | None:
        """Wait in this process's line (the waiter returned) when another thread or task of
        the process already asks Redis for `scope`; otherwise ask (None)."""
        shared = self._shared
        with shared.lock:
            shared.forked()
            if not shared.asking.get(scope):
                shared.start_asking(scope)
                return None
            waiter = _Waiter(scope, wake)
            shared.waiting.append(waiter)
            self.throttled_waits += 1
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

    def _wait_here(self, waiter: _Waiter, ready: threading.Condition) -> bool:
        """Wait in this process's line until handed a slot (True) or told to ask Redis (False;
        counted as asking by whoever said so)."""
        try:
            with self._shared.lock:
                while waiter.outcome is None:
                    ready.wait()
        except BaseException:
            if self._leave_line(waiter):  # handed one meanwhile: pass it on
                self._give_back(waiter.slot, waiter.passes)
            raise
        return waiter.outcome == "slot"

    def _leave_line(self, waiter: _Waiter) -> bool:
        """A waiter gives up: out of the line, or no longer asking. True when it was handed a
        slot, which the caller must pass on."""
        shared = self._shared
        with shared.lock:
            if waiter in shared.waiting:
                shared.waiting.remove(waiter)
            elif waiter.outcome == "ask":
                shared.stop_asking(waiter.scope)
            return waiter.outcome == "slot"

    def _take_over(self, business: str | None, slot: str) -> bool:
        """Start on a slot handed over here if the pause and the budgets allow (one script;
        none when no budget is counted and this process hears of every pause); otherwise the
        script has put the slot back in the fleet's queue."""
        if self._counts_nothing and self._shared.may_start_unasked():
            return True
        connection = self._shared.connection
        packed, words = self._take_over_packed(business, slot)

        def send(client: redis.Redis) -> Any:
            try:
                return exchange(connection, packed, 1, "taking over a request slot")[0]
            except redis.exceptions.NoScriptError:  # flushed since: EVAL loads it again
                return _TAKE_OVER.run_words(client, _ACQUIRE_KEYS, words)

        try:
            return bool(connection.call(send, "taking over a request slot"))
        except RedisUnavailableError:
            raise  # the slot's lease frees it
        except BaseException:
            self._release_slot(slot)  # interrupted: the slot may still be held
            raise

    def _ask(self, business: str | None) -> str:
        connection = self._shared.connection
        ticket = secrets.token_hex(12)
        packed = self._acquire_packed(business, ticket)

        def attempt(client: redis.Redis) -> Any:
            # One round trip: the script, and the wait for a slot behind it (which returns at
            # once when the script granted one or asked for a short sleep).
            _ACQUIRE.ensure_loaded(client, connection)
            try:
                return exchange(connection, packed, 2, "acquiring a request slot")
            except redis.exceptions.NoScriptError:  # flushed since: load it and ask again
                connection.scripts.discard(_ACQUIRE.sha)
                return _ASK_AGAIN

        try:
            counted = False
            while True:
                answer = connection.call(attempt, "acquiring a request slot")
                granted, sleep, waited = self._answer(answer)
                if waited and not counted:
                    self.throttled_waits += 1
                    counted = True
                if granted:
                    return ticket if self.concurrency else _NO_SLOT
                if sleep:
                    time.sleep(sleep)
        except RedisUnavailableError:
            raise  # the queue lease removes the ticket: another call would only add time
        except BaseException:
            self._abandon(ticket)
            raise

    def _abandon(self, ticket: str) -> None:
        """Leave the queue (and pass a wake-up on); the queue lease covers a failure here."""
        with contextlib.suppress(redis.exceptions.RedisError, OSError):
            _RELEASE.run_words(
                self._shared.connection.client, _RELEASE_KEYS, self._release_words("", ticket)
            )

    async def aacquire(self, business: str | None) -> None:
        if self._local_now():
            await self._shared.fallback.aacquire(business)
            self._shared.hold(_LOCAL)
            return
        try:
            slot, passes = await self._aacquire_redis(business)
        except RedisUnavailableError as error:
            if self.on_redis_error != "local":
                raise
            self._fall_back(error)
            await self._shared.fallback.aacquire(business)
            slot, passes = _LOCAL, 0
        self._shared.hold(slot, passes)

    async def _aacquire_redis(self, business: str | None) -> tuple[str, int]:
        """The async twin of `_acquire_redis`: tasks wait in the same line as threads."""
        if not self.handovers:
            return await self._aask(business), 0
        scope = self._scope(business)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = self._line_up(
            scope, functools.partial(loop.call_soon_threadsafe, _resolve, future)
        )
        if waiter is not None and await self._await_here(waiter, future):
            if await self._atake_over(business, waiter.slot):
                return waiter.slot, waiter.passes
            self._start_asking(scope)
        with self._asking(scope):
            return await self._aask(business), 0

    async def _await_here(self, waiter: _Waiter, future: asyncio.Future[None]) -> bool:
        try:
            await future
        except BaseException:
            if self._leave_line(waiter):
                await self._agive_back(waiter.slot, waiter.passes)
            raise
        return waiter.outcome == "slot"

    async def _atake_over(self, business: str | None, slot: str) -> bool:
        if self._counts_nothing and self._shared.may_start_unasked():
            return True
        words = self._take_over_words(business, slot)

        async def send(client: redis.asyncio.Redis) -> Any:
            return await _TAKE_OVER.arun_words(client, _ACQUIRE_KEYS, words)

        try:
            return bool(await self._shared.connection.acall(send, "taking over a request slot"))
        except RedisUnavailableError:
            raise
        except BaseException:
            await self._arelease_slot(slot)
            raise

    async def _aask(self, business: str | None) -> str:
        connection = self._shared.connection
        ticket = secrets.token_hex(12)
        words, box = self._acquire_words(business, ticket)

        # Two calls, not one pipelined round trip as in the sync twin: a task cancelled while
        # a pipeline waits would hand its connection back with an answer still to come, which
        # the connection's next user would read as its own. Single commands are safe.
        async def ask(client: redis.asyncio.Redis) -> Sequence[int]:
            answer: Sequence[int] = await _ACQUIRE.arun_words(client, _ACQUIRE_KEYS, words)
            return answer

        try:
            counted = False
            while True:
                granted, wait_ms = await connection.acall(ask, "acquiring a request slot")
                if granted:
                    return ticket if self.concurrency else _NO_SLOT
                if not counted:
                    self.throttled_waits += 1
                    counted = True
                seconds = self._wait_seconds(int(wait_ms))

                async def wait(client: redis.asyncio.Redis, seconds: float = seconds) -> Any:
                    return await client.blpop([box], timeout=seconds)  # type: ignore[misc]

                if await connection.acall(wait, "waiting for a slot") is not None:
                    return ticket  # a release handed this waiter its slot
        except RedisUnavailableError:
            raise
        except BaseException:
            await self._aabandon(ticket)
            raise

    async def _aabandon(self, ticket: str) -> None:
        with contextlib.suppress(redis.exceptions.RedisError, OSError, RuntimeError):
            await _RELEASE.arun_words(
                self._shared.connection.async_client,
                _RELEASE_KEYS,
                self._release_words("", ticket),
            )

    def release(self) -> None:
        held = self._shared.pop()
        if held is None or held[0] == _NO_SLOT:
            return
        slot, passes = held
        if slot == _LOCAL:
            self._shared.fallback.release()
            return
        self._give_back(slot, passes)

    def _give_back(self, slot: str, passes: int) -> None:
        """Hand a freed slot to a thread waiting here, or back to the fleet's queue."""
        if passes < self.handovers and self._shared.hand_over(slot, passes):
            return
        self._release_slot(slot)

    def _release_slot(self, slot: str) -> None:
        connection = self._shared.connection
        words = self._release_words(slot, "")
        packed = self._release_head + b"".join(map(word, words[_RELEASE_KEYS:]))

        def send(client: redis.Redis) -> None:
            try:
                exchange(connection, packed, 1, "releasing a request slot")
            except redis.exceptions.NoScriptError:  # flushed since: EVAL loads it again
                _RELEASE.run_words(client, _RELEASE_KEYS, words)

        try:
            connection.call(send, "releasing a request slot")
        except RedisUnavailableError as error:
            # Never turn a finished request into an error: the slot's lease frees it.
            logger.warning("%s; the slot returns when its lease runs out", error)

    async def arelease(self) -> None:
        held = self._shared.pop()
        if held is None or held[0] == _NO_SLOT:
            return
        slot, passes = held
        if slot == _LOCAL:
            self._shared.fallback.release()
            return
        await self._agive_back(slot, passes)

    async def _agive_back(self, slot: str, passes: int) -> None:
        if passes < self.handovers and self._shared.hand_over(slot, passes):
            return
        await self._arelease_slot(slot)

    async def _arelease_slot(self, slot: str) -> None:
        try:
            await _RELEASE.arun_words(
                self._shared.connection.async_client, _RELEASE_KEYS, self._release_words(slot, "")
            )
        except (redis.exceptions.RedisError, OSError) as exc:
            logger.warning(
                "%s; the slot returns when its lease runs out",
                self._shared.connection.error(exc, "releasing a request slot"),
            )

    def pause(self, seconds: float) -> None:
        self._shared.fallback.pause(seconds)
        self._shared.heard_pause(seconds)
        if self._local_now():
            return
        ms = max(1, int(seconds * 1000))
        keys = [self._shared.pause_key, self._shared.pause_channel]
        try:
            self._shared.connection.call(
                lambda client: _PAUSE.run(client, keys, [ms]), "pausing the fleet"
            )
        except RedisUnavailableError as error:
            if self.on_redis_error != "local":
                raise
            self._fall_back(error)

    async def apause(self, seconds: float) -> None:
        self._shared.fallback.pause(seconds)
        self._shared.heard_pause(seconds)
        if self._local_now():
            return
        ms = max(1, int(seconds * 1000))
        keys = [self._shared.pause_key, self._shared.pause_channel]

        async def run(client: redis.asyncio.Redis) -> Any:
            return await _PAUSE.arun(client, keys, [ms])

        try:
            await self._shared.connection.acall(run, "pausing the fleet")
        except RedisUnavailableError as error:
            if self.on_redis_error != "local":
                raise
            self._fall_back(error)

    # --- looking in ---------------------------------------------------------------------------

    def fleet_in_flight(self) -> int:
        """Slots held across the fleet right now (leases not yet run out)."""
        slots = self._base_keys[0]

        def count(client: redis.Redis) -> int:
            seconds, micros = cast("tuple[int, int]", client.time())
            now = seconds * 1000 + micros // 1000
            return int(cast("int", client.zcount(slots, f"({now}", "+inf")))

        return self._shared.connection.call(count, "counting slots")

    def paused_for(self) -> float:
        """Seconds the fleet is still paused for (0.0: not paused)."""
        key = self._shared.pause_key
        return self._shared.connection.call(
            lambda client: _pause_left(client, key), "reading the pause"
        )
