"""Retries against the emulator's faults: nothing lost, nothing created twice, waits honoured."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from typing import Any

import httpx
import pytest

from sage_accounting import AsyncSageAccounting, SageAccounting, Token
from sage_accounting._retry import RetryPolicy, retry_after
from sage_accounting._transport import SageTransport
from sage_accounting.errors import APIConnectionError, APITimeoutError, ServerError
from sage_accounting.testing import SageEmulator
from sage_accounting.testing._faults import Fault, FaultKind
from tests.clients import make_async_client, make_client

FAST = RetryPolicy(max_retries=10, backoff_base=0.0005, backoff_max=0.002)
RETRYABLE: tuple[FaultKind, ...] = ("429", "500", "502", "503", "504", "drop")


def _client(fake: SageEmulator, **kwargs: Any) -> SageAccounting:
    return make_client(fake, **{"retry_policy": FAST, **kwargs})


def _async_client(fake: SageEmulator, **kwargs: Any) -> AsyncSageAccounting:
    return make_async_client(fake, **{"retry_policy": FAST, **kwargs})


def _all_ids_sync(sage: SageAccounting, per_page: int = 100) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        data = sage.request("GET", "/contacts", params={"page": page, "items_per_page": per_page})
        body = data.json()
        ids += [item["id"] for item in body["$items"]]
        if not body["$next"]:
            return ids
        page += 1


def test_extraction_under_thirty_percent_faults_loses_and_repeats_nothing() -> None:
    fake = SageEmulator(seed=21)
    seeded = {record["id"] for record in fake.seed("contacts", 2000)}
    fake.faults.inject(0.3, RETRYABLE, seed=7)
    with _client(fake) as sage:
        ids = _all_ids_sync(sage)
        retries = sage.retry_stats.retries
    assert len(ids) == 2000 and set(ids) == seeded
    assert retries > 0
    faulted = sum(n for status, n in fake.stats.by_status.items() if status >= 429)
    assert faulted > 0


def test_async_extraction_under_faults() -> None:
    fake = SageEmulator(seed=22)
    seeded = {record["id"] for record in fake.seed("contacts", 2000)}
    fake.faults.inject(0.3, RETRYABLE, seed=8)

    async def run() -> list[str]:
        async with _async_client(fake) as sage:
            ids: list[str] = []
            pages = await asyncio.gather(
                *(
                    sage.request("GET", "/contacts", params={"page": n, "items_per_page": 100})
                    for n in range(1, 21)
                )
            )
            for page in pages:
                ids += [item["id"] for item in page.json()["$items"]]
            return ids

    ids = asyncio.run(run())
    assert len(ids) == 2000 and set(ids) == seeded


def _create(sage: SageAccounting, fake: SageEmulator, reference: str) -> int:
    body = fake.example_body("contacts", "POST", minimal=True, wrapped=True)
    body["contact"]["reference"] = reference
    return sage.request("POST", "/contacts", json=body).status_code


def test_fifty_creates_under_faults_are_never_duplicated() -> None:
    fake = SageEmulator(seed=23)
    fake.faults.inject(0.3, RETRYABLE, methods=["POST"], when="either", seed=9)
    ambiguous: list[str] = []
    with _client(fake) as sage:
        for n in range(50):
            reference = f"R{n:03d}"
            try:
                assert _create(sage, fake, reference) == 201
            except (ServerError, APIConnectionError):
                ambiguous.append(reference)  # may or may not have reached Sage
        stored = [c.get("reference") for c in fake.records("contacts")]
        assert len(stored) == len(set(stored))  # a retry never created a record twice
        # What a careful caller does after an ambiguous failure: look before creating again.
        for reference in ambiguous:
            if reference not in stored:
                assert _create(sage, fake, reference) == 201
    final = sorted(str(c.get("reference")) for c in fake.records("contacts"))
    assert final == [f"R{n:03d}" for n in range(50)]
    assert ambiguous  # the faults did strike POSTs


def test_post_after_a_fault_that_struck_after_the_change_is_not_repeated() -> None:
    fake = SageEmulator(seed=24)
    fake.faults.script([Fault("500", when="after")], methods=["POST"])
    with _client(fake) as sage, pytest.raises(ServerError):
        _create(sage, fake, "ONCE")
    posts = [e for e in fake.stats.requests if e.method == "POST"]
    assert len(posts) == 1
    assert [c.get("reference") for c in fake.records("contacts")] == ["ONCE"]


def test_post_is_retried_when_it_provably_did_not_reach_sage() -> None:
    fake = SageEmulator(seed=25)
    fake.faults.script(["429", "429"], methods=["POST"], retry_after=0)
    with _client(fake) as sage:
        assert _create(sage, fake, "R1") == 201
    assert [e.status for e in fake.stats.requests if e.method == "POST"] == [429, 429, 201]


def test_opt_in_retries_post_after_a_server_error() -> None:
    fake = SageEmulator(seed=26)
    fake.faults.script(["503"], methods=["POST"])  # before the change: safe to repeat
    with _client(fake) as sage:
        with pytest.raises(ServerError):
            _create(sage, fake, "NO")
        assert _create(sage.with_options(retry_post=True), fake, "YES") == 201
    assert [c.get("reference") for c in fake.records("contacts")] == ["YES"]


def test_put_and_delete_are_retried_after_server_errors() -> None:
    fake = SageEmulator(seed=27)
    (record,) = fake.seed("contacts", 1)
    fake.faults.script(["502", "drop"], methods=["PUT"])
    fake.faults.script(["504"], methods=["DELETE"])
    with _client(fake) as sage:
        put = sage.request(
            "PUT", f"/contacts/{record['id']}", json={"contact": {"name": "Renamed Ltd"}}
        )
        assert put.status_code == 200
        assert sage.request("DELETE", f"/contacts/{record['id']}").status_code in (200, 204)
    assert fake.count("contacts") == 0


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_retry_after_seconds_is_honoured() -> None:
    fake = SageEmulator(seed=28)
    fake.faults.script(["429"], retry_after=7)
    sleeps = Sleeps()
    token = Token.from_response(fake.issue_token())
    transport = SageTransport(fake.transport, policy=FAST, sleep=sleeps)
    with httpx.Client(transport=transport) as http:
        answer = http.get(
            f"{fake.api_base_url}/user", headers={"Authorization": f"Bearer {token.access_token}"}
        )
    assert answer.status_code == 200
    assert sleeps.waits == [7.0]


def test_retry_after_http_date_and_backoff_caps() -> None:
    later = email.utils.formatdate(1_000_030, usegmt=True)
    response = httpx.Response(429, headers={"Retry-After": later})
    assert retry_after(response, now=1_000_000) == pytest.approx(30)
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    policy = RetryPolicy(backoff_base=1, backoff_max=8)
    rng = random.Random(1)
    waits = [policy.backoff(attempt, rng) for attempt in range(10) for _ in range(50)]
    assert max(waits) <= 8 and min(waits) >= 0
    assert max(policy.backoff(0, rng) for _ in range(100)) <= 1  # full jitter of the first step


def test_without_retry_after_backoff_grows_with_jitter() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503 if calls < 5 else 200)

    sleeps = Sleeps()
    policy = RetryPolicy(max_retries=5, backoff_base=1, backoff_max=100)
    transport = SageTransport(
        httpx.MockTransport(handler), policy=policy, sleep=sleeps, rng=random.Random(3)
    )
    with httpx.Client(transport=transport) as http:
        assert http.get("https://api.example.test/x").status_code == 200
    assert len(sleeps.waits) == 4
    assert all(0 <= wait <= 2**n for n, wait in enumerate(sleeps.waits))


def test_deadline_stops_retrying() -> None:
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    transport = SageTransport(
        httpx.MockTransport(lambda request: httpx.Response(503, headers={"Retry-After": "40"})),
        policy=RetryPolicy(max_retries=10, deadline=100),
        sleep=sleep,
        clock=lambda: clock[0],
    )
    with httpx.Client(transport=transport) as http:
        assert http.get("https://api.example.test/x").status_code == 503
    assert clock[0] == 80  # two waits of 40 s; a third would pass the 100 s deadline


def test_connection_errors_become_typed_after_retries(caplog: pytest.LogCaptureFixture) -> None:
    attempts = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("connection refused", request=request)

    caplog.set_level(logging.DEBUG, logger="sage_accounting")
    transport = SageTransport(
        httpx.MockTransport(refuse), policy=RetryPolicy(max_retries=3), sleep=lambda s: None
    )
    with httpx.Client(transport=transport) as http, pytest.raises(APIConnectionError) as caught:
        http.post("https://api.example.test/contacts?search=Acme", json={})
    assert attempts == 4  # a POST that never left is safe to repeat
    error = caught.value
    assert str(error) == "POST https://api.example.test/contacts: ConnectError after 4 attempt(s)"
    assert error.method == "POST" and error.url == "https://api.example.test/contacts"
    retry_lines = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retry_lines) == 3 and "ConnectError" in retry_lines[0]


def test_read_timeout_on_post_is_not_retried() -> None:
    attempts = 0

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ReadTimeout("no answer", request=request)

    transport = SageTransport(httpx.MockTransport(slow), sleep=lambda s: None)
    with httpx.Client(transport=transport) as http:
        with pytest.raises(APITimeoutError):
            http.post("https://api.example.test/contacts", json={})
        assert attempts == 1
        with pytest.raises(APITimeoutError):
            http.get("https://api.example.test/contacts")
        assert attempts == 1 + 6
