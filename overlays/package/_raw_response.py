"""The HTTP answer behind a call, with its parsed result: `client.with_raw_response`.

One mechanism serves every facade method, the client's own methods and any generated
operation: a wrapper runs the call while catching the last answer the transport hands up
(`_exchange.catching`), then returns a `RawResponse` of that answer and the call's result.
A list (a pager) fetches its first page inside the wrapper, so its answer is that page's. An
error status still raises its typed error, which carries the answer's headers and request id.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable
from typing import Any, Generic, ParamSpec, TypeVar

import httpx

from ._exchange import attempts_of, catching
from ._pagination import AsyncPager, Pager
from .errors import request_id

P = ParamSpec("P")
R = TypeVar("R")
AP = TypeVar("AP", bound=AsyncPager[Any, Any])


class RawResponse(Generic[R]):
    """The answer to one call: the final HTTP response and the call's parsed result.

    `parse()` is the result the call would have returned (parsed already, by the call);
    `http_response` is httpx's response (its body read), and the rest are read from it.
    `attempts` counts how often the request was sent: retries and a resend after a token
    refresh included (1: sent once)."""

    __slots__ = ("_parsed", "http_response")

    def __init__(self, http_response: httpx.Response, parsed: R) -> None:
        self.http_response = http_response
        self._parsed = parsed

    def __repr__(self) -> str:
        request = self.request
        return (
            f"<RawResponse {self.status_code} {request.method} {request.url.copy_with(query=None)}"
            f" attempts={self.attempts}>"
        )

    def parse(self) -> R:
        return self._parsed

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """Sage's request or correlation id where the answer has one (`errors.request_id`)."""
        return request_id(self.http_response.headers)

    @property
    def elapsed(self) -> datetime.timedelta:
        """From the first attempt to the answer's end, waits between retries included."""
        return self.http_response.elapsed

    @property
    def request(self) -> httpx.Request:
        """The request as it was finally sent (the token's header is on it: do not log it)."""
        return self.http_response.request

    @property
    def attempts(self) -> int:
        return attempts_of(self.http_response.request)

    @property
    def content(self) -> bytes:
        return self.http_response.content


def _answer(caught: httpx.Response | None, call: str) -> httpx.Response:
    if caught is None:
        raise RuntimeError(f"{call} sent no request through a sage_accounting client")
    return caught


def to_raw_response(function: Callable[P, R]) -> Callable[P, RawResponse[R]]:
    """`function` (a facade method, a client method or a generated operation's `sync` /
    `sync_detailed` called with `client=sage.api_client`) answering a `RawResponse`."""

    @functools.wraps(function)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        with catching() as caught:
            result = function(*args, **kwargs)
            if isinstance(result, Pager):
                result.first_page()
        return RawResponse(_answer(caught.response, function.__qualname__), result)

    return wrapped


def async_to_raw_response(
    function: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[RawResponse[R]]]:
    """The async twin of `to_raw_response`, for coroutine functions."""

    @functools.wraps(function)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        with catching() as caught:
            result = await function(*args, **kwargs)
        return RawResponse(_answer(caught.response, function.__qualname__), result)

    return wrapped


def async_pager_raw_response(function: Callable[P, AP]) -> Callable[P, Awaitable[RawResponse[AP]]]:
    """An async resource's `list` (which answers a pager at once) answering the `RawResponse`
    of its first page, `parse()` the pager."""

    @functools.wraps(function)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[AP]:
        with catching() as caught:
            pager = function(*args, **kwargs)
            await pager.first_page()
        return RawResponse(_answer(caught.response, function.__qualname__), pager)

    return wrapped
