"""The httpx clients the library builds, and the one place that reaches into a caller's own.

The clients built here keep no cookies (the API authenticates by bearer token, and reading
every answer's Set-Cookie into urllib's jar is the costliest step of httpx's bookkeeping per
request) and follow no redirects (a redirect must never carry the token elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import httpx

T = TypeVar("T", httpx.BaseTransport, httpx.AsyncBaseTransport)


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        pass

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        _no_cookies(None, name)

    def update(self, cookies: Any = None) -> None:  # type: ignore[override]
        _no_cookies(None, cookies)


_NO_COOKIES = _NoCookies()


def _no_cookies(client: object, cookies: object) -> NoReturn:
    raise TypeError(
        "sage_accounting's clients keep no cookies; pass http_client=httpx.Client(...) "
        "for one that does"
    )


class HTTPClient(httpx.Client):
    """The sync httpx client of `SageAccounting` when the caller passes none."""

    cookies = property(lambda self: _NO_COOKIES, _no_cookies)


class AsyncHTTPClient(httpx.AsyncClient):
    """The async httpx client of `AsyncSageAccounting` when the caller passes none."""

    cookies = property(lambda self: _NO_COOKIES, _no_cookies)


def wrap_transport(client: httpx.Client | httpx.AsyncClient, wrap: Callable[[Any], T]) -> T:
    """Put `wrap(transport)` under a caller's own httpx client, in place; returns it.

    The only place the library touches a private attribute of httpx: httpx has no public
    way to reach or replace the transport of a client that exists (`Client._transport`, in
    httpx 0.23 to 0.28). `tests/auth/test_clients.py` fails loudly if httpx renames it. The
    client's `mounts` (proxies, per-host transports) are not wrapped: requests they take
    skip retries and limits.
    """
    inner = getattr(client, "_transport", None)
    if not isinstance(inner, (httpx.BaseTransport, httpx.AsyncBaseTransport)):
        raise TypeError(
            f"cannot wrap the transport of {type(client).__name__}: this httpx "
            f"({httpx.__version__}) keeps it elsewhere; pass transport= instead of http_client="
        )
    wrapped = wrap(inner)
    client._transport = wrapped
    return wrapped
