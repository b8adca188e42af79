"""The transport under every client: what one request goes through between httpx and the socket.

For each attempt of a request it takes a slot under the client-side limits (`limits/`), sends
it through the inner transport, reads the answer's body within `max_response_bytes` and the
deadline (`_response_body.py`), and gives the slot back; then `_retry.Attempts` decides
whether to wait and try again (429, 5xx, dropped connections), and logs each attempt. A
connection that fails for good becomes a typed `APIConnectionError` / `APITimeoutError`. The
answer handed up is left for a caller catching it (`_exchange.py`, `with_raw_response`).
A request carrying a stop event (`with_options(stop=...)`) makes no attempt once it is set,
and its retry waits end when it is set (they wait on it, in real time).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict

import httpx

from ._exchange import handed_up
from ._lazy import asyncio  # imported on first use: a sync program never does
from ._response_body import MAX_RESPONSE_BYTES, aread_body, read_body
from ._retry import MAYBE_SENT, NEVER_SENT, Attempts, RetryPolicy, RetryStats
from ._stop import Stop, or_stop, sleep_or_stop, stop_in
from .errors import StoppedError
from .limits import CALL_STOP, Limits

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Settings(TypedDict, total=False):
    """The keywords both transports take besides the inner transport and `sleep`."""

    policy: RetryPolicy | None
    limits: Limits | None
    stats: RetryStats | None
    clock: Callable[[], float]
    rng: random.Random | None
    max_response_bytes: int | None


class _TransportCore:
    def __init__(self, settings: Settings) -> None:
        self.max_response_bytes = settings.get("max_response_bytes", MAX_RESPONSE_BYTES)
        self.policy = settings.get("policy") or RetryPolicy()
        self.limits = settings.get("limits")
        self.stats = settings.get("stats") or RetryStats()
        self.clock = settings.get("clock", time.monotonic)
        self.rng = settings.get("rng") or random.Random()

    def _attempts(self, request: httpx.Request) -> Attempts:
        return Attempts(
            request, policy=self.policy, stats=self.stats, clock=self.clock, rng=self.rng
        )


@contextlib.contextmanager
def _seen_by_limits(stop: Stop | None) -> Iterator[None]:
    """The call's stop event in `limits.CALL_STOP` while it asks for a slot: the limits' waits
    may end when it is set."""
    if stop is None:
        yield
        return
    token = CALL_STOP.set(stop)
    try:
        yield
    finally:
        CALL_STOP.reset(token)


def check_stop(request: httpx.Request, stop: Stop | None) -> None:
    """Raise `StoppedError` when the request's stop event is set (no attempt after it)."""
    if stop is not None and stop.is_set():
        raise StoppedError(f"{request.method} {request.url.path}: stopped before an attempt")


class SageTransport(httpx.BaseTransport, _TransportCore):
    """Wraps a transport: a slot under the limits for each attempt, the answer's body read
    within bounds, retries, typed connection errors."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        sleep: Callable[[float], None] = time.sleep,
        **settings: Unpack[Settings],
    ) -> None:
        _TransportCore.__init__(self, settings)
        self.inner = inner
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempts = self._attempts(request)
        started = time.perf_counter()
        stop = stop_in(request.extensions)
        while True:
            check_stop(request, stop)
            if self.limits is not None:
                with _seen_by_limits(stop):
                    attempts.waited(self.limits.acquire(attempts.business))
            try:
                check_stop(request, stop)  # set while it waited for a slot
                deadline = attempts.sending()
                response = self.inner.handle_request(request)
                read_body(  # the slot is held until the answer is in
                    request,
                    response,
                    limit=self.max_response_bytes,
                    deadline=deadline,
                    clock=self.clock,
                )
            except Exception as error:
                wait = attempts.after_error(error)
                if wait is None:
                    if isinstance(error, (*NEVER_SENT, *MAYBE_SENT)):
                        raise attempts.give_up(error) from error
                    raise
            else:
                wait = attempts.after_response(response)
                if wait is None:
                    handed_up(response, time.perf_counter() - started)
                    return response
                response.close()
                if response.status_code == 429 and self.limits is not None:
                    self.limits.pause(wait)
            finally:
                if self.limits is not None:
                    self.limits.release()
            sleep_or_stop(wait, stop, self.sleep)  # over at once when set: the check raises
            attempts.waited({attempts.cause: wait})

    def close(self) -> None:
        self.inner.close()


class AsyncSageTransport(httpx.AsyncBaseTransport, _TransportCore):
    """The async twin of `SageTransport`, with the same policy object."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        sleep: Callable[[float], Any] | None = None,  # None: asyncio.sleep
        **settings: Unpack[Settings],
    ) -> None:
        _TransportCore.__init__(self, settings)
        self.inner = inner
        self.sleep: Callable[[float], Any] = asyncio.sleep if sleep is None else sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """As `SageTransport.handle_request`: a stop event is checked before each attempt and
        ends the waits (looked at every tenth of a second); cancelling the task ends them too."""
        attempts = self._attempts(request)
        started = time.perf_counter()
        stop = stop_in(request.extensions)
        while True:
            check_stop(request, stop)
            if self.limits is not None:
                with _seen_by_limits(stop):  # the variable is the task's own
                    attempts.waited(await self.limits.aacquire(attempts.business))
            try:
                check_stop(request, stop)
                deadline = attempts.sending()
                response = await self.inner.handle_async_request(request)
                await aread_body(
                    request,
                    response,
                    limit=self.max_response_bytes,
                    deadline=deadline,
                    clock=self.clock,
                )
            except Exception as error:
                wait = attempts.after_error(error)
                if wait is None:
                    if isinstance(error, (*NEVER_SENT, *MAYBE_SENT)):
                        raise attempts.give_up(error) from error
                    raise
            else:
                wait = attempts.after_response(response)
                if wait is None:
                    handed_up(response, time.perf_counter() - started)
                    return response
                await response.aclose()
                if response.status_code == 429 and self.limits is not None:
                    await self.limits.apause(wait)
            finally:
                if self.limits is not None:
                    await self.limits.arelease()
            await or_stop(self.sleep(wait), stop)  # then the check raises, when set
            attempts.waited({attempts.cause: wait})

    async def aclose(self) -> None:
        await self.inner.aclose()
