"""Every failure reaches the caller as a typed error naming what Sage said, and no secret."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sage_accounting import AsyncSageAccounting, SageAccounting, Token
from sage_accounting import errors as e
from sage_accounting.api.contacts import post_contacts
from sage_accounting.models import PostContacts, PostContactsContact
from sage_accounting.testing import SageEmulator

from .test_retry import _client

SAGE_422 = [
    {
        "$severity": "error",
        "$dataCode": "RecordInvalid",
        "$message": "can't be blank",
        "$source": "name",
    }
]
TOKEN = Token(access_token="secret-access", refresh_token="secret-refresh", expires_at=2e9)

CASES = [
    (400, e.BadRequestError),
    (401, e.AuthenticationError),
    (403, e.PermissionDeniedError),
    (404, e.NotFoundError),
    (405, e.MethodNotAllowedError),
    (415, e.UnsupportedMediaTypeError),
    (422, e.UnprocessableEntityError),
    (429, e.RateLimitError),
    (500, e.ServerError),
    (503, e.ServerError),
    (418, e.APIStatusError),
]


def _answering(status: int, **kwargs: object) -> SageAccounting:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, **kwargs)  # type: ignore[arg-type]

    return SageAccounting(
        token=TOKEN, transport=httpx.MockTransport(handler), max_retries=0, limits=None
    )


@pytest.mark.parametrize(("status", "error_class"), CASES)
def test_each_status_raises_its_class_with_sage_fields(
    status: int, error_class: type[e.APIStatusError]
) -> None:
    with _answering(status, json=SAGE_422) as sage, pytest.raises(error_class) as caught:
        sage.request("POST", "/contacts", json={"contact": {}})
    error = caught.value
    assert type(error) is error_class and isinstance(error, e.APIError)
    assert error.status_code == status and error.method == "POST"
    assert error.url == "https://api.accounting.sage.com/v3.1/contacts"
    assert error.response is not None and error.response.status_code == status
    assert error.errors == [e.SageErrorDetail("error", "RecordInvalid", "can't be blank", "name")]
    assert str(error) == f"{status} POST /v3.1/contacts: name: can't be blank (RecordInvalid)"


def test_generated_operations_raise_too() -> None:
    body = PostContacts(contact=PostContactsContact(name="", contact_type_ids=["CUSTOMER"]))
    with _answering(422, json=SAGE_422) as sage, pytest.raises(e.UnprocessableEntityError):
        post_contacts.sync(client=sage.api_client, body=body)


def test_a_body_that_is_not_sages_shape_still_gives_the_typed_error() -> None:
    with (
        _answering(502, text="<html>Bad gateway</html>") as sage,
        pytest.raises(e.ServerError) as caught,
    ):
        sage.request("GET", "/contacts")
    assert caught.value.errors == []
    assert caught.value.body == "<html>Bad gateway</html>"
    assert str(caught.value) == (
        "502 GET /v3.1/contacts: an HTML page, not Sage's answer (from a proxy or gateway?): "
        "Bad gateway"
    )


def test_a_plain_text_error_body_is_quoted_and_the_query_left_out() -> None:
    with _answering(503, text="try later") as sage, pytest.raises(e.ServerError) as caught:
        sage.request("GET", "/contacts", params={"search": "Jane Doe"})
    assert str(caught.value) == "503 GET /v3.1/contacts: try later"


def test_errors_hold_no_secret() -> None:
    with _answering(401, json=SAGE_422) as sage, pytest.raises(e.AuthenticationError) as caught:
        sage.request("GET", "/contacts")
    text = str(caught.value) + repr(caught.value) + repr(caught.value.__dict__)
    assert "secret-access" not in text and "secret-refresh" not in text


def test_emulator_validation_error_names_the_field() -> None:
    fake = SageEmulator(seed=41)
    with _client(fake) as sage, pytest.raises(e.UnprocessableEntityError) as caught:
        sage.request("POST", "/contacts", json={"contact": {"contact_type_ids": ["CUSTOMER"]}})
    assert any(detail.source and "name" in detail.source for detail in caught.value.errors)
    assert str(caught.value).startswith("422 POST /v3.1/contacts: ")


def test_not_found_from_the_emulator() -> None:
    fake = SageEmulator(seed=42)
    with _client(fake) as sage, pytest.raises(e.NotFoundError):
        sage.request("GET", "/contacts/" + "0" * 32)


def test_async_twin_raises_the_same_classes() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json=SAGE_422)

    async def run() -> None:
        async with AsyncSageAccounting(
            token=TOKEN, transport=httpx.MockTransport(handler), max_retries=0, limits=None
        ) as sage:
            await sage.request("GET", "/contacts/x")

    with pytest.raises(e.NotFoundError) as caught:
        asyncio.run(run())
    assert caught.value.errors[0].source == "name"
