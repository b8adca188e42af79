"""When to try a request again, and how long to wait first: 429s, 5xx and dropped connections.

The client's transport (`_transport.py`) asks an `Attempts` after every answer or failure of a
call. What is retried, and for which requests (also in the docs):

| failure                                | replay-safe requests | other POSTs (and PATCH)     |
|----------------------------------------|----------------------|-----------------------------|
| connect error or connect/pool timeout  | yes                  | yes (it was never sent)     |
| 429 Too Many Requests                  | yes                  | yes (Sage did nothing)      |
| 500, 502, 503, 504                     | yes                  | only with `retry_post=True` |
| read/write timeout, dropped connection | yes                  | only with `retry_post=True` |

Replay-safe (`replay_safe`, the one place that decides): GET, PUT, DELETE, HEAD, OPTIONS, and a
POST that carries an `idempotency_id` (Sage answers the same create again with its first
answer and creates nothing). A PUT sets the fields it carries, so sending it twice leaves the
record as sending it once. Any other POST that may have reached Sage is not repeated unless the
caller opts in, so a retry never creates a record twice. Waits honour `Retry-After` (seconds
or an HTTP date), else exponential backoff with full jitter, capped; `max_retries` and a total
`deadline` bound each call (an answer still arriving when the deadline has passed is an
`APITimeoutError`).

Every wait of a call is timed by cause (the limits' `acquire` says what held it; a retry's own
wait is `retry_after` after a 429, else `backoff`) and summed in `RetryStats.waited`; a call
that waited more than `LOG_WAITS_OVER` seconds on limits or pauses says so once at INFO.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable

import attrs
import httpx

from ._exchange import next_attempt
from ._logs import HTTP, shown_url
from .errors import APIConnectionError, APITimeoutError
from .limits import Waited
from .limits._budget import BACKOFF, RETRY_AFTER

logger = logging.getLogger(HTTP)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
#: The request extension carrying a per-call `RetryPolicy` (set by `with_options`).
POLICY_EXTENSION = "sage_accounting.retry_policy"
#: A call that waited longer than this on client-side limits or pauses logs it at INFO.
LOG_WAITS_OVER = 1.0

NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)


@attrs.frozen
class RetryPolicy:
    """How hard to try. `max_retries=0` disables retries."""

    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    deadline: float | None = 300.0
    retry_post: bool = False

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {self.max_retries}")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError(f"deadline must be positive or None, not {self.deadline}")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: anywhere between 0 and the capped exponential step."""
        return rng.uniform(0.0, min(self.backoff_max, self.backoff_base * (2**attempt)))

    def may_retry_status(self, status: int, *, replay_safe: bool) -> bool:
        if status not in RETRY_STATUSES:
            return False
        return status == 429 or replay_safe or self.retry_post

    def may_retry_error(self, error: Exception, *, replay_safe: bool) -> bool:
        if isinstance(error, NEVER_SENT):
            return True
        return isinstance(error, MAYBE_SENT) and (replay_safe or self.retry_post)


def replay_safe(request: httpx.Request) -> bool:
    """Whether sending `request` again after it may have reached Sage does no more than once."""
    method = request.method.upper()
    if method in IDEMPOTENT:
        return True
    if method != "POST":
        return False
    from ._idempotency import carries_idempotency_id  # on the first POST, not at import

    return carries_idempotency_id(request)


def retry_after(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from `Retry-After` (seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


@attrs.define
class RetryStats:
    """Counters of one client (and its children): retries made, throttled waits, and seconds
    spent waiting per cause (`concurrency`, `per_minute`, `per_day`, `app_per_day`,
    `retry_after`, `backoff`)."""

    retries: int = 0
    throttled_waits: int = 0
    waited: dict[str, float] = attrs.field(factory=dict)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False, eq=False)

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def count_waits(self, waited: Waited) -> None:
        with self._lock:
            for cause, seconds in waited.items():
                self.waited[cause] = self.waited.get(cause, 0.0) + seconds


class Attempts:
    """The retry decisions of one call, shared by the sync and async transports."""

    def __init__(
        self,
        request: httpx.Request,
        *,
        policy: RetryPolicy,
        stats: RetryStats,
        clock: Callable[[], float],
        rng: random.Random,
    ) -> None:
        extension = request.extensions.get(POLICY_EXTENSION)
        self.policy: RetryPolicy = extension if isinstance(extension, RetryPolicy) else policy
        self.stats = stats
        self.clock = clock
        self.rng = rng
        self.method = request.method.upper()
        self.request = request
        self.business = request.headers.get("x-business")
        self.attempt = 0
        self.started = clock()
        self.cause = BACKOFF  # what the wait before the next retry is for
        self._replay_safe: bool | None = None
        self._held: dict[str, float] | None = None  # seconds held by limits and pauses
        self._logged_wait = False
        self.number = 0  # the request's attempt number, across resends (`_exchange`)
        self.sent_at = 0.0

    @property
    def replay_safe(self) -> bool:
        """Decided once, and only when a failure asks (it may read the body)."""
        if self._replay_safe is None:
            self._replay_safe = replay_safe(self.request)
        return self._replay_safe

    @property
    def url(self) -> str:
        """The URL without its query (which may name records or filters), for logs and errors.

        Built only when a retry or an error needs it: parsing a URL costs more than the rest
        of the retry bookkeeping of a call that goes well."""
        return str(self.request.url.copy_with(query=None))

    @property
    def where(self) -> str:
        return f"{self.method} {self.url}"

    def sending(self) -> float | None:
        """An attempt goes out now: count it on the request, log it at DEBUG; when its answer
        must have arrived (on the transport's clock), None for no deadline."""
        self.number = next_attempt(self.request)
        if logger.isEnabledFor(logging.DEBUG):
            self.sent_at = time.monotonic()
            logger.debug("%s %s: sending, %s", self.method, self._shown, self._context)
        deadline = self.policy.deadline
        return None if deadline is None else self.clock() + deadline

    @property
    def _shown(self) -> str:
        return shown_url(self.request.url)

    @property
    def _context(self) -> str:
        business = f"business {self.business}" if self.business else "the lead business"
        return f"attempt {self.number}, {business}"

    def _answered(self, outcome: int | Exception) -> None:
        """Log at DEBUG how the attempt ended: its status, or the error that ended it."""
        if not logger.isEnabledFor(logging.DEBUG):
            return
        what = f"HTTP {outcome}" if isinstance(outcome, int) else type(outcome).__name__
        elapsed = time.monotonic() - self.sent_at
        logger.debug(
            "%s %s: %s in %.3fs, %s", self.method, self._shown, what, elapsed, self._context
        )

    def _within_deadline(self, wait: float) -> bool:
        deadline = self.policy.deadline
        return deadline is None or self.clock() + wait - self.started <= deadline

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying this response, or None to hand it back."""
        status = response.status_code
        self._answered(status)
        if self.attempt >= self.policy.max_retries or status not in RETRY_STATUSES:
            return None  # the common case decides without looking at the request
        if not self.policy.may_retry_status(status, replay_safe=self.replay_safe):
            return None
        asked = retry_after(response)
        wait = asked if asked is not None else self.policy.backoff(self.attempt, self.rng)
        if not self._within_deadline(wait):
            return None
        self.cause = RETRY_AFTER if status == 429 else BACKOFF
        self._log(f"HTTP {status}", wait, asked is not None)
        return wait

    def after_error(self, error: Exception) -> float | None:
        self._answered(error)
        if self.attempt >= self.policy.max_retries or not self.policy.may_retry_error(
            error, replay_safe=self.replay_safe
        ):
            return None
        wait = self.policy.backoff(self.attempt, self.rng)
        if not self._within_deadline(wait):
            return None
        self.cause = BACKOFF
        self._log(type(error).__name__, wait, False)
        return wait

    def waited(self, waited: Waited | None) -> None:
        """Count what this call waited for (the limits' answer, or a retry's wait), and say
        once at INFO when limits or pauses held it more than `LOG_WAITS_OVER` seconds in all."""
        if not waited:
            return
        self.stats.count_waits(waited)
        if self._held is None:
            self._held = {}
        for cause, seconds in waited.items():
            if cause != BACKOFF:
                self._held[cause] = self._held.get(cause, 0.0) + seconds
        total = sum(self._held.values())
        if self._logged_wait or total <= LOG_WAITS_OVER:
            return
        self._logged_wait = True
        causes = ", ".join(f"{cause} {seconds:.1f}s" for cause, seconds in self._held.items())
        logger.info("%s waited %.1fs for limits and pauses (%s)", self.where, total, causes)

    def _log(self, reason: str, wait: float, asked: bool) -> None:
        self.attempt += 1
        self.stats.count_retry()
        logger.debug(
            "retry %d/%d of %s after %s: waiting %.2fs%s",
            self.attempt,
            self.policy.max_retries,
            self.where,
            reason,
            wait,
            " (Retry-After)" if asked else "",
        )

    def give_up(self, error: Exception) -> Exception:
        tries = f"after {self.attempt + 1} attempt(s)"
        if isinstance(error, httpx.TimeoutException):
            return APITimeoutError(
                f"{self.where}: timed out {tries}", method=self.method, url=self.url
            )
        return APIConnectionError(
            f"{self.where}: {type(error).__name__} {tries}", method=self.method, url=self.url
        )
