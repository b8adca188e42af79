"""httpx transports that answer from the emulator without a network."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from collections.abc import Callable

import httpx

from ._http import Request, Response

Handler = Callable[[Request], Response]


def _request(request: httpx.Request, content: bytes) -> Request:
    url = request.url
    origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
    return Request(
        method=request.method,
        origin=origin,
        path=url.path,
        query=urllib.parse.parse_qsl(url.query.decode("ascii"), keep_blank_values=True),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=content,
    )


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout", {})
    value = timeout.get("read") if isinstance(timeout, dict) else None
    return float(value) if value is not None else None


def _deliver(request: httpx.Request, response: Response) -> httpx.Response:
    if response.drop:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    return httpx.Response(
        response.status, headers=response.headers, content=response.body, request=request
    )


class EmulatorTransport(httpx.BaseTransport):
    """Serves the emulator's hosts in process; any other host fails to connect."""

    def __init__(self, handle: Handler, hosts: Callable[[], frozenset[str]]) -> None:
        self._handle = handle
        self._hosts = hosts

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host not in self._hosts():
            raise httpx.ConnectError(
                f"the emulator does not serve {request.url.host}", request=request
            )
        response = self._handle(_request(request, request.read()))
        timeout = _read_timeout(request)
        try:
            if timeout is not None and response.delay > timeout:
                time.sleep(timeout)
                raise httpx.ReadTimeout("The emulator answered too slowly", request=request)
            if response.delay > 0:
                time.sleep(response.delay)
        finally:
            response.finish()
        return _deliver(request, response)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    def __init__(self, handle: Handler, hosts: Callable[[], frozenset[str]]) -> None:
        self._handle = handle
        self._hosts = hosts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host not in self._hosts():
            raise httpx.ConnectError(
                f"the emulator does not serve {request.url.host}", request=request
            )
        response = self._handle(_request(request, await request.aread()))
        timeout = _read_timeout(request)
        try:
            if timeout is not None and response.delay > timeout:
                await asyncio.sleep(timeout)
                raise httpx.ReadTimeout("The emulator answered too slowly", request=request)
            if response.delay > 0:
                await asyncio.sleep(response.delay)
        finally:
            response.finish()
        return _deliver(request, response)
