"""Reading an answer's body in the retry transport: bounded in size and in time, decoded.

httpx reads a body whole (`Response.read()`); the transport reads it chunk by chunk instead:

* a body larger than `max_response_bytes` (its Content-Length, or what arrives, counted once
  Content-Encoding is undone, so a small gzip bomb is caught too) is a `ResponseTooLargeError`,
  after at most that much was held in memory;
* a body still arriving when the call's deadline (`RetryPolicy.deadline`, counted from when
  the attempt was sent) has passed is an `APITimeoutError`: httpx's read timeout bounds each
  wait for a chunk, not a body that drips in;
* a body whose Content-Encoding does not decode is an `InvalidResponseError`.

A request that carries a `BODY_SINK` extension (an attachment download) has a successful
answer's body written there chunk by chunk instead of kept (`response.content` is then empty):
the file is never whole in memory. The sink restarts with each attempt, so a retry after a
body cut off rewrites it from the first byte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import httpx

from .errors import APITimeoutError, InvalidResponseError, ResponseTooLargeError

#: The default `max_response_bytes` (32 MiB): far above any page of 200 records with every
#: attribute; an attachment larger than that needs a client with a larger limit.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: The request extension naming the `BodySink` of a successful answer's body.
BODY_SINK = "sage_accounting.body_sink"


class BodySink(Protocol):
    """Where a successful answer's body goes instead of memory (see the module)."""

    def restart(self) -> None:
        """A new attempt begins: forget what an earlier one wrote."""

    def write(self, chunk: bytes) -> object:
        """The next chunk of the body, decoded."""


class BodyReader:
    """Reads one answer's body within `limit` bytes and by `deadline` (on `clock`)."""

    def __init__(
        self,
        request: httpx.Request,
        response: httpx.Response,
        *,
        limit: int | None,
        deadline: float | None,
        clock: Callable[[], float],
    ) -> None:
        self.request = request
        self.response = response
        self.limit = limit
        self.deadline = deadline
        self.clock = clock
        self.size = 0
        self.chunks: list[bytes] = []
        sink = request.extensions.get(BODY_SINK) if response.is_success else None
        self.sink: BodySink | None = sink

    def _error(self, problem: str) -> InvalidResponseError:
        request = self.request
        return InvalidResponseError.at(
            request.method, request.url, problem, status_code=self.response.status_code
        )

    def start(self) -> None:
        """Refuse at once a body whose Content-Length is over the limit."""
        length = self.response.headers.get("content-length", "")
        if self.limit is not None and length.isdigit() and int(length) > self.limit:
            raise self._too_large(f"the body is {int(length)} bytes")
        if self.sink is not None:
            self.sink.restart()

    def _too_large(self, size: str) -> ResponseTooLargeError:
        request = self.request
        return ResponseTooLargeError.at(
            request.method,
            request.url,
            f"{size}, over max_response_bytes={self.limit}; not read further",
            status_code=self.response.status_code,
            limit=self.limit,
        )

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise self._too_large(f"the body is more than {self.limit} bytes")
        if self.sink is not None:
            self.sink.write(chunk)
        else:
            self.chunks.append(chunk)
        if self.deadline is not None and self.clock() > self.deadline:
            where = f"{self.request.method} {self.request.url.copy_with(query=None)}"
            raise APITimeoutError(
                f"{where}: the answer was still arriving ({self.size} bytes so far) when the "
                "call's deadline passed",
                method=self.request.method,
                url=str(self.request.url.copy_with(query=None)),
            )

    def undecodable(self, error: httpx.DecodingError) -> InvalidResponseError:
        encoding = self.response.headers.get("content-encoding", "?")
        return self._error(
            f"the body does not decode as its Content-Encoding ({encoding}): {error}"
        )

    def finish(self) -> None:
        _keep_content(self.response, b"".join(self.chunks))


def _keep_content(response: httpx.Response, content: bytes) -> None:
    """Make `content` the body `response.content` answers, as `Response.read()` does.

    The only private attribute of httpx this module touches: httpx has no public way to keep a
    body read with `iter_bytes()` (`Response._content`, httpx 0.23 to 0.28).
    `tests/hostile/test_network.py` fails loudly if httpx renames it."""
    response._content = content


def read_body(
    request: httpx.Request,
    response: httpx.Response,
    *,
    limit: int | None,
    deadline: float | None,
    clock: Callable[[], float],
) -> None:
    """Read `response`'s body within the limit and the deadline (see the module)."""
    reader = BodyReader(request, response, limit=limit, deadline=deadline, clock=clock)
    try:
        reader.start()
        for chunk in response.iter_bytes():
            reader.add(chunk)
    except httpx.DecodingError as error:
        response.close()
        raise reader.undecodable(error) from error
    except BaseException:
        response.close()
        raise
    reader.finish()


async def aread_body(
    request: httpx.Request,
    response: httpx.Response,
    *,
    limit: int | None,
    deadline: float | None,
    clock: Callable[[], float],
) -> None:
    """The async twin of `read_body`."""
    reader = BodyReader(request, response, limit=limit, deadline=deadline, clock=clock)
    try:
        reader.start()
        async for chunk in response.aiter_bytes():
            reader.add(chunk)
    except httpx.DecodingError as error:
        await response.aclose()
        raise reader.undecodable(error) from error
    except BaseException:
        await response.aclose()
        raise
    reader.finish()
