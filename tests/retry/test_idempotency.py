"""Creates that carry an idempotency_id are retried after ambiguous failures, with the same id."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from sage_accounting import AsyncSageAccounting, RetryPolicy, SageAccounting
from sage_accounting._retry import replay_safe
from sage_accounting.api.contacts import post_contacts
from sage_accounting.errors import APIConnectionError, ServerError
from sage_accounting.models import Contact, PostContacts
from sage_accounting.testing import SageEmulator
from sage_accounting.testing._faults import Fault, FaultKind
from tests.clients import make_async_client, make_client

FAST = RetryPolicy(max_retries=10, backoff_base=0.0005, backoff_max=0.002)
CREATES = 25


def _client(fake: SageEmulator, **kwargs: Any) -> SageAccounting:
    return make_client(fake, **{"retry_policy": FAST, **kwargs})


def _async_client(fake: SageEmulator, **kwargs: Any) -> AsyncSageAccounting:
    return make_async_client(fake, **{"retry_policy": FAST, **kwargs})


def _after_commit_faults(fake: SageEmulator) -> list[Fault | None]:
    """Every create is stored and then answered 503 or cut off; every fifth one twice."""
    script: list[Fault | None] = []
    for n in range(CREATES):
        kinds: list[FaultKind] = ["503" if n % 2 else "drop"]
        if n % 5 == 0:
            kinds.append("drop" if n % 2 else "503")
        script += [Fault(kind, when="after") for kind in kinds] + [None]
    fake.faults.script(script, methods=["POST"], paths=["/contacts"])
    return script


def _body(fake: SageEmulator, n: int) -> dict[str, Any]:
    body = fake.example_body("contacts", minimal=True)
    body["reference"] = f"R{n:03d}"
    return body


def _assert_each_stored_once(fake: SageEmulator, created: list[Contact]) -> None:
    stored = fake.records("contacts")
    assert sorted(str(c.reference) for c in created) == [f"R{n:03d}" for n in range(CREATES)]
    assert sorted(str(c["id"]) for c in stored) == sorted(str(c.id) for c in created)
    assert fake.stats.created["contacts"] == CREATES


def test_creates_hit_by_faults_after_commit_each_return_their_record_once() -> None:
    fake = SageEmulator(seed=41)
    script = _after_commit_faults(fake)
    with _client(fake) as sage:
        created = [sage.contacts.create(_body(fake, n)) for n in range(CREATES)]
        retries = sage.retry_stats.retries

    _assert_each_stored_once(fake, created)
    assert fake.faults.pending == 0
    assert retries == sum(1 for step in script if step is not None)


def test_async_creates_hit_by_faults_after_commit_each_return_their_record_once() -> None:
    fake = SageEmulator(seed=42)
    _after_commit_faults(fake)

    async def run() -> list[Contact]:
        async with _async_client(fake) as sage:
            return list(
                await asyncio.gather(
                    *(sage.contacts.create(_body(fake, n)) for n in range(CREATES))
                )
            )

    created = asyncio.run(run())

    _assert_each_stored_once(fake, created)
    assert fake.faults.pending == 0


def test_a_create_that_timed_out_is_sent_again_and_stored_once() -> None:
    fake = SageEmulator(seed=43)
    fake.faults.script([Fault("slow", slow_seconds=30.0)], methods=["POST"])
    with _client(fake, timeout=0.05) as sage:
        created = sage.contacts.create(_body(fake, 0))

    assert [c["id"] for c in fake.records("contacts")] == [created.id]
    assert [e.status for e in fake.stats.requests if e.method == "POST"] == [201, 201]


def test_a_create_without_an_id_is_still_not_repeated_after_a_503() -> None:
    fake = SageEmulator(seed=44)
    fake.faults.script([Fault("503", when="after"), Fault("drop", when="after")], methods=["POST"])
    with _client(fake) as sage:
        with pytest.raises(ServerError):
            sage.contacts.create(_body(fake, 0), idempotency_id=False)
        with pytest.raises(APIConnectionError):
            sage.contacts.create(_body(fake, 1), idempotency_id=False)

    assert sorted(c["reference"] for c in fake.records("contacts")) == ["R000", "R001"]
    assert len([e for e in fake.stats.requests if e.method == "POST"]) == 2


def test_a_post_built_by_the_generated_function_with_an_id_is_retried() -> None:
    fake = SageEmulator(seed=45)
    fake.faults.script([Fault("503", when="after")], methods=["POST"])
    body = PostContacts.from_dict(
        {"contact": {**_body(fake, 0), "idempotency_id": uuid.uuid4().hex}}
    )
    with _client(fake) as sage:
        created = post_contacts.sync(client=sage.api_client, body=body)

    assert isinstance(created, Contact)
    assert [c["id"] for c in fake.records("contacts")] == [created.id]
    assert [e.status for e in fake.stats.requests if e.method == "POST"] == [503, 201]


def test_a_raw_post_with_an_id_in_its_body_is_retried_after_a_dropped_connection() -> None:
    fake = SageEmulator(seed=46)
    fake.faults.script([Fault("drop", when="after")], methods=["POST"])
    body = {"contact": {**_body(fake, 0), "idempotency_id": uuid.uuid4().hex}}
    with _client(fake) as sage:
        response = sage.request("POST", "/contacts", json=body)

    assert response.status_code == 201
    assert [c["id"] for c in fake.records("contacts")] == [response.json()["id"]]


def _request(method: str, body: object = None, **extensions: object) -> httpx.Request:
    request = httpx.Request(method, "https://api.example/v3.1/contacts", json=body)
    request.extensions.update({f"sage_accounting.{k}": v for k, v in extensions.items()})
    return request


ID = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("request_", "safe"),
    [
        (_request("GET"), True),
        (_request("PUT", {"contact": {"name": "A"}}), True),  # sets fields: twice is once
        (_request("DELETE"), True),
        (_request("POST", {"contact": {"name": "A"}}), False),
        (_request("POST", {"contact": {"name": "A", "idempotency_id": ID}}), True),
        (_request("POST", {"contact": {"idempotency_id": ID.upper()}}), False),  # not Sage's form
        (_request("POST", {"contact": {"idempotency_id": ID[:-1]}}), False),
        (_request("POST", {"contact": {}, "idempotency_id": ID}), False),  # not inside the object
        (_request("POST", idempotency_id=ID), True),  # the facade's mark
        (_request("PATCH", {"contact": {"idempotency_id": ID}}), False),
    ],
)
def test_which_requests_are_safe_to_send_again(request_: httpx.Request, safe: bool) -> None:
    assert replay_safe(request_) is safe
