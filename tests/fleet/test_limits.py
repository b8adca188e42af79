"""RedisLimits on a real redis-server. Separate instances stand for separate processes: each has
its own clients, held slots and lease renewal (the fleet tests use real processes)."""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from typing import Any

import pytest
import redis

from sage_accounting import SageAccounting, Token
from sage_accounting._retry import RetryPolicy
from sage_accounting.fleet import RedisLimits
from sage_accounting.testing import SageEmulator
from tests.waiting import until


def _limits(url: str, **options: Any) -> RedisLimits:
    settings: dict[str, Any] = {
        "namespace": "t",
        "concurrency": 3,
        "per_minute": None,
        "per_day": None,
        "app_per_day": None,
    }
    settings.update(options)
    return RedisLimits(url, **settings)


def test_the_cap_holds_across_instances(redis_url: str) -> None:
    fleet = [_limits(redis_url) for _ in range(3)]
    inside, most = [0], [0]
    guard = threading.Lock()

    def work(limits: RedisLimits) -> None:
        for _ in range(15):
            limits.acquire(None)
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.005)
            with guard:
                inside[0] -= 1
            limits.release()

    threads = [threading.Thread(target=work, args=(fleet[n % 3],)) for n in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 3
    assert fleet[0].fleet_in_flight() == 0
    assert redis.Redis.from_url(redis_url).zcard("t:queue") == 0


def test_waiters_are_served_first_come_first_served(redis_url: str) -> None:
    holder = _limits(redis_url, concurrency=1)
    holder.acquire(None)
    order: list[int] = []
    fleet = [_limits(redis_url, concurrency=1) for _ in range(5)]

    def wait(n: int) -> None:
        fleet[n].acquire(None)
        order.append(n)
        fleet[n].release()

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=wait, args=(n,)))
        threads[-1].start()
        time.sleep(0.1)  # queued in this order
    holder.release()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]


def test_no_worker_starves(redis_url: str) -> None:
    fleet = [_limits(redis_url, concurrency=2) for _ in range(3)]
    counts: collections.Counter[int] = collections.Counter()
    stop = time.monotonic() + 2.0

    def work(n: int) -> None:
        limits = fleet[n % 3]
        while time.monotonic() < stop:
            limits.acquire(None)
            time.sleep(0.005)
            limits.release()
            counts[n] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mean = sum(counts.values()) / 9
    assert min(counts[n] for n in range(9)) >= 0.6 * mean, counts


def test_budgets_per_business_and_per_app_are_shared_and_atomic(redis_url: str) -> None:
    a = _limits(redis_url, per_minute=4, budget_scope="business", app_per_day=6)
    b = _limits(redis_url, per_minute=4, budget_scope="business", app_per_day=6)
    for limits in (a, b, a, b):
        limits.acquire("X")
        limits.release()

    async def blocked(limits: RedisLimits, business: str) -> bool:
        try:
            await asyncio.wait_for(limits.aacquire(business), 0.4)
        except asyncio.TimeoutError:
            return True
        await limits.arelease()
        return False

    assert asyncio.run(blocked(b, "X"))  # X spent its 4 a minute, across both instances
    assert not asyncio.run(blocked(a, "Y"))  # Y has its own minute, and is not held up by X
    assert not asyncio.run(blocked(b, "Z"))
    assert asyncio.run(blocked(a, "W"))  # 6 a day for the app
    assert redis.Redis.from_url(redis_url).zcard("t:queue") == 0  # given up waiters left


def test_budgets_per_connection(redis_url: str) -> None:
    app = _limits(redis_url, per_minute=2)
    one, two = app.for_connection("customer-1"), app.for_connection("customer-2")
    for limits in (one, one, two, two):
        limits.acquire("any business")
        limits.release()

    async def blocked(limits: RedisLimits) -> bool:
        try:
            await asyncio.wait_for(limits.aacquire(None), 0.3)
        except asyncio.TimeoutError:
            return True
        await limits.arelease()
        return False

    assert asyncio.run(blocked(one)) and asyncio.run(blocked(two))
    assert not asyncio.run(blocked(app.for_connection("customer-3")))


def test_async_tasks_share_the_cap(redis_url: str) -> None:
    limits = _limits(redis_url, concurrency=4)
    other = _limits(redis_url, concurrency=4)
    inside, most = [0], [0]

    async def work(limits: RedisLimits) -> None:
        for _ in range(8):
            await limits.aacquire("B")
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            await asyncio.sleep(0.005)
            inside[0] -= 1
            await limits.arelease()

    async def run() -> None:
        await asyncio.gather(*(work(limits if n % 2 else other) for n in range(10)))

    asyncio.run(run())
    assert most[0] == 4 and limits.fleet_in_flight() == 0


def test_a_pause_holds_the_whole_fleet(redis_url: str) -> None:
    one, two = _limits(redis_url), _limits(redis_url)
    one.pause(0.6)
    assert 0.3 < two.paused_for() <= 0.6
    started = time.monotonic()
    two.acquire(None)
    two.release()
    assert time.monotonic() - started >= 0.5


def test_a_pause_shorter_than_a_poll_ends_when_it_ends(redis_url: str) -> None:
    # A waiter checks every `poll` seconds when nothing wakes it; a short pause must not cost
    # a whole poll (the script tells the waiter to sleep just that long).
    one, two = _limits(redis_url), _limits(redis_url, poll=1.5, timeout=4.0)
    one.pause(0.2)
    started = time.monotonic()
    two.acquire(None)
    waited = time.monotonic() - started
    two.release()
    assert 0.15 <= waited < 1.0
    assert two.throttled_waits == 1


def test_a_url_that_decodes_answers_works_too(redis_url: str) -> None:
    limits = _limits(redis_url + "?decode_responses=true", concurrency=1)
    other = _limits(redis_url + "?decode_responses=true", concurrency=1)
    limits.acquire(None)
    assert limits.fleet_in_flight() == 1

    def wait_for_the_slot() -> None:
        other.acquire(None)
        other.release()

    waiting = threading.Thread(target=wait_for_the_slot)
    waiting.start()
    time.sleep(0.1)
    limits.release()  # hands the slot to the waiter
    waiting.join(timeout=5)
    assert not waiting.is_alive() and other.fleet_in_flight() == 0


def test_acquiring_goes_on_after_the_scripts_were_flushed(redis_url: str) -> None:
    limits = _limits(redis_url, poll=0.2)
    limits.acquire(None)
    limits.release()
    redis.Redis.from_url(redis_url).script_flush()  # as an operator or a restart would
    limits.acquire(None)
    assert limits.fleet_in_flight() == 1
    limits.release()
    assert limits.fleet_in_flight() == 0
    assert limits.throttled_waits == 0  # loading the scripts again is no wait for a slot

    async def run() -> None:
        await limits.aacquire(None)
        redis.Redis.from_url(redis_url).script_flush()
        await limits.arelease()
        await limits.aacquire(None)
        await limits.arelease()

    asyncio.run(run())
    assert limits.fleet_in_flight() == 0


def test_async_waits_cancelled_mid_wait_leave_the_connections_sound(redis_url: str) -> None:
    holder = _limits(redis_url, concurrency=1)
    holder.acquire(None)
    limits = _limits(redis_url, concurrency=1, poll=0.2)

    async def run() -> None:
        for _ in range(5):  # each cancellation lands while the wait is blocked in Redis
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(limits.aacquire(None), 0.05)
        assert await limits._shared.connection.async_client.ping()
        holder.release()
        await asyncio.wait_for(limits.aacquire(None), 2.0)
        assert limits.fleet_in_flight() == 1
        await limits.arelease()

    asyncio.run(run())
    assert limits.fleet_in_flight() == 0
    client = redis.Redis.from_url(redis_url)
    assert client.zcard("t:queue") == 0 and client.keys("t:wake:*") == []


def test_a_429_with_retry_after_pauses_the_other_workers(redis_url: str) -> None:
    fake = SageEmulator(seed=7)
    fake.faults.script(["429"], retry_after=1)

    def client() -> SageAccounting:
        return SageAccounting(
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            base_url=fake.api_base_url,
            token_url=fake.token_url,
            transport=fake.transport,
            token=Token.from_response(fake.issue_token(), now=fake.clock.now()),
            limits=_limits(redis_url, concurrency=10),
            retry_policy=RetryPolicy(max_retries=3),
        )

    first, second = client(), client()
    seen = threading.Thread(target=lambda: first.request("GET", "/contacts"))
    seen.start()
    # Once the first worker has had its 429 and paused the fleet (the emulator counts the 429
    # a moment before the worker reads it), the second worker's request must wait.
    until(lambda: _limits(redis_url).paused_for() > 0)
    started = time.monotonic()
    assert second.request("GET", "/contacts").status_code == 200
    waited = time.monotonic() - started
    seen.join()
    assert waited >= 0.8  # the other worker's Retry-After held this one back too
    assert fake.stats.by_status[429] == 1


def test_no_concurrency_cap(redis_url: str) -> None:
    limits = _limits(redis_url, concurrency=None, per_minute=100)
    for _ in range(20):
        limits.acquire(None)
    for _ in range(20):
        limits.release()
    assert limits.fleet_in_flight() == 0


def test_settings_are_checked(redis_url: str) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        _limits(redis_url, concurrency=0)
    with pytest.raises(ValueError, match="on_redis_error"):
        _limits(redis_url, on_redis_error="ignore")
    with pytest.raises(ValueError, match="budget_scope"):
        _limits(redis_url, budget_scope="user")


def test_the_defaults_are_what_sage_documents_for_v3_1(redis_url: str) -> None:
    limits = RedisLimits(redis_url, namespace="defaults")
    assert (limits.concurrency, limits.app_per_day) == (150, 1_296_000)
    assert (limits.per_minute, limits.per_day) == (None, None)  # no v3.1 figure: opt-in
    for _ in range(300):  # more than the old 100-a-minute default, without a wait
        assert limits.acquire(None) is None
        limits.release()
    assert limits.throttled_waits == 0


def test_a_wait_says_what_held_it(redis_url: str) -> None:
    limits = _limits(redis_url, namespace="held", concurrency=1, poll=0.05)
    limits.pause(0.2)  # Sage's Retry-After, heard by the whole fleet
    waited = limits.acquire(None)
    assert waited is not None and set(waited) == {"retry_after"}
    holder_done = threading.Event()

    def hold_then_release() -> None:
        holder_done.wait(5)
        limits.release()

    threading.Thread(target=hold_then_release, daemon=True).start()
    other = _limits(redis_url, namespace="held", concurrency=1, poll=0.05)
    threading.Timer(0.1, holder_done.set).start()
    waited = other.acquire(None)  # the one slot is held until the holder releases it
    assert waited is not None and set(waited) == {"concurrency"}
    other.release()
