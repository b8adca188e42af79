"""`client.with_raw_response`: the HTTP answer behind a call, with its parsed result, for the
facade, the client's own calls and generated operations, sync and async."""

from __future__ import annotations

import asyncio
import datetime

import httpx
import pytest

from sage_accounting import RawResponse, async_to_raw_response, to_raw_response
from sage_accounting.api.contacts import get_contacts_key
from sage_accounting.errors import InvalidResponseError, NotFoundError, ServerError
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

from .conftest import FAST_RETRIES, async_client, sync_client

REQUEST_ID = "req-4f1c"


def _first_key(fake: SageEmulator) -> str:
    with sync_client(fake) as sage:
        key = next(iter(sage.contacts.list(items_per_page=1))).id
    assert isinstance(key, str)
    return key


def _with_request_id(fake: SageEmulator) -> httpx.MockTransport:
    """The emulator, each answer naming itself as a gateway would."""

    def handler(request: httpx.Request) -> httpx.Response:
        answer = fake.transport.handle_request(request)
        answer.read()
        return httpx.Response(
            answer.status_code,
            headers={**answer.headers, "X-Request-Id": REQUEST_ID},
            content=answer.content,
        )

    return httpx.MockTransport(handler)


def test_a_get_answers_its_record_with_the_http_answer(fake: SageEmulator) -> None:
    key = _first_key(fake)
    with sync_client(fake) as sage:
        raw = sage.with_raw_response.contacts.get(key)
        assert isinstance(raw, RawResponse)
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("application/json")
        assert raw.parse() == sage.contacts.get(key)
        assert raw.request.method == "GET"
        assert raw.request.url.path.endswith(f"/contacts/{key}")
        assert raw.attempts == 1
        assert isinstance(raw.elapsed, datetime.timedelta)
        assert raw.request_id is None  # the emulator names no request


def test_after_retries_the_answer_is_the_last_and_the_attempts_show(fake: SageEmulator) -> None:
    key = _first_key(fake)
    with sync_client(fake) as sage:
        fake.faults.script(["503", "429"])
        raw = sage.with_raw_response.contacts.get(key)
    assert (raw.status_code, raw.attempts) == (200, 3)
    assert raw.parse().id == key


def test_an_error_carries_the_answers_headers_and_request_id(fake: SageEmulator) -> None:
    sage = make_client(fake, transport=_with_request_id(fake))
    with sage, pytest.raises(NotFoundError) as caught:
        sage.with_raw_response.contacts.get("missing")
    error = caught.value
    assert error.request_id == REQUEST_ID
    assert error.headers["x-request-id"] == REQUEST_ID
    assert f"(request id {REQUEST_ID})" in str(error)


def test_an_error_after_retries_is_the_last_answer(fake: SageEmulator) -> None:
    key = _first_key(fake)
    with sync_client(fake) as sage:
        fake.faults.script(["503"] * (FAST_RETRIES.max_retries + 1))
        with pytest.raises(ServerError) as caught:
            sage.with_raw_response.contacts.get(key)
    response = caught.value.response
    assert response is not None
    assert response.status_code == 503
    assert response.request.extensions["sage_accounting.attempt"] == FAST_RETRIES.max_retries + 1


def test_a_list_answers_its_first_page_and_the_pager(fake: SageEmulator) -> None:
    with sync_client(fake) as sage:
        raw = sage.with_raw_response.contacts.list(items_per_page=200)
        assert raw.status_code == 200
        assert raw.request.url.params["page"] == "1"
        assert raw.parse().total == sum(1 for _ in sage.contacts.list())
        assert len(list(raw.parse())) == raw.parse().total  # the pager reads on from page 1


def test_a_create_and_the_clients_own_calls(fake: SageEmulator) -> None:
    with sync_client(fake) as sage:
        created = sage.with_raw_response.contacts.create(
            {"name": "Acme Ltd", "contact_type_ids": ["CUSTOMER"]}
        )
        assert created.status_code == 201
        assert created.parse().name == "Acme Ltd"
        lead = sage.with_raw_response.lead_business()
        assert lead.parse().id == fake.lead_business_id
        raw = sage.with_raw_response.request("GET", "/businesses")
        assert raw.parse().status_code == 200 and raw.attempts == 1


def test_a_generated_operation_through_the_same_wrapper(fake: SageEmulator) -> None:
    key = _first_key(fake)
    with sync_client(fake) as sage:
        fake.faults.script(["500"])
        raw = to_raw_response(get_contacts_key.sync)(key, client=sage.api_client)
        detailed = to_raw_response(get_contacts_key.sync_detailed)(key, client=sage.api_client)
    assert raw.attempts == 2 and raw.parse() is not None and raw.parse().id == key  # type: ignore[union-attr]
    assert detailed.parse().status_code == 200 and detailed.attempts == 1


def test_a_body_that_does_not_read_raises_with_the_answer(fake: SageEmulator) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"X-Request-Id": REQUEST_ID}, content=b"<html>")

    sage = make_client(fake, transport=httpx.MockTransport(broken))
    with sage, pytest.raises(InvalidResponseError) as caught:
        sage.with_raw_response.contacts.get("any")
    assert caught.value.request_id == REQUEST_ID
    assert caught.value.response is not None and caught.value.response.content == b"<html>"


def test_async_twin(fake: SageEmulator) -> None:
    key = _first_key(fake)

    async def main() -> None:
        async with async_client(fake) as sage:
            fake.faults.script(["502"])
            raw = await sage.with_raw_response.contacts.get(key)
            assert (raw.status_code, raw.attempts, raw.parse().id) == (200, 2, key)
            page = await sage.with_raw_response.contacts.list(items_per_page=200)
            assert page.status_code == 200
            assert len([c async for c in page.parse()]) == await page.parse().total
            operation = async_to_raw_response(get_contacts_key.asyncio)
            generated = await operation(key, client=sage.api_client)
            assert generated.status_code == 200
            with pytest.raises(NotFoundError):
                await sage.with_raw_response.contacts.get("missing")

    asyncio.run(main())
