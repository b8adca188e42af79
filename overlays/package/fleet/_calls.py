"""The Redis round trips of `RedisLimits`: asking the fleet's queue for a slot, taking over a
slot handed over inside the process, releasing, abandoning and pausing, sync and async."""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Sequence
from typing import Any, cast

import redis
import redis.asyncio
import redis.exceptions

from .._stop import sleep_or_stop
from ..limits._base import CALL_STOP, check_call_stop
from ..limits._budget import Stopwatch
from ._connection import RedisUnavailableError, exchange
from ._handover import NO_SLOT, Shared
from ._heartbeat import pause_left
from ._scripts import (
    ACQUIRE,
    ACQUIRE_KEYS,
    ASK_AGAIN,
    PAUSE,
    RELEASE,
    RELEASE_KEYS,
    TAKE_OVER,
    Words,
    cause_of,
)

logger = logging.getLogger("sage_accounting.fleet")

ASKING = "acquiring a request slot"
TAKING_OVER = "taking over a request slot"
RELEASING = "releasing a request slot"
SLOT_RETURNS = "%s; the slot returns when its lease runs out"


class Calls:
    """The calls of one `RedisLimits` (its words) on its process's connection (`shared`)."""

    def __init__(self, shared: Shared, words: Words, *, slots: bool, counts_nothing: bool) -> None:
        self.shared = shared
        self.connection = shared.connection
        self.words = words
        self.slots = slots  # False: concurrency=None, a grant holds no slot
        self.counts_nothing = counts_nothing

    def granted(self, ticket: str) -> str:
        """The slot a granted ticket holds."""
        return ticket if self.slots else NO_SLOT

    def unasked(self) -> bool:
        """Whether a slot handed over here may start with no call at all (see
        `Heartbeat.may_start_unasked`)."""
        return self.counts_nothing and self.shared.heartbeat.may_start_unasked()

    # --- sync ---------------------------------------------------------------------------------

    def ask(self, business: str | None, watch: Stopwatch) -> tuple[str, bool]:
        """Wait in the fleet's queue for a slot, timed on `watch`: (the slot, whether the
        request had to wait)."""
        connection = self.connection
        ticket = secrets.token_hex(12)
        packed = self.words.acquire_packed(business, ticket)

        def attempt(client: redis.Redis) -> Any:
            # One round trip: the script, and the wait for a slot behind it (which returns at
            # once when the script granted one or asked for a short sleep).
            ACQUIRE.ensure_loaded(client, connection)
            try:
                return exchange(connection, packed, 2, ASKING)
            except redis.exceptions.NoScriptError:  # flushed since: load it and ask again
                connection.scripts.discard(ACQUIRE.sha)
                return ASK_AGAIN

        stop = CALL_STOP.get()  # a round trip's wait is at most `poll`: looked at after each
        try:
            waited = False
            while True:
                check_call_stop(stop)
                began = time.monotonic()
                granted, sleep, cause = self.words.answer(connection.call(attempt, ASKING))
                if cause is not None:  # the round trip's BLPOP waited (or a short sleep is due)
                    waited = True
                    watch.add(cause, time.monotonic() - began + sleep)
                if granted:
                    return self.granted(ticket), waited
                if sleep:
                    sleep_or_stop(sleep, stop, time.sleep)
        except BaseException as error:
            # Redis failed: the queue lease removes the ticket (another call would only add
            # time); interrupted: leave the queue now.
            if not isinstance(error, RedisUnavailableError):
                self.abandon(ticket)
            raise

    def abandon(self, ticket: str) -> None:
        """Leave the queue (and pass a wake-up on); the queue lease covers a failure here."""
        with contextlib.suppress(redis.exceptions.RedisError, OSError):
            RELEASE.run_words(self.connection.client, RELEASE_KEYS, self.words.release("", ticket))

    def take_over(self, business: str | None, slot: str) -> bool:
        """Start on a slot handed over here if the pause and the budgets allow (one script;
        none when `unasked`); otherwise the script has put the slot back in the fleet's
        queue."""
        if self.unasked():
            return True
        connection = self.connection
        packed, words = self.words.take_over_packed(business, slot)

        def send(client: redis.Redis) -> Any:
            try:
                return exchange(connection, packed, 1, TAKING_OVER)[0]
            except redis.exceptions.NoScriptError:  # flushed since: EVAL loads it again
                return TAKE_OVER.run_words(client, ACQUIRE_KEYS, words)

        try:
            return bool(connection.call(send, TAKING_OVER))
        except BaseException as error:
            if not isinstance(error, RedisUnavailableError):  # else the slot's lease frees it
                self.release(slot)  # interrupted: the slot may still be held
            raise

    def release(self, slot: str) -> None:
        connection = self.connection
        packed, words = self.words.release_packed(slot)

        def send(client: redis.Redis) -> None:
            try:
                exchange(connection, packed, 1, RELEASING)
            except redis.exceptions.NoScriptError:  # flushed since: EVAL loads it again
                RELEASE.run_words(client, RELEASE_KEYS, words)

        try:
            connection.call(send, RELEASING)
        except RedisUnavailableError as error:
            # Never turn a finished request into an error: the slot's lease frees it.
            logger.warning(SLOT_RETURNS, error)

    def pause(self, ms: int) -> None:
        keys = [self.shared.pause_key, self.shared.pause_channel]
        self.connection.call(lambda client: PAUSE.run(client, keys, [ms]), "pausing the fleet")

    def in_flight(self) -> int:
        """Slots held across the fleet right now (leases not yet run out)."""
        slots = self.words.base_keys[0]

        def count(client: redis.Redis) -> int:
            seconds, micros = cast("tuple[int, int]", client.time())
            now = seconds * 1000 + micros // 1000
            return int(cast("int", client.zcount(slots, f"({now}", "+inf")))

        return self.connection.call(count, "counting slots")

    def paused_for(self) -> float:
        key = self.shared.pause_key
        return self.connection.call(lambda client: pause_left(client, key), "reading the pause")

    # --- async --------------------------------------------------------------------------------

    async def aask(self, business: str | None, watch: Stopwatch) -> tuple[str, bool]:
        connection = self.connection
        ticket = secrets.token_hex(12)
        words, box = self.words.acquire(business, ticket), self.words.box(ticket)

        # Two calls, not one pipelined round trip as in the sync twin: a task cancelled while
        # a pipeline waits would hand its connection back with an answer still to come, which
        # the connection's next user would read as its own. Single commands are safe.
        async def ask(client: redis.asyncio.Redis) -> Sequence[Any]:
            answer: Sequence[Any] = await ACQUIRE.arun_words(client, ACQUIRE_KEYS, words)
            return answer

        stop = CALL_STOP.get()  # a round trip's wait is at most `poll`: looked at after each
        try:
            waited = False
            while True:
                check_call_stop(stop)
                granted, wait_ms, *held = await connection.acall(ask, ASKING)
                if granted:
                    watch.stop()
                    return self.granted(ticket), waited
                waited = True
                seconds = self.words.wait_seconds(int(wait_ms))
                watch.start(cause_of(held))

                async def wait(client: redis.asyncio.Redis, seconds: float = seconds) -> Any:
                    return await client.blpop([box], timeout=seconds)  # type: ignore[misc]

                if await connection.acall(wait, "waiting for a slot") is not None:
                    watch.stop()
                    return ticket, True  # a release handed this waiter its slot
        except BaseException as error:
            if not isinstance(error, RedisUnavailableError):
                await self.aabandon(ticket)
            raise

    async def aabandon(self, ticket: str) -> None:
        words = self.words.release("", ticket)
        with contextlib.suppress(redis.exceptions.RedisError, OSError, RuntimeError):
            await RELEASE.arun_words(self.connection.async_client, RELEASE_KEYS, words)

    async def atake_over(self, business: str | None, slot: str) -> bool:
        if self.unasked():
            return True
        words = self.words.take_over(business, slot)

        async def send(client: redis.asyncio.Redis) -> Any:
            return await TAKE_OVER.arun_words(client, ACQUIRE_KEYS, words)

        try:
            return bool(await self.connection.acall(send, TAKING_OVER))
        except BaseException as error:
            if not isinstance(error, RedisUnavailableError):
                await self.arelease(slot)
            raise

    async def arelease(self, slot: str) -> None:
        words = self.words.release(slot, "")
        try:
            await RELEASE.arun_words(self.connection.async_client, RELEASE_KEYS, words)
        except (redis.exceptions.RedisError, OSError) as exc:
            logger.warning(SLOT_RETURNS, self.connection.error(exc, RELEASING))

    async def apause(self, ms: int) -> None:
        keys = [self.shared.pause_key, self.shared.pause_channel]

        async def run(client: redis.asyncio.Redis) -> Any:
            return await PAUSE.arun(client, keys, [ms])

        await self.connection.acall(run, "pausing the fleet")
