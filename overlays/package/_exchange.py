"""What the transport leaves behind about an exchange: which attempt a request is on, and the
last answer of a call whose caller asked to see it (`with_raw_response`).

The attempt number lives on the request (`ATTEMPT_EXTENSION`), counted across every time the
request is sent: the transport's retries and the auth flow's resend after a refresh alike, so
`RawResponse.attempts` and the OpenTelemetry hook (`telemetry.py`) read it from there. The
answer is caught in a context variable: each thread and each asyncio task sees only its own.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterator

import httpx

#: The request extension holding how many times the request has been sent (1 on the first).
ATTEMPT_EXTENSION = "sage_accounting.attempt"


def next_attempt(request: httpx.Request) -> int:
    """Count one more sending of `request`; its number (1 for the first)."""
    attempt = int(request.extensions.get(ATTEMPT_EXTENSION, 0)) + 1
    request.extensions[ATTEMPT_EXTENSION] = attempt
    return attempt


def attempts_of(request: httpx.Request) -> int:
    """How many times `request` was sent (1 where no transport of ours counted it)."""
    return int(request.extensions.get(ATTEMPT_EXTENSION, 1))


class Caught:
    """The last answer the transport handed up while a `catching()` block ran."""

    __slots__ = ("response",)

    def __init__(self) -> None:
        self.response: httpx.Response | None = None


_CATCHING: contextvars.ContextVar[Caught | None] = contextvars.ContextVar(
    "sage_accounting_catching", default=None
)


@contextlib.contextmanager
def catching() -> Iterator[Caught]:
    """Catch the last answer of the calls made in this block (in this thread or task)."""
    caught = Caught()
    token = _CATCHING.set(caught)
    try:
        yield caught
    finally:
        _CATCHING.reset(token)


def handed_up(response: httpx.Response, seconds: float) -> None:
    """The transport hands `response` up to httpx after `seconds` (every attempt and wait):
    that is its `elapsed` (httpx sets it only when it reads the body, which the transport
    did), and it is remembered if someone is catching."""
    response.elapsed = datetime.timedelta(seconds=seconds)
    caught = _CATCHING.get()
    if caught is not None:
        caught.response = response
