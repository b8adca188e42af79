"""Stop events of a call: once one is set, the call makes no attempt and its waits end.

`with_options(stop=event)` gives a client's calls its event. A pager fetching pages in parallel
gives the pages its own, set when its reader stops (a Ctrl-C, a `break`), so that a page still
waiting out a 429 is not waited for. A call carrying both stops at either. The transport reads
the request extension `STOP_EXTENSION` and hands it to the limits (`limits.CALL_STOP`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

STOP_EXTENSION = "sage_accounting.stop"
_LOOK_EVERY = 0.1  # seconds: how often a wait on several events looks at the others


class AnyOf:
    """Several stop events as one: set once any of them is."""

    __slots__ = ("events",)

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for any event; True once one is set."""
        deadline = time.monotonic() + seconds
        while not self.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.events[0].wait(min(left, _LOOK_EVERY))
        return True


Stop = threading.Event | AnyOf


def sleep_or_stop(seconds: float, stop: Stop | None, sleep: Callable[[float], object]) -> None:
    """`sleep(seconds)`, or a wait on the call's stop that ends once it is set."""
    if stop is None:
        sleep(seconds)
    else:
        stop.wait(seconds)


async def until_set(stop: Stop) -> None:
    """Return once `stop` is set (an async wait looks at it every tenth of a second: a
    threading event wakes no task)."""
    import asyncio  # here: a sync program never imports asyncio

    while not stop.is_set():
        await asyncio.sleep(_LOOK_EVERY)


async def first_of(*waits: Awaitable[object]) -> None:
    """Wait until one of `waits` is over; the others are cancelled."""
    import asyncio

    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def or_stop(waiting: Awaitable[object], stop: Stop | None) -> None:
    """`await waiting` (a sleep, a wake-up future), or a wait that also ends once the call's
    stop is set."""
    if stop is None:
        await waiting
    else:
        await first_of(waiting, until_set(stop))


def wait_or_look(ready: threading.Condition, stop: Stop | None) -> None:
    """`ready.wait()` (its lock held); with a stop, the wait ends twice a second so that the
    caller looks at it (no set wakes a condition)."""
    ready.wait(None if stop is None else 0.5)


def stop_in(extensions: dict[str, Any]) -> Stop | None:
    stop = extensions.get(STOP_EXTENSION)
    return stop if isinstance(stop, threading.Event | AnyOf) else None


def with_stop(extensions: dict[str, Any], stop: threading.Event) -> dict[str, Any]:
    """`extensions` with `stop` added to the stop they carry, if any."""
    given = stop_in(extensions)
    if given is None:
        return {**extensions, STOP_EXTENSION: stop}
    events = given.events if isinstance(given, AnyOf) else (given,)
    return {**extensions, STOP_EXTENSION: AnyOf(*events, stop)}
