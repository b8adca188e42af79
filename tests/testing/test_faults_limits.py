"""Concurrency cap, budgets, fault injection (before and after the change) and the counters."""

from __future__ import annotations

import asyncio
import email.utils
import threading

import httpx
import pytest

from sage_accounting.testing import FakeClock, Fault, SageEmulator
from tests.testing.conftest import api_client


def test_budget_per_minute_answers_429_with_retry_after(clock: FakeClock) -> None:
    fake = SageEmulator(seed=1, clock=clock, per_minute=3)
    client = api_client(fake)
    assert [client.get("/contacts").status_code for _ in range(3)] == [200, 200, 200]
    clock.advance(20)
    refused = client.get("/contacts")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "40"
    clock.advance(40)
    assert client.get("/contacts").status_code == 200


def test_budgets_are_per_business(clock: FakeClock) -> None:
    fake = SageEmulator(seed=1, clock=clock, per_day=2)
    other = fake.add_business("Other")
    client = api_client(fake)
    assert client.get("/contacts").status_code == 200
    assert client.get("/contacts").status_code == 200
    assert client.get("/contacts").status_code == 429
    assert client.get("/contacts", headers={"X-Business": other}).status_code == 200
    shared = SageEmulator(seed=1, clock=clock, per_day=2, budget_scope="app")
    other = shared.add_business("Other")
    client = api_client(shared)
    assert client.get("/contacts").status_code == 200
    assert client.get("/contacts", headers={"X-Business": other}).status_code == 200
    assert client.get("/contacts", headers={"X-Business": other}).status_code == 429


def test_concurrency_cap_and_max_in_flight() -> None:
    fake = SageEmulator(seed=1, concurrency_limit=4, latency=0.2)
    client = api_client(fake)
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def call() -> None:
        barrier.wait()
        statuses.append(client.get("/contacts").status_code)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 4 + [429] * 6
    assert fake.stats.max_in_flight == 10
    assert fake.stats.by_path_status[("/contacts", 429)] == 6
    assert fake.stats.in_flight == 0


def test_cap_usage_integrates_admitted_requests_over_time() -> None:
    fake = SageEmulator(seed=1, concurrency_limit=4, latency=0.05)
    assert fake.cap_usage().share == 0.0 and fake.cap_usage().seconds == 0.0
    client = api_client(fake)
    for _ in range(4):  # one at a time: never more than one request inside the cap
        assert client.get("/contacts").status_code == 200
    alone = fake.cap_usage()
    assert alone.concurrency == 4
    assert alone.busy_seconds >= 4 * 0.05  # each admitted request sleeps its latency inside
    assert 0.0 < alone.mean_in_flight <= 1.0
    assert alone.share == pytest.approx(alone.mean_in_flight / 4)

    barrier = threading.Barrier(6)

    def call() -> None:
        barrier.wait()
        client.get("/contacts")

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = fake.cap_usage()
    # The first four to arrive are admitted whatever the timing; each spends its latency inside.
    assert after.busy_seconds >= alone.busy_seconds + 4 * 0.05
    assert after.seconds > alone.seconds and after.mean_in_flight <= 4
    assert fake.limits.admitted == 0


def test_every_answer_has_an_http_date_of_the_emulator_clock(clock: FakeClock) -> None:
    fake = SageEmulator(seed=1, clock=clock)
    client = api_client(fake)
    first = client.get("/contacts").headers["Date"]
    assert email.utils.parsedate_to_datetime(first).timestamp() == int(clock.now())
    assert first.endswith(" GMT") and first[:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
    clock.advance(86_400 * 40 + 0.5)
    later = client.get("/contacts").headers["Date"]
    assert email.utils.parsedate_to_datetime(later).timestamp() == int(clock.now())


def test_async_transport_counts_overlapping_requests() -> None:
    fake = SageEmulator(seed=1, latency=0.05)
    token = fake.issue_token()["access_token"]

    async def run() -> list[int]:
        async with httpx.AsyncClient(
            transport=fake.async_transport,
            base_url=fake.api_base_url,
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            answers = await asyncio.gather(*(client.get("/contacts") for _ in range(12)))
        return [a.status_code for a in answers]

    assert asyncio.run(run()) == [200] * 12
    assert fake.stats.max_in_flight == 12


def test_probabilistic_faults_are_reproducible(clock: FakeClock) -> None:
    def outcomes() -> list[str]:
        fake = SageEmulator(seed=5, clock=clock)
        fake.seed("contacts", 5)
        fake.faults.inject(0.5, kinds=("500", "503", "429"))
        client = api_client(fake)
        return [str(client.get("/contacts").status_code) for _ in range(40)]

    first = outcomes()
    assert first == outcomes()
    assert {"200", "500", "503", "429"} <= set(first)


def test_scripted_faults_and_their_kinds(fake: SageEmulator, client: httpx.Client) -> None:
    fake.seed("contacts", 4)
    fake.faults.script(["429", None, "502", "malformed", "drop"], methods=["GET"])
    throttled = client.get("/contacts")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"
    assert client.get("/contacts").status_code == 200
    gateway = client.get("/contacts")
    assert gateway.status_code == 502
    assert gateway.headers["Content-Type"] == "text/html"
    garbled = client.get("/contacts")
    assert garbled.status_code == 200
    with pytest.raises(ValueError):
        garbled.json()
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/contacts")
    assert fake.faults.pending == 0
    assert client.get("/contacts").status_code == 200
    statuses = [entry.status for entry in fake.stats.requests]
    assert statuses == [429, 200, 502, 200, 0, 200]
    assert fake.stats.requests[-2].fault == "drop/before"


def test_fault_before_or_after_the_change(fake: SageEmulator, client: httpx.Client) -> None:
    body = {"contact": {"name": "Once", "contact_type_ids": ["CUSTOMER"]}}
    fake.faults.script(["503"], methods=["POST"], when="before")
    assert client.post("/contacts", json=body).status_code == 503
    assert fake.count("contacts") == 0
    fake.faults.script([Fault("drop", when="after")], methods=["POST"])
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/contacts", json=body)
    assert fake.count("contacts") == 1  # the change was made; only the answer was lost
    assert fake.stats.created["contacts"] == 1
    fake.faults.script(["500"], methods=["DELETE"], when="after")
    key = fake.records("contacts")[0]["id"]
    assert client.delete(f"/contacts/{key}").status_code == 500
    assert fake.count("contacts") == 0


def test_slow_answers_time_out(fake: SageEmulator, client: httpx.Client) -> None:
    fake.faults.script([Fault("slow", slow_seconds=5.0)])
    with pytest.raises(httpx.ReadTimeout):
        client.get("/contacts", timeout=0.05)


def test_faults_on_the_token_endpoint(fake: SageEmulator) -> None:
    token = fake.issue_token()
    fake.faults.script([Fault("drop", when="after")], paths=["/token"])
    http = httpx.Client(transport=fake.transport)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": token["refresh_token"],
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
    }
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(fake.token_url, data=form)
    assert fake.stats.refreshes == 1  # rotated on the server, lost on the way back
    assert http.post(fake.token_url, data=form).json() == {"error": "invalid_grant"}
    assert fake.stats.refresh_token_reuse == 1


def test_unknown_hosts_are_not_reached(fake: SageEmulator) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.Client(transport=fake.transport).get("https://example.com/")


def test_request_log_and_reset(fake: SageEmulator, client: httpx.Client) -> None:
    client.get("/contacts", params={"page": 1})
    entry = fake.stats.requests[0]
    assert (entry.method, entry.path, entry.status, entry.business) == (
        "GET",
        "/contacts",
        200,
        fake.lead_business_id,
    )
    assert entry.query == "page=1"
    assert entry.time == fake.clock.now()
    fake.stats.reset()
    assert fake.stats.requests == []
    assert fake.stats.max_in_flight == 0
