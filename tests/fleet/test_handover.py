"""Slots handed over inside a process (`RedisLimits(handovers=...)`): threads of one process take
turns locally, a bounded number of times, with the pause and the budgets still counted on Redis.
Separate instances stand for separate processes."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
import redis

from sage_accounting.fleet import RedisLimits, RedisUnavailableError
from tests.waiting import until

from .fleet import RedisServer
from .test_limits import _limits


def _evalsha_calls(url: str) -> int:
    stats = cast("dict[str, dict[str, int]]", redis.Redis.from_url(url).info("commandstats"))
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


def _start(target: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_threads_of_one_process_take_turns_without_asking_redis_each_time(
    redis_url: str,
) -> None:
    limits = _limits(redis_url, concurrency=2)
    inside, most, turns = [0], [0], [0]
    guard = threading.Lock()

    def work() -> None:
        for _ in range(25):
            limits.acquire(None)
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.002)
            with guard:
                inside[0] -= 1
                turns[0] += 1
            limits.release()

    redis.Redis.from_url(redis_url).config_resetstat()
    threads = [_start(work) for _ in range(6)]
    for thread in threads:
        thread.join(timeout=30)
    assert turns[0] == 150 and most[0] == 2
    assert limits.fleet_in_flight() == 0
    # Nothing is counted but the cap, so a handed-over turn costs no script. Asking Redis each
    # time costs two a turn (300 here, measured with handovers=0); handing over up to 8 times
    # in a row costs 40-80 depending on how the threads are scheduled.
    assert _evalsha_calls(redis_url) < 150


def test_tasks_of_one_process_take_turns_too(redis_url: str) -> None:
    limits = _limits(redis_url, concurrency=2)
    inside, most, turns = [0], [0], [0]

    async def work() -> None:
        for _ in range(25):
            await limits.aacquire(None)
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            await asyncio.sleep(0.002)
            inside[0] -= 1
            turns[0] += 1
            await limits.arelease()

    async def run() -> None:
        await asyncio.gather(*(work() for _ in range(6)))

    redis.Redis.from_url(redis_url).config_resetstat()
    asyncio.run(run())
    assert turns[0] == 150 and most[0] == 2
    assert limits.fleet_in_flight() == 0
    assert _evalsha_calls(redis_url) < 150  # fewer than one a turn (see the threads' test)


def test_a_thread_hands_its_slot_to_a_task_waiting_in_another_thread(redis_url: str) -> None:
    limits = _limits(redis_url, concurrency=1, poll=0.1)
    limits.acquire(None)
    done: list[str] = []

    async def wait(name: str) -> None:
        await limits.aacquire(None)
        done.append(name)
        await asyncio.sleep(0.01)
        await limits.arelease()

    async def run() -> None:
        asking = asyncio.ensure_future(wait("asking"))
        await asyncio.sleep(0.1)
        await asyncio.gather(asking, wait("in line"))

    loop = _start(lambda: asyncio.run(run()))
    time.sleep(0.2)
    limits.release()  # from this thread to the task waiting in the line
    loop.join(timeout=5)
    assert done == ["in line", "asking"]
    assert limits.fleet_in_flight() == 0


def test_a_task_cancelled_while_waiting_here_leaves_nothing_behind(redis_url: str) -> None:
    limits = _limits(redis_url, concurrency=1, poll=0.1)

    async def run() -> None:
        await limits.aacquire(None)
        asking = asyncio.ensure_future(limits.aacquire(None))  # asks Redis
        await asyncio.sleep(0.05)
        with pytest.raises(asyncio.TimeoutError):  # waits here, behind it, and gives up
            await asyncio.wait_for(limits.aacquire(None), 0.1)
        await limits.arelease()  # nobody waits here any more: the slot goes to the queue
        await asyncio.wait_for(asking, 2)
        assert limits.fleet_in_flight() == 1
        await limits.arelease()

    asyncio.run(run())
    assert limits.fleet_in_flight() == 0


def test_hand_overs_are_bounded_so_other_processes_get_their_turn(redis_url: str) -> None:
    busy = _limits(redis_url, concurrency=1, handovers=2)
    other = _limits(redis_url, concurrency=1, handovers=2)
    grants: list[str] = []
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            busy.acquire(None)
            grants.append("busy")
            time.sleep(0.01)
            busy.release()

    threads = [_start(work) for _ in range(3)]  # always a thread waiting here for the slot
    until(lambda: len(grants) >= 5)
    asked_at = len(grants)
    other.acquire(None)  # starves if hand-overs are not bounded
    grants.append("other")
    other.release()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    # At most: the slot's remaining hand-overs, then one more tenure for this process's thread
    # already queued ahead in the fleet's queue.
    assert grants.index("other") - asked_at <= 2 * (2 + 1) + 1, grants
    assert busy.fleet_in_flight() == 0


def test_no_hand_overs_is_first_come_first_served_across_processes(redis_url: str) -> None:
    here = _limits(redis_url, concurrency=1, handovers=0)
    elsewhere = _limits(redis_url, concurrency=1, handovers=0)
    order: list[str] = []
    here.acquire(None)

    def wait(limits: RedisLimits, name: str) -> None:
        limits.acquire(None)
        order.append(name)
        limits.release()

    first = _start(lambda: wait(elsewhere, "elsewhere"))
    time.sleep(0.1)
    second = _start(lambda: wait(here, "here"))  # same process as the holder, queued later
    time.sleep(0.1)
    here.release()
    first.join(timeout=5)
    second.join(timeout=5)
    assert order == ["elsewhere", "here"]


def test_a_slot_handed_over_still_counts_the_budget(redis_url: str) -> None:
    limits = _limits(redis_url, concurrency=1, per_minute=3, poll=0.1)
    for _ in range(2):
        limits.acquire(None)
        limits.release()
    limits.acquire(None)  # the minute's third and last
    started: list[str] = []

    def wait(name: str) -> None:
        limits.acquire(None)
        started.append(name)
        limits.release()

    asking = _start(lambda: wait("asking"))
    time.sleep(0.1)
    here = _start(lambda: wait("here"))
    time.sleep(0.1)
    limits.release()  # handed to the thread waiting here, whose budget is spent
    time.sleep(0.4)
    assert started == []
    assert limits.fleet_in_flight() == 0  # the slot went back, not held by a waiting thread
    redis.Redis.from_url(redis_url).delete("t:budget:connection:default:minute")  # a new minute
    asking.join(timeout=5)
    here.join(timeout=5)
    assert sorted(started) == ["asking", "here"]


def _hand_over_during_a_pause(url: str, *, news_travels: float) -> float:
    """Seconds from another process's pause to the first start of a thread here, when a slot
    is handed over within the process `news_travels` seconds after the pause."""
    limits = _limits(url, concurrency=1)
    elsewhere = _limits(url)
    limits.acquire(None)
    time.sleep(0.3)  # the process has started listening for pauses (if it may)
    started: list[float] = []

    def wait() -> None:
        limits.acquire(None)
        started.append(time.monotonic())
        limits.release()

    asking = _start(wait)
    time.sleep(0.1)
    here = _start(wait)
    time.sleep(0.1)
    elsewhere.pause(0.6)
    paused = time.monotonic()
    time.sleep(news_travels)
    limits.release()  # handed to the thread waiting here
    asking.join(timeout=5)
    here.join(timeout=5)
    assert len(started) == 2
    return min(started) - paused


def test_a_pause_holds_threads_handed_a_slot(redis_url: str) -> None:
    # No budget is counted, so a hand-over asks nothing of Redis: the pause must reach this
    # process by itself (pub/sub), which takes moments.
    assert _hand_over_during_a_pause(redis_url, news_travels=0.05) >= 0.5


def test_a_user_refused_the_pause_channel_still_pauses(redis_url: str) -> None:
    admin = redis.Redis.from_url(redis_url)
    admin.acl_setuser(
        "limited",
        enabled=True,
        passwords=["+pw-limited"],
        keys=["*"],
        commands=["+@all"],
        reset_channels=True,  # no channel at all: no pause news
    )
    try:
        url = redis_url.replace("redis://", "redis://limited:pw-limited@")
        # The process cannot listen, so each hand-over asks Redis, and sees the pause at once.
        assert _hand_over_during_a_pause(url, news_travels=0.0) >= 0.5
    finally:
        admin.acl_deluser("limited")


@pytest.fixture()
def alarm() -> Iterator[Callable[[float], None]]:
    def interrupt(signum: int, frame: object) -> None:
        raise TimeoutError("interrupted")

    def arm(seconds: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, seconds)

    previous = signal.signal(signal.SIGALRM, interrupt)
    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_a_thread_interrupted_while_waiting_here_leaves_nothing_behind(
    redis_url: str, alarm: Callable[[float], None]
) -> None:
    limits = _limits(redis_url, concurrency=1, poll=0.1)
    limits.acquire(None)
    done: list[str] = []

    def wait() -> None:
        limits.acquire(None)
        done.append("asking")
        limits.release()

    asking = _start(wait)
    time.sleep(0.1)
    alarm(0.2)
    with pytest.raises(TimeoutError):
        limits.acquire(None)  # waits here, behind the thread asking Redis
    limits.release()  # nobody waits here any more: the slot goes to the fleet's queue
    asking.join(timeout=5)
    assert done == ["asking"]
    limits.acquire(None)
    assert limits.fleet_in_flight() == 1
    limits.release()
    assert limits.fleet_in_flight() == 0


def test_threads_waiting_here_meet_a_stopped_redis_each_within_the_bound(
    own_redis_server: RedisServer,
) -> None:
    limits = _limits(own_redis_server.url, concurrency=1, timeout=0.5, poll=0.1)
    limits.acquire(None)
    failures: list[BaseException] = []

    def wait() -> None:
        try:
            limits.acquire(None)
        except RedisUnavailableError as error:
            failures.append(error)

    threads = [_start(wait) for _ in range(4)]  # one asks Redis, three wait here
    time.sleep(0.2)
    stopped = time.monotonic()
    own_redis_server.stop()
    for thread in threads:
        thread.join(timeout=10)
    took = time.monotonic() - stopped
    assert len(failures) == 4
    assert all(f"127.0.0.1:{own_redis_server.port}" in str(error) for error in failures)
    # The asking thread's failure sends the others to meet it together, not one after another.
    assert took < 2 * (2 * 0.5) + 0.5


def test_handovers_are_checked(redis_url: str) -> None:
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="handovers"):
            _limits(redis_url, handovers=bad)
    assert "handovers=8" in repr(_limits(redis_url))
