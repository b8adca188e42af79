"""Client-side limits: the cap and budgets hold under 100 threads and 100 tasks, and queue."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sage_accounting import LocalLimits
from sage_accounting.testing import SageEmulator
from sage_accounting.testing._clock import FakeClock
from tests.waiting import until

from .test_retry import _async_client, _client


def test_concurrency_cap_holds_under_100_threads() -> None:
    fake = SageEmulator(seed=31, concurrency_limit=20, latency=0.01)
    limits = LocalLimits(concurrency=20, per_minute=None, per_day=None)
    with _client(fake, limits=limits) as sage, ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(lambda _: sage.request("GET", "/user").status_code, range(300)))
    assert statuses == [200] * 300
    assert fake.stats.max_in_flight <= 20
    assert fake.stats.by_status[429] == 0
    assert limits.max_in_flight == 20  # and the cap was actually used
    assert limits.in_flight == 0


def test_concurrency_cap_holds_under_100_tasks() -> None:
    fake = SageEmulator(seed=32, concurrency_limit=20, latency=0.01)
    limits = LocalLimits(concurrency=20, per_minute=None, per_day=None)

    async def run() -> list[int]:
        async with _async_client(fake, limits=limits) as sage:
            answers = await asyncio.gather(*(sage.request("GET", "/user") for _ in range(300)))
            return [answer.status_code for answer in answers]

    assert asyncio.run(run()) == [200] * 300
    assert fake.stats.max_in_flight <= 20 and fake.stats.by_status[429] == 0
    assert limits.max_in_flight == 20


def _budget_setup(seed: int) -> tuple[SageEmulator, LocalLimits, FakeClock]:
    clock = FakeClock(start=1_000_000.0, frozen=True)
    fake = SageEmulator(seed=seed, per_minute=50, clock=clock, access_token_ttl=10**9)
    advance = threading.Lock()

    def sleep(seconds: float) -> None:
        with advance:  # waiting threads share one clock: time passes once, not per thread
            clock.advance(seconds)

    # One request at a time: with a fake clock that jumps a minute at once, a request still on
    # its way would otherwise land in the emulator's next minute.
    limits = LocalLimits(concurrency=1, per_minute=50, per_day=None, clock=clock.now, sleep=sleep)
    return fake, limits, clock


def test_per_minute_budget_queues_100_threads_instead_of_failing() -> None:
    fake, limits, clock = _budget_setup(33)
    started = clock.now()
    with _client(fake, limits=limits) as sage, ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(lambda _: sage.request("GET", "/user").status_code, range(120)))
    assert statuses == [200] * 120
    assert fake.stats.by_status[429] == 0  # the emulator's own 50-a-minute budget never tripped
    assert clock.now() - started >= 120  # 120 requests at 50 a minute need two more minutes
    assert _busiest_minute(fake) == 50
    assert limits.throttled_waits > 0


def _busiest_minute(fake: SageEmulator) -> int:
    """Most API requests the emulator saw in any 60 s window of its clock."""
    times = sorted(entry.time for entry in fake.stats.requests if entry.path.endswith("/user"))
    return max(sum(1 for t in times if start <= t < start + 60) for start in times)


def test_per_minute_budget_queues_100_tasks() -> None:
    clock = FakeClock(start=1_000_000.0, frozen=True)
    fake = SageEmulator(seed=34, per_minute=50, clock=clock, access_token_ttl=10**9)

    async def fake_sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    limits = LocalLimits(
        concurrency=1, per_minute=50, per_day=None, clock=clock.now, async_sleep=fake_sleep
    )

    async def run() -> list[int]:
        async with _async_client(fake, limits=limits) as sage:
            answers = await asyncio.gather(*(sage.request("GET", "/user") for _ in range(100)))
            return [answer.status_code for answer in answers]

    assert asyncio.run(run()) == [200] * 100
    assert fake.stats.by_status[429] == 0
    assert _busiest_minute(fake) == 50


def test_limits_are_shared_with_with_business_children() -> None:
    fake = SageEmulator(seed=35, concurrency_limit=10, latency=0.01)
    second = fake.add_business("Second Ltd")
    limits = LocalLimits(concurrency=10, per_minute=None, per_day=None)
    with _client(fake, limits=limits) as sage:
        child = sage.with_business(second)
        clients = [sage, child] * 50
        with ThreadPoolExecutor(100) as pool:
            list(pool.map(lambda c: c.request("GET", "/user").status_code, clients))
    assert fake.stats.max_in_flight <= 10 and fake.stats.by_status[429] == 0


def test_a_429_pauses_every_request_of_the_client() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limits = LocalLimits(
        concurrency=None, per_minute=None, per_day=None, clock=lambda: now[0], sleep=sleep
    )
    limits.pause(30)
    limits.acquire(None)
    limits.acquire("another business")
    assert slept == [30.0]  # the first waited out the pause; the second found it over


def test_a_business_out_of_budget_steps_aside_for_another() -> None:
    now = [1000.0]
    minute_passes = threading.Event()

    def sleep(seconds: float) -> None:  # the test says when the minute has passed
        assert minute_passes.wait(10)
        now[0] += seconds

    limits = LocalLimits(
        concurrency=5,
        per_minute=2,
        per_day=None,
        budget_scope="business",
        clock=lambda: now[0],
        sleep=sleep,
    )
    for _ in range(2):
        limits.acquire("X")
        limits.release()
    order: list[str] = []

    def request(business: str, name: str) -> threading.Thread:
        def run() -> None:
            limits.acquire(business)
            order.append(name)
            limits.release()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    first_x = request("X", "X1")  # X has spent its minute: it waits
    until(lambda: limits.throttled_waits == 1)
    second_x = request("X", "X2")  # behind it, in the same budget
    until(lambda: limits.throttled_waits == 2)
    request("Y", "Y").join(timeout=5)  # another business is not held up
    assert order == ["Y"]
    minute_passes.set()
    first_x.join(timeout=5)
    second_x.join(timeout=5)
    assert order == ["Y", "X1", "X2"]  # X's requests kept their order


def test_async_a_business_out_of_budget_steps_aside_for_another() -> None:
    now = [1000.0]

    async def run() -> list[str]:
        minute_passes = asyncio.Event()

        async def sleep(seconds: float) -> None:
            await minute_passes.wait()
            now[0] += seconds

        limits = LocalLimits(
            concurrency=5,
            per_minute=1,
            per_day=None,
            budget_scope="business",
            clock=lambda: now[0],
            async_sleep=sleep,
        )
        order: list[str] = []

        async def request(business: str) -> None:
            await limits.aacquire(business)
            order.append(business)
            await limits.arelease()

        await request("X")
        waiting = asyncio.ensure_future(request("X"))
        await asyncio.sleep(0.01)
        await asyncio.wait_for(request("Y"), 2)  # not held up by X's spent minute
        minute_passes.set()
        await asyncio.wait_for(waiting, 2)
        return order

    assert asyncio.run(run()) == ["X", "Y", "X"]


@pytest.mark.parametrize("bad", [{"concurrency": 0}, {"per_minute": -1}, {"budget_scope": "x"}])
def test_bad_limits_are_refused_by_name(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        LocalLimits(**bad)  # type: ignore[arg-type]
