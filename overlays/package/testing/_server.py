"""The emulator over real HTTP/1.1 on 127.0.0.1: one event loop in one thread, keep-alive.

Answers wait out their latency on the loop's timers, not in a sleeping thread per connection,
so hundreds of connections cost one thread and the emulator's own CPU stays small next to the
clients it serves. Requests on one connection are answered in order, one at a time; request
bodies need a Content-Length (no chunked uploads), and `Expect: 100-continue` is honoured.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus

from ._http import Request, Response

Handler = Callable[[Request], Response]
IDLE_TIMEOUT = 30.0  # seconds a kept-alive connection may stay silent
MAX_HEAD = 64 * 1024  # bytes of request line and headers
MAX_BODY = 64 * 1024 * 1024


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _plain(status: int, text: str) -> Response:
    return Response(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode())


class _Malformed(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class _Connection(asyncio.Protocol):
    def __init__(self, serving: Serving) -> None:
        self.serving = serving
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.answering = False  # a request of this connection is being answered
        self.continued = False  # `100 Continue` sent for the request being received
        self.idle: asyncio.TimerHandle | None = None

    # --- asyncio's side ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.serving.connections.add(self)
        self._arm_idle()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.answering:
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.serving.connections.discard(self)
        if self.idle is not None:
            self.idle.cancel()
        self.transport = None

    # --- requests and answers ---------------------------------------------------------------

    def _arm_idle(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
        self.idle = self.serving.loop.call_later(IDLE_TIMEOUT, self.close)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _next(self) -> None:
        """Answer the next complete request in the buffer, if there is one."""
        if self.transport is None or self.transport.is_closing():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                self._refuse(431, "request head too large")
            return
        try:
            method, target, version, headers = _parse_head(bytes(self.buffer[:end]))
            length = _content_length(headers)
        except _Malformed as malformed:
            self._refuse(malformed.status, str(malformed))
            return
        start = end + 4
        if len(self.buffer) < start + length:
            if headers.get("expect", "").lower() == "100-continue" and not self.continued:
                self.continued = True
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return
        body = bytes(self.buffer[start : start + length])
        del self.buffer[: start + length]
        self.continued = False
        self.answering = True
        if self.idle is not None:
            self.idle.cancel()
        url = urllib.parse.urlsplit(target)
        request = Request(
            method=method,
            origin=f"http://{headers.get('host') or self.serving.address}",
            path=url.path,
            query=urllib.parse.parse_qsl(url.query, keep_blank_values=True),
            headers=headers,
            body=body,
        )
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        try:
            response = self.serving.handle(request)
        except Exception as error:  # an emulator bug: answer it rather than hang the client
            response = _plain(500, f"emulator error: {type(error).__name__}: {error}")
        if response.delay > 0:
            timer = self.serving.loop.call_later(
                response.delay, self._answer, response, keep_alive, method
            )
            self.serving.pending[id(response)] = (timer, response)
        else:
            self._answer(response, keep_alive, method)

    def _answer(self, response: Response, keep_alive: bool, method: str) -> None:
        self.serving.pending.pop(id(response), None)
        response.finish()  # before writing: the client may send its next request at once
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if response.drop:
            transport.abort()
            return
        head = [f"HTTP/1.1 {response.status} {_phrase(response.status)}"]
        head += [f"{name}: {value}" for name, value in response.headers]
        head.append(f"Content-Length: {len(response.body)}")
        if not keep_alive:
            head.append("Connection: close")
        payload = b"" if method == "HEAD" else response.body
        transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        if not keep_alive:
            transport.close()
            return
        self.answering = False
        self._arm_idle()
        if self.buffer:
            self._next()

    def _refuse(self, status: int, reason: str) -> None:
        """Answer a request that cannot be read, and close: the stream is out of step."""
        assert self.transport is not None
        body = reason.encode()
        head = (
            f"HTTP/1.1 {status} {_phrase(status)}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
        self.transport.close()


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _Malformed(400, f"bad request line {lines[0][:100]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise _Malformed(400, f"bad header line {line[:100]!r}")
        headers[name.lower()] = value.strip()  # the last of repeated headers wins
    return method, target, version, headers


def _content_length(headers: dict[str, str]) -> int:
    if "transfer-encoding" in headers:
        raise _Malformed(411, "a request body needs a Content-Length (no chunked uploads)")
    text = headers.get("content-length") or "0"
    if not text.isdigit():
        raise _Malformed(400, f"bad Content-Length {text[:40]!r}")
    length = int(text)
    if length > MAX_BODY:
        raise _Malformed(413, f"request body over {MAX_BODY} bytes")
    return length


class Serving:
    """A running server; `stop()` ends it and every open connection."""

    def __init__(self, handle: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self.handle = handle
        self.host = host
        self.loop = asyncio.new_event_loop()
        self.connections: set[_Connection] = set()
        # Answers waiting out a delay, by id(response): stopping finishes them.
        self.pending: dict[int, tuple[asyncio.TimerHandle, Response]] = {}
        self._server: asyncio.AbstractServer | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(host, port), name="sage-emulator-server", daemon=True
        )
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure
        assert self._server is not None
        self.port: int = int(self._server.sockets[0].getsockname()[1])
        self.address: str = f"{host}:{self.port}"

    def _run(self, host: str, port: int) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self._server = self.loop.run_until_complete(
                self.loop.create_server(
                    lambda: _Connection(self), host, port, backlog=1024, reuse_address=True
                )
            )
        except BaseException as error:  # the port is taken, say: raised in the caller
            self._failure = error
            self._started.set()
            self.loop.close()
            return
        self._started.set()
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for timer, response in list(self.pending.values()):  # their requests still count
            timer.cancel()
            with contextlib.suppress(Exception):
                response.finish()
        self.pending.clear()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
        self.loop.call_soon(self.loop.stop)

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop stopped already
            self.loop.call_soon_threadsafe(self._shutdown)
        self._thread.join(timeout=5)
