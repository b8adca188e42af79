"""`create()` of the 36 resources Sage deduplicates sends an idempotency_id: fresh, yours, none."""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from typing import Any

import httpx
import pytest

from sage_accounting import SageAccounting
from sage_accounting._bodies import InvalidBodyError
from sage_accounting.errors import UnprocessableEntityError
from sage_accounting.models import PostContactsContact
from sage_accounting.testing import SageEmulator
from sage_accounting.types import UNSET
from tests.clients import make_client

from .conftest import FAST_RETRIES, async_client


class Recording(httpx.BaseTransport):
    """The emulator's transport, keeping the JSON body of every POST."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.posted: list[Any] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.startswith("/v3.1/"):
            self.posted.append(json.loads(request.content))
        return self.inner.handle_request(request)


@pytest.fixture()
def fake() -> SageEmulator:
    return SageEmulator(seed=8)


@pytest.fixture()
def wire(fake: SageEmulator) -> Recording:
    return Recording(fake.transport)


@pytest.fixture()
def client(fake: SageEmulator, wire: Recording) -> Any:
    with make_client(fake, transport=wire, retry_policy=FAST_RETRIES) as sage:
        yield sage


def _sent_ids(wire: Recording) -> list[Any]:
    return [body["contact"].get("idempotency_id") for body in wire.posted]


def test_every_create_sends_a_fresh_id_inside_the_resource_object(
    fake: SageEmulator, client: SageAccounting, wire: Recording
) -> None:
    body = fake.example_body("contacts", minimal=True)

    first = client.contacts.create(body)
    second = client.contacts.create(body)

    assert first.id != second.id and fake.count("contacts") == 2
    ids = _sent_ids(wire)
    assert len(set(ids)) == 2
    assert all(len(key) == 32 and int(key, 16) >= 0 and key == key.lower() for key in ids)


def test_the_same_id_again_returns_the_first_record_and_creates_nothing(
    fake: SageEmulator, client: SageAccounting
) -> None:
    body = fake.example_body("contacts", minimal=True)
    key = uuid.uuid4().hex

    first = client.contacts.create(body, idempotency_id=key)
    again = client.contacts.create(body, idempotency_id=key)

    assert again == first
    assert fake.count("contacts") == 1


def test_the_same_id_with_another_body_is_refused(
    fake: SageEmulator, client: SageAccounting
) -> None:
    body = fake.example_body("contacts", minimal=True)
    key = uuid.uuid4().hex
    client.contacts.create(body, idempotency_id=key)

    with pytest.raises(UnprocessableEntityError) as caught:
        client.contacts.create({**body, "name": "Someone else"}, idempotency_id=key)

    (error,) = caught.value.errors
    assert (error.data_code, error.source) == ("IdempotencyIdReused", "idempotency_id")
    assert fake.count("contacts") == 1


def test_an_id_in_the_body_is_kept(
    fake: SageEmulator, client: SageAccounting, wire: Recording
) -> None:
    key = uuid.uuid4().hex
    body = {**fake.example_body("contacts", minimal=True), "idempotency_id": key}

    first = client.contacts.create(body)
    again = client.contacts.create(body, idempotency_id=key)

    assert again.id == first.id and fake.count("contacts") == 1
    assert _sent_ids(wire) == [key, key]


def test_the_id_can_be_switched_off(
    fake: SageEmulator, client: SageAccounting, wire: Recording
) -> None:
    body = fake.example_body("contacts", minimal=True)

    client.contacts.create(body, idempotency_id=False)
    client.contacts.create(body, idempotency_id=False)

    assert _sent_ids(wire) == [None, None]
    assert fake.count("contacts") == 2


def test_a_bad_id_fails_before_any_request(
    fake: SageEmulator, client: SageAccounting, wire: Recording
) -> None:
    body = fake.example_body("contacts", minimal=True)
    key = uuid.uuid4().hex
    with pytest.raises(ValueError, match="32 lowercase hex characters"):
        client.contacts.create(body, idempotency_id=str(uuid.uuid4()))  # with hyphens
    with pytest.raises(TypeError, match="idempotency_id"):
        client.contacts.create(body, idempotency_id=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidBodyError, match="idempotency_id"):
        client.contacts.create({**body, "idempotency_id": "abc"})
    with pytest.raises(InvalidBodyError, match="idempotency_id=False"):
        client.contacts.create({**body, "idempotency_id": key}, idempotency_id=False)
    with pytest.raises(InvalidBodyError, match="was passed"):
        client.contacts.create({**body, "idempotency_id": key}, idempotency_id=uuid.uuid4().hex)
    assert wire.posted == []


def test_the_callers_model_is_not_changed(fake: SageEmulator, client: SageAccounting) -> None:
    inner = PostContactsContact.from_dict(fake.example_body("contacts", minimal=True))

    client.contacts.create(inner)
    client.contacts.create(inner)

    assert inner.idempotency_id is UNSET
    assert fake.count("contacts") == 2


def test_only_the_resources_sage_deduplicates_take_the_keyword(client: SageAccounting) -> None:
    def takes_it(create: Any) -> bool:
        return "idempotency_id" in inspect.signature(create).parameters

    assert takes_it(client.contacts.create) and takes_it(client.sales_invoices.create)
    assert takes_it(client.migration_tax_returns.create)
    assert not takes_it(client.attachments.create)  # not in Sage's list
    assert not takes_it(client.tax_rates.create)
    assert not takes_it(client.contacts.update)


def test_async_creates_send_ids_too(fake: SageEmulator) -> None:
    body = fake.example_body("contacts", minimal=True)
    key = uuid.uuid4().hex

    async def run() -> tuple[str, str, str]:
        async with async_client(fake) as sage:
            fresh = await sage.contacts.create(body)
            first = await sage.contacts.create(body, idempotency_id=key)
            again = await sage.contacts.create(body, idempotency_id=key)
            with pytest.raises(ValueError, match="32 lowercase hex"):
                await sage.contacts.create(body, idempotency_id="nope")
            return str(fresh.id), str(first.id), str(again.id)

    fresh, first, again = asyncio.run(run())

    assert first == again != fresh
    assert fake.count("contacts") == 2
