"""Answers that break at the network level: a body far larger than any page, one that drips in
or stalls after the headers, a gzip body that does not decompress. Each is an `APIError`
subclass naming the call, for get, list (first and later page) and create, sync and async;
none hangs, and a large body is refused after at most `max_response_bytes` in memory."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from sage_accounting import RetryPolicy
from sage_accounting import errors as e

from .calls import CALLS, FLAVORS, check, failure, serve
from .server import ITEM, JSON, Answer, HostileServer, sync_client

MB = 1024 * 1024
FIFTY_MB = 50 * 1000 * 1000
RECORD = json.dumps({**ITEM, "$items": []}).encode()  # reads as a record and as a page

# (what the server answers, client keywords, the error class, what the message says)
NETWORK: dict[str, tuple[Answer, dict[str, Any], type[e.APIError], str]] = {
    "50 MB with its Content-Length": (
        Answer(headers={**JSON, "content-length": str(FIFTY_MB)}, stream=FIFTY_MB),
        {},
        e.ResponseTooLargeError,
        f"the body is {FIFTY_MB} bytes, over max_response_bytes={32 * MB}; not read further",
    ),
    "50 MB with no length, past a 1 MiB limit": (
        Answer(stream=FIFTY_MB),
        {"max_response_bytes": MB},
        e.ResponseTooLargeError,
        f"the body is more than {MB} bytes, over max_response_bytes={MB}",
    ),
    "a slow drip inside the read timeout, past the deadline": (
        Answer(body=RECORD, drip=0.02),
        {"retry_policy": RetryPolicy(max_retries=0, deadline=0.3)},
        e.APITimeoutError,
        "the answer was still arriving",
    ),
    "a drip slower than the read timeout": (
        Answer(body=RECORD, drip=1.0),
        {},
        e.APITimeoutError,
        "timed out after 1 attempt(s)",
    ),
    "a stall after the headers": (
        Answer(body=RECORD, stall=True),
        {},
        e.APITimeoutError,
        "timed out after 1 attempt(s)",
    ),
    "a gzip body that does not decompress": (
        Answer(headers={**JSON, "content-encoding": "gzip"}, body=b"this is not gzip"),
        {},
        e.InvalidResponseError,
        "the body does not decode as its Content-Encoding (gzip)",
    ),
}


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", list(NETWORK))
def test_a_network_fault_is_a_typed_error_and_never_a_hang(
    server: HostileServer, case: str, call: str, flavor: str
) -> None:
    answer, client, expected, fragment = NETWORK[case]
    serve(server, call, answer)
    check(failure(server, flavor, call, **client), server, call, expected, fragment)


def test_a_large_body_is_refused_with_memory_bounded_by_the_limit(server: HostileServer) -> None:
    server.script = lambda seen: Answer(body=RECORD)
    with sync_client(server, max_response_bytes=MB) as sage:
        sage.contacts.get("k1")  # the modules a call needs are loaded before measuring
        server.script = lambda seen: Answer(stream=FIFTY_MB)
        tracemalloc.start()
        try:
            with pytest.raises(e.ResponseTooLargeError) as caught:
                sage.contacts.get("k1")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert caught.value.limit == MB and caught.value.status_code == 200
    assert peak < 3 * MB  # the 50 MB never were in memory, only the limit's worth
    assert server.streamed < FIFTY_MB  # and the client stopped reading


def test_the_default_limit_refuses_50_mb_sent_without_a_length(server: HostileServer) -> None:
    server.script = lambda seen: Answer(stream=FIFTY_MB)
    with sync_client(server) as sage, pytest.raises(e.ResponseTooLargeError) as caught:
        sage.contacts.list().first_page()
    assert caught.value.limit == 32 * MB
    assert str(caught.value) == (
        f"GET {server.base_url}/contacts: the body is more than {32 * MB} bytes, over "
        f"max_response_bytes={32 * MB}; not read further (HTTP 200)"
    )


def test_a_body_within_the_limit_is_read_whole(server: HostileServer) -> None:
    # Also the check that httpx still keeps a body read chunk by chunk where we put it
    # (`_response_body._keep_content`).
    body = json.dumps({**ITEM, "x_big": "x" * (3 * MB)}).encode()
    server.script = lambda seen: Answer(body=body)
    with sync_client(server, max_response_bytes=4 * MB) as sage:
        response = sage.request("GET", "/contacts/k1")
        assert response.content == body
        assert response.is_stream_consumed and response.is_closed
        assert sage.contacts.get("k1").additional_properties["x_big"] == "x" * (3 * MB)


def test_no_limit_reads_any_size(server: HostileServer) -> None:
    server.script = lambda seen: Answer(body=b" " * (2 * MB) + RECORD)
    with sync_client(server, max_response_bytes=None) as sage:
        assert sage.contacts.get("k1").id == ITEM["id"]


@pytest.mark.parametrize("limit", [0, -1, 1.5, "1"])
def test_the_limit_must_be_a_positive_number_of_bytes(server: HostileServer, limit: object) -> None:
    with pytest.raises(ValueError, match="max_response_bytes must be a number of bytes >= 1"):
        sync_client(server, max_response_bytes=limit)


def test_a_stalled_read_is_retried_for_a_get_then_a_timeout(server: HostileServer) -> None:
    server.script = lambda seen: Answer(body=RECORD, stall=True)
    policy = RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.001)
    with (
        sync_client(server, retry_policy=policy) as sage,
        pytest.raises(e.APITimeoutError, match="timed out after 2 attempt"),
    ):
        sage.contacts.get("k1")
    assert len(server.seen) == 2
