"""Taking turns inside one process before Redis sees the requests.

Of the threads and tasks of a process waiting for the same budget scope, only one waits in the
fleet's queue on Redis (it "asks"); the others wait in the process's line, in arrival order,
and one finishing a request hands its slot straight to the first of them (up to `handovers`
times in a row, then the slot goes back to the fleet's queue, so that other processes' waiters
are served in turn).
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Callable
from typing import Literal

from ..limits import LocalLimits
from ._connection import Connection
from ._heartbeat import Heartbeat

LOCAL = "local"  # a slot granted by the local fallback
NO_SLOT = "none"  # granted without a slot (concurrency=None)


class Waiter:
    """A thread or task of this process waiting for a slot to be handed over in the process."""

    __slots__ = ("outcome", "passes", "scope", "slot", "wake")

    def __init__(self, scope: str, wake: Callable[[], object]) -> None:
        self.scope = scope
        self.wake = wake  # called under the lock once `outcome` is set
        self.outcome: Literal["slot", "ask"] | None = None  # handed a slot, or asks Redis itself
        self.slot = ""
        self.passes = 0


def woken(waiter: Waiter) -> bool:
    """Wake a waiter; False when it can no longer be woken (its event loop has closed)."""
    try:
        waiter.wake()
    except RuntimeError:
        return False
    return True


class Shared:
    """What a `RedisLimits` and its `for_connection` siblings share in one process: the Redis
    connection, the slots held here, the line of waiting threads and tasks, the heartbeat and
    the local fallback."""

    def __init__(
        self, connection: Connection, namespace: str, lease: float, fallback: LocalLimits
    ) -> None:
        self.connection = connection
        self.pause_key = f"{namespace}:pause"
        self.pause_channel = f"{namespace}:pauses"
        self.fallback = fallback
        self.lock = threading.Lock()
        self.held: list[tuple[str, int]] = []  # slots and how often each was handed over
        self.waiting: collections.deque[Waiter] = collections.deque()
        self.asking: dict[str, int] = {}  # budget scope: threads of this process asking Redis
        self.threads = threading.local()
        self.fallback_until = 0.0
        self.pid = os.getpid()
        self.heartbeat = Heartbeat(connection, namespace, lease, self.lock, self._redis_slots)

    def _redis_slots(self) -> list[str]:
        with self.lock:
            return [slot for slot, _ in self.held if slot not in (LOCAL, NO_SLOT)]

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
            self.pid, self.held = os.getpid(), []
            self.waiting, self.asking = collections.deque(), {}
            self.heartbeat.forked()

    def hold(self, slot: str, passes: int = 0) -> None:
        with self.lock:
            self.forked()
            self.held.append((slot, passes))
            if slot not in (LOCAL, NO_SLOT):
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
                if woken(waiter):
                    return True
            return False

    def line_up(self, scope: str, wake: Callable[[], object]) -> Waiter | None:
        """Wait in this process's line (the waiter returned) when another thread or task of
        the process already asks Redis for `scope`; otherwise ask (None)."""
        with self.lock:
            self.forked()
            if not self.asking.get(scope):
                self.start_asking(scope)
                return None
            waiter = Waiter(scope, wake)
            self.waiting.append(waiter)
            return waiter

    def leave_line(self, waiter: Waiter) -> bool:
        """A waiter gives up: out of the line, or no longer asking. True when it was handed a
        slot, which the caller must pass on."""
        with self.lock:
            if waiter in self.waiting:
                self.waiting.remove(waiter)
            elif waiter.outcome == "ask":
                self.stop_asking(waiter.scope)
            return waiter.outcome == "slot"

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
                if not woken(waiter):
                    continue
                self.start_asking(waiter.scope)
                if not everyone:
                    return
