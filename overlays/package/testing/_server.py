"""The emulator over real HTTP on 127.0.0.1: a thread per connection, keep-alive."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sage_accounting.testing._http import Request, Response

Handler = Callable[[Request], Response]
IDLE_TIMEOUT = 30.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # bursts of hundreds of clients connect at once

    def __init__(self, address: tuple[str, int], handle: Handler) -> None:
        self.handle_emulated = handle
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True  # small answers must not wait for the peer's delayed ACK
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the emulator keeps its own request log

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        request = Request(
            method=self.command,
            origin=f"http://{host}",
            path=url.path,
            query=urllib.parse.parse_qsl(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = self.server.handle_emulated(request)
        try:
            if response.delay > 0:
                time.sleep(response.delay)
        finally:
            response.finish()  # before writing: the client may send its next request at once
        if response.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        head = [f"{self.protocol_version} {response.status} {phrase}"]
        head += [f"{name}: {value}" for name, value in response.headers]
        head.append(f"Content-Length: {len(response.body)}")
        # Status, headers and body in one write: no small packets waiting on delayed ACKs.
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve


class Serving:
    """A running server; `stop()` ends it and every open connection."""

    def __init__(self, handle: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), handle)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
