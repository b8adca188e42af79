"""A client with `with_options(stop=event)` over `RedisLimits`: once the event is set, a call
waiting in the fleet (a fleet-wide 429 pause, the fleet's queue, the process's line) ends with
`StoppedError` and leaves nothing held."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from sage_accounting import Token
from sage_accounting.errors import StoppedError
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client

from .test_limits import _limits


def _in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException]]:
    raised: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, raised


def test_a_call_held_by_a_fleet_wide_pause_stops_when_told(redis_url: str) -> None:
    fake = SageEmulator(seed=8)
    limits = _limits(redis_url, namespace="stop-pause", concurrency=2, poll=0.05)
    token = Token.from_response(fake.issue_token(), now=fake.clock.now())
    stop = threading.Event()
    with make_client(fake, token=token, limits=limits) as sage:
        limits.pause(60)  # another worker heard Sage's Retry-After: a minute
        thread, raised = _in_thread(
            lambda: sage.with_options(stop=stop).request("GET", "/contacts")
        )
        thread.join(0.3)
        assert thread.is_alive()  # held by the pause
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and len(raised) == 1 and isinstance(raised[0], StoppedError)
    assert fake.stats.requests == []  # nothing went out
    assert limits.fleet_in_flight() == 0


def test_calls_queued_in_the_fleet_and_in_the_process_stop_and_hold_nothing(
    redis_url: str,
) -> None:
    fake = SageEmulator(seed=8)
    limits = _limits(redis_url, namespace="stop-queue", concurrency=1, poll=0.05)
    token = Token.from_response(fake.issue_token(), now=fake.clock.now())
    stop = threading.Event()
    limits.acquire(None)  # the fleet's one slot is taken
    with make_client(fake, token=token, limits=limits) as sage:
        stopping = sage.with_options(stop=stop)
        waiting = [_in_thread(lambda: stopping.request("GET", "/contacts")) for _ in range(3)]
        for thread, _ in waiting:
            thread.join(0.2)
            assert thread.is_alive()  # one asks Redis, the others wait in the process's line
        stop.set()
        for thread, _ in waiting:
            thread.join(10)
        limits.release()
        assert sage.request("GET", "/contacts").status_code == 200  # the slot is free again
    assert all(len(raised) == 1 and isinstance(raised[0], StoppedError) for _, raised in waiting)
    assert limits.fleet_in_flight() == 0
    assert len(fake.stats.requests) == 1


@pytest.mark.parametrize("held_by", ["pause", "queue"])
def test_async_calls_held_in_the_fleet_stop_when_told_and_hold_nothing(
    redis_url: str, held_by: str
) -> None:
    """Tasks: a fleet-wide pause, or the fleet's queue and the process's line behind it."""
    fake = SageEmulator(seed=8)
    limits = _limits(redis_url, namespace=f"astop-{held_by}", concurrency=1, poll=0.05)
    token = Token.from_response(fake.issue_token(), now=fake.clock.now())
    stop = threading.Event()

    async def run() -> tuple[list[BaseException], int]:
        async with make_async_client(fake, token=token, limits=limits) as sage:
            if held_by == "pause":
                await limits.apause(60)  # another worker heard Sage's Retry-After: a minute
            else:
                await limits.aacquire(None)  # the fleet's one slot is taken
            stopping = sage.with_options(stop=stop)
            calls = [asyncio.ensure_future(stopping.request("GET", "/contacts")) for _ in range(3)]
            await asyncio.sleep(0.3)
            assert not any(call.done() for call in calls)  # held
            stop.set()
            done, _ = await asyncio.wait(calls, timeout=10)
            assert len(done) == 3, "a stopped call still waits"
            raised = [exc for call in calls if (exc := call.exception()) is not None]
            if held_by == "queue":
                await limits.arelease()
                answer = await sage.request("GET", "/contacts")  # the slot is free again
                return raised, answer.status_code
            return raised, 200

    raised, status = asyncio.run(run())
    assert len(raised) == 3 and all(isinstance(exc, StoppedError) for exc in raised)
    assert status == 200
    assert limits.fleet_in_flight() == 0
    assert len(fake.stats.requests) == (1 if held_by == "queue" else 0)
