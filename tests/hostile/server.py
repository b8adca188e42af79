"""A small HTTP server on 127.0.0.1 that answers as a broken proxy or a faulty API would.

Each test sets `server.script`, a function from the request it got (`Seen`) to the `Answer` to
give: any status, headers and bytes, or a body that drips in, stalls after the headers, or
streams far more than any real page. The server stops by itself when the `with` block ends,
and so do the answers still being written.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from sage_accounting import AsyncSageAccounting, RetryPolicy, SageAccounting, Token

TOKEN = Token(access_token="hostile-access", refresh_token="hostile-refresh", expires_at=2e9)
ITEM = {"id": "0123456789abcdef0123456789abcdef", "displayed_as": "Acme Ltd", "$path": "/c/1"}
OTHER = {"id": "fedcba9876543210fedcba9876543210", "displayed_as": "Bolt plc", "$path": "/c/2"}
JSON = {"content-type": "application/json"}


@attrs.frozen
class Seen:
    """A request as the server got it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@attrs.frozen
class Answer:
    """What to answer. `drip`: seconds between the bytes of `body`; `stall`: send the headers,
    then nothing; `stream`: that many bytes of filler with no Content-Length (the body ends when
    the connection closes); `length`: send Content-Length for `body`."""

    status: int = 200
    headers: dict[str, str] = attrs.field(factory=lambda: dict(JSON))
    body: bytes = b""
    drip: float | None = None
    stall: bool = False
    stream: int | None = None
    length: bool = True


def page(*items: dict[str, Any], **envelope: Any) -> Answer:
    """A list page: `$items` plus the envelope keys given (`next="..."` is `$next`)."""
    import json

    body = {f"${key}": value for key, value in envelope.items()} | {"$items": list(items)}
    return Answer(body=json.dumps(body).encode())


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows what matters

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        seen = Seen(
            method=self.command,
            path=url.path,
            query=dict(urllib.parse.parse_qsl(url.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
        )
        self.server.owner.seen.append(seen)
        answer = self.server.owner.script(seen)
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.length and answer.stream is None:
            self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        with contextlib.suppress(OSError):  # the client gave up on it, as it should
            self._body(answer)
        self.close_connection = True

    def _body(self, answer: Answer) -> None:
        stop = self.server.owner.stop
        if answer.stall:
            stop.wait(10)
        elif answer.drip is not None:
            for index in range(len(answer.body)):
                if stop.wait(answer.drip):
                    return
                self.wfile.write(answer.body[index : index + 1])
                self.wfile.flush()
        elif answer.stream is not None:
            chunk = b" " * 65536
            for _ in range(answer.stream // len(chunk)):
                if stop.is_set():
                    return
                self.wfile.write(chunk)
                self.server.owner.streamed += len(chunk)
        else:
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer


class HostileServer:
    """The server; `base_url` is its API root (`http://127.0.0.1:PORT/v3.1`)."""

    def __init__(self) -> None:
        self.script: Callable[[Seen], Answer] = lambda seen: Answer(404)
        self.seen: list[Seen] = []
        self.streamed = 0
        self.stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.base_url = self.origin + "/v3.1"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.02)  # so that stopping takes no time

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def options(server: HostileServer, **kwargs: Any) -> dict[str, Any]:
    """Client keywords for `server`: short timeouts, no retries (a test can pass its own)."""
    chosen: dict[str, Any] = {
        "token": TOKEN,
        "base_url": server.base_url,
        "limits": None,
        "timeout": httpx.Timeout(5.0, read=0.3),
        "retry_policy": RetryPolicy(max_retries=0),
    }
    chosen.update(kwargs)
    return chosen


def sync_client(server: HostileServer, **kwargs: Any) -> SageAccounting:
    # A transport of our own: proxy settings of the environment must not reach 127.0.0.1.
    return SageAccounting(transport=httpx.HTTPTransport(), **options(server, **kwargs))


def async_client(server: HostileServer, **kwargs: Any) -> AsyncSageAccounting:
    return AsyncSageAccounting(transport=httpx.AsyncHTTPTransport(), **options(server, **kwargs))
