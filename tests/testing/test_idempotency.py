"""The emulator honours `idempotency_id` as Sage's idempotency guide says: 7 days, first answer."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from sage_accounting.testing import FakeClock, SageEmulator
from tests.testing.conftest import api_client

WEEK = 7 * 86_400.0


def _contact(fake: SageEmulator, key: str, **fields: Any) -> dict[str, Any]:
    body = fake.example_body("contacts", minimal=True)
    return {"contact": {**body, "idempotency_id": key, **fields}}


def test_the_same_request_again_gets_the_first_answer_and_creates_nothing(
    fake: SageEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    body = _contact(fake, uuid.uuid4().hex)
    first = client.post("/contacts", json=body)
    clock.advance(WEEK - 1)
    again = api_client(fake).post("/contacts", json=body)  # a new token: the old one expired

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert fake.count("contacts") == 1 and fake.stats.created["contacts"] == 1


def test_after_seven_days_the_id_creates_again(
    fake: SageEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    body = _contact(fake, uuid.uuid4().hex)
    first = client.post("/contacts", json=body)
    clock.advance(WEEK)
    later = api_client(fake).post("/contacts", json=body)

    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert fake.count("contacts") == 2


def test_the_same_id_with_another_body_is_the_emulators_422(
    fake: SageEmulator, client: httpx.Client
) -> None:
    key = uuid.uuid4().hex
    client.post("/contacts", json=_contact(fake, key, name="First Ltd"))
    other = client.post("/contacts", json=_contact(fake, key, name="Second Ltd"))

    assert other.status_code == 422
    assert [(e["$dataCode"], e["$source"]) for e in other.json()] == [
        ("IdempotencyIdReused", "idempotency_id")
    ]
    assert [c["name"] for c in fake.records("contacts")] == ["First Ltd"]


def test_ids_count_per_resource_and_business_and_a_refused_body_keeps_its_id_free(
    fake: SageEmulator, client: httpx.Client
) -> None:
    key = uuid.uuid4().hex
    refused = client.post("/contacts", json=_contact(fake, key, name=7))
    assert refused.status_code == 422
    assert client.post("/contacts", json=_contact(fake, key)).status_code == 201
    other_business = fake.add_business("Second Ltd")
    created = client.post(
        "/contacts", json=_contact(fake, key), headers={"X-Business": other_business}
    )
    product = fake.example_body("products", minimal=True)
    sold = client.post("/products", json={"product": {**product, "idempotency_id": key}})

    assert created.status_code == sold.status_code == 201
    assert fake.count("contacts") == fake.count("contacts", other_business) == 1
    assert fake.count("products") == 1


def test_the_switch_off_ignores_ids(clock: FakeClock) -> None:
    fake = SageEmulator(seed=7, clock=clock, idempotency=False)
    body = _contact(fake, uuid.uuid4().hex)
    with api_client(fake) as client:
        client.post("/contacts", json=body)
        client.post("/contacts", json=body)
    assert fake.count("contacts") == 2


def test_example_bodies_carry_no_id(fake: SageEmulator) -> None:
    for collection in ("contacts", "sales_invoices", "products"):
        assert "idempotency_id" not in fake.example_body(collection)


def test_a_malformed_id_is_refused_and_creates_nothing(
    fake: SageEmulator, client: httpx.Client
) -> None:
    for bad in ("\u00a0", "ABCDEF0123456789ABCDEF0123456789", "0" * 31, 32):
        answer = client.post("/contacts", json=_contact(fake, bad))  # type: ignore[arg-type]
        assert answer.status_code == 422, bad
        assert [(e["$dataCode"], e["$source"]) for e in answer.json()] == [
            ("RecordInvalid", "idempotency_id")
        ]
    assert fake.count("contacts") == 0
