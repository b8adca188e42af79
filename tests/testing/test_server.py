"""The emulator's HTTP/1.1 server at the byte level: what curl, other languages' clients and
broken peers send, not only httpx."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from sage_accounting.testing import SageEmulator


@pytest.fixture()
def served() -> Iterator[tuple[SageEmulator, str, int, str]]:
    fake = SageEmulator(seed=3)
    token = fake.issue_token()["access_token"]
    with fake.serve() as base_url:
        parts = urllib.parse.urlsplit(base_url)
        assert parts.port is not None
        yield fake, parts.path, parts.port, token


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return sock


class _Reader:
    """Answers read off a socket one at a time (bytes of the next answer are kept)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.data = b""

    def _fill(self, size: int) -> None:
        while len(self.data) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            self.data += chunk

    def answer(self, *, head_only: bool = False) -> tuple[str, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.data:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.data += chunk
        head, _, self.data = self.data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        self._fill(length)
        body, self.data = self.data[:length], self.data[length:]
        return lines[0], headers, body


def test_two_pipelined_requests_on_one_connection_are_answered_in_order(
    served: tuple[SageEmulator, str, int, str],
) -> None:
    fake, prefix, port, token = served
    fake.seed("contacts", 3)
    request = (
        f"GET {prefix}/contacts?items_per_page=1 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
        f"GET {prefix}/contacts?items_per_page=2 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    )
    with _connect(port) as sock:
        sock.sendall(request.encode())
        reader = _Reader(sock)
        first = reader.answer()
        second = reader.answer()
    assert first[0] == "HTTP/1.1 200 OK" and second[0] == "HTTP/1.1 200 OK"
    assert len(json.loads(first[2])["$items"]) == 1
    assert len(json.loads(second[2])["$items"]) == 2


def test_expect_100_continue_and_connection_close(
    served: tuple[SageEmulator, str, int, str],
) -> None:
    fake, prefix, port, token = served
    body = json.dumps({"contact": {"name": "Curl Ltd", "contact_type_ids": ["CUSTOMER"]}})
    head = (
        f"POST {prefix}/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Expect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    with _connect(port) as sock:
        sock.sendall(head.encode())
        assert sock.recv(64) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body.encode())
        status, headers, answer = _Reader(sock).answer()
        assert status == "HTTP/1.1 201 Created" and headers["connection"] == "close"
        assert json.loads(answer)["name"] == "Curl Ltd"
        assert sock.recv(64) == b""  # closed as asked
    assert fake.stats.created["contacts"] == 1


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"NONSENSE\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nBroken header line\r\n\r\n", "400"),
        (b"POST /x HTTP/1.1\r\nContent-Length: ten\r\n\r\n", "400"),
        (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "411"),
    ],
)
def test_unreadable_requests_get_a_clear_error_and_the_connection_closes(
    served: tuple[SageEmulator, str, int, str], raw: bytes, status: str
) -> None:
    with _connect(served[2]) as sock:
        sock.sendall(raw)
        line, headers, body = _Reader(sock).answer()
        assert line.split(" ")[1] == status and headers["connection"] == "close"
        assert body  # the reason, in words
        assert sock.recv(64) == b""


def test_head_answers_without_a_body(served: tuple[SageEmulator, str, int, str]) -> None:
    _, prefix, port, token = served
    with _connect(port) as sock:
        sock.sendall(
            f"HEAD {prefix}/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"\r\nGET {prefix}/contacts HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        reader = _Reader(sock)
        line, headers, _ = reader.answer(head_only=True)
        # Sage has no HEAD: 405, whose body length is told but whose body is not sent.
        assert line == "HTTP/1.1 405 Method Not Allowed" and int(headers["content-length"]) > 0
        # The next bytes are the second answer's, not a body of the first.
        assert reader.answer()[0] == "HTTP/1.1 200 OK"


def test_stopping_finishes_answers_still_waiting_out_their_latency() -> None:
    fake = SageEmulator(seed=3, latency=30.0)
    token = fake.issue_token()["access_token"]
    with fake.serve() as base_url:
        parts = urllib.parse.urlsplit(base_url)
        assert parts.port is not None
        sock = _connect(parts.port)
        sock.sendall(
            f"GET {parts.path}/contacts HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        deadline = time.monotonic() + 5
        while fake.limits.admitted == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fake.limits.admitted == 1 and fake.stats.in_flight == 1
    # The server stopped at once, and the request no longer counts as in flight.
    assert fake.limits.admitted == 0 and fake.stats.in_flight == 0
    assert sock.recv(64) == b""
    sock.close()
