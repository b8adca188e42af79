"""The thread of a process that uses `RedisLimits`: it renews the leases of the slots the
process holds and listens for the fleet's pauses in between."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import redis
import redis.exceptions

from ._connection import Connection
from ._scripts import RENEW

logger = logging.getLogger("sage_accounting.fleet")


def pause_left(client: redis.Redis, key: str) -> float:
    """Seconds the fleet is still paused for, by the pause key and the server's clock."""
    until = float(cast("bytes | None", client.get(key)) or 0)
    seconds, micros = cast("tuple[int, int]", client.time())
    return max(0.0, (until - (seconds * 1000 + micros / 1000)) / 1000)


class Heartbeat:
    """What the heartbeat thread knows: whether it hears of every pause (subscribed to the pause
    channel), until when the fleet is paused, and whether the last renewal found every slot
    held here still counted. `held` lists the Redis slots the process holds now."""

    def __init__(
        self,
        connection: Connection,
        namespace: str,
        lease: float,
        lock: threading.Lock,
        held: Callable[[], list[str]],
    ) -> None:
        self.connection = connection
        self.slots_key = f"{namespace}:slots"
        self.pause_key = f"{namespace}:pause"
        self.pause_channel = f"{namespace}:pauses"
        self.lease = lease
        self.lock = lock
        self.held = held
        self.thread: threading.Thread | None = None
        self.listening = False
        self.paused_until = 0.0  # time.monotonic()
        self.leases_ok = True
        self.renewals_failing = False  # warned already: said again only once they work again

    def forked(self) -> None:
        """Under the lock: a forked child has no thread and has heard nothing."""
        self.thread, self.listening, self.leases_ok = None, False, True
        self.renewals_failing = False

    def start(self) -> None:
        """Under the lock: start the thread unless it runs."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._beat, name="sage-redis-limits", daemon=True)
            self.thread.start()

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
                self.heard_pause(pause_left(self.connection.client, self.pause_key))
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
        slots = self.held()
        if not slots:
            self.leases_ok = True
            return
        try:
            renewed = RENEW.run(self.connection.client, [self.slots_key], [lease_ms, *slots])
        except (redis.exceptions.RedisError, OSError) as exc:
            self.leases_ok = False
            # Every lease / 3 seconds for as long as Redis is away: a WARNING once, then DEBUG.
            logger.log(
                logging.DEBUG if self.renewals_failing else logging.WARNING,
                "Redis at %s: renewing %d slot lease(s) failed (%s); DEBUG until it works again",
                self.connection.url,
                len(slots),
                type(exc).__name__,
            )
            self.renewals_failing = True
            return
        if self.renewals_failing:
            self.renewals_failing = False
            logger.info("Redis at %s: renewing slot leases works again", self.connection.url)
        self.leases_ok = renewed == len(slots)
        if renewed < len(slots):
            logger.warning(
                "Redis at %s: %d slot lease(s) ran out while their requests ran",
                self.connection.url,
                len(slots) - renewed,
            )
