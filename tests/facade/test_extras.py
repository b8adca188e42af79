"""Extra headers, query parameters and body fields: on every facade call and in
`with_options()`, merged last, only to the API origin, never over Authorization or X-Business
unless said with `override()`."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from sage_accounting import override
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client

from .conftest import FAST_RETRIES


class Spy(httpx.BaseTransport):
    """The emulator, keeping every request it is sent (bodies read)."""

    def __init__(self, fake: SageEmulator) -> None:
        self.fake = fake
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        if request.url.host == "files.example.test":
            return httpx.Response(200, json={})
        return self.fake.transport.handle_request(request)


def _client(fake: SageEmulator, spy: Spy, **options: object):  # type: ignore[no-untyped-def]
    return make_client(fake, transport=spy, retry_policy=FAST_RETRIES, **options)


def test_a_calls_extras_go_out_last_and_win_over_the_clients(fake: SageEmulator) -> None:
    spy = Spy(fake)
    with _client(fake, spy) as sage:
        tagged = sage.with_options(
            extra_headers={"X-Trace": "client", "X-Team": "books"}, extra_query={"lang": "en"}
        )
        tagged.contacts.list(
            items_per_page=5, extra_headers={"X-Trace": "call"}, extra_query={"lang": "fr"}
        ).first_page()
    (sent,) = [r for r in spy.sent if r.url.path.endswith("/contacts")]
    assert sent.headers["x-trace"] == "call" and sent.headers["x-team"] == "books"
    assert sent.url.params.get_list("lang") == ["fr"] and sent.url.params["items_per_page"] == "5"


def test_extras_reach_every_page_of_a_list(fake: SageEmulator) -> None:
    spy = Spy(fake)
    with _client(fake, spy) as sage:
        read = list(sage.contacts.list(items_per_page=200, extra_headers={"X-Trace": "all"}))
    pages = [r for r in spy.sent if r.url.path.endswith("/contacts")]
    assert len(read) == fake.count("contacts") and len(pages) > 1
    assert {r.headers.get("x-trace") for r in pages} == {"all"}


def test_extra_body_merges_into_the_record_of_a_write(fake: SageEmulator) -> None:
    spy = Spy(fake)
    with _client(fake, spy) as sage:
        noted = sage.with_options(extra_body={"contact": {"notes": "from options"}})
        created = noted.contacts.create(
            {"name": "Acme Ltd", "contact_type_ids": ["CUSTOMER"]},
            extra_body={"contact": {"reference": "ACME-1"}},
        )
        sage.with_options(extra_body={"contact": {"notes": "x"}}).contacts.get(created.id)
    assert created.reference == "ACME-1" and created.name == "Acme Ltd"
    post, get = [r for r in spy.sent if "/contacts" in r.url.path]
    sent = json.loads(post.content)["contact"]
    assert sent["name"] == "Acme Ltd"
    assert (sent["notes"], sent["reference"]) == ("from options", "ACME-1")
    assert get.content == b""  # a GET has no body to merge into


def test_authorization_and_x_business_need_override(fake: SageEmulator) -> None:
    spy = Spy(fake)
    with _client(fake, spy) as sage:
        for name in ("Authorization", "x-business"):
            with pytest.raises(ValueError, match=f"may not set {name} without saying so"):
                sage.contacts.list(extra_headers={name: "x"})
            with pytest.raises(ValueError, match=f"may not set {name}"):
                sage.with_options(extra_headers={name: "x"})
        other = fake.add_business("Second Ltd")
        second = sage.with_options(extra_headers={"X-Business": override(other)})
        assert second.lead_business().id == fake.lead_business_id  # the lead is the user's
        assert spy.sent[-1].headers["x-business"] == other
        with pytest.raises(ValueError, match="only for Authorization and X-Business"):
            sage.contacts.list(extra_headers={"X-Trace": override("x")})


def test_an_overridden_authorization_is_sent_as_given_and_never_refreshed(
    fake: SageEmulator,
) -> None:
    spy = Spy(fake)
    with _client(fake, spy) as sage:
        mine = sage.with_options(extra_headers={"Authorization": override("Bearer not-ours")})
        with pytest.raises(Exception, match="401"):
            mine.lead_business()
    assert [r.headers["authorization"] for r in spy.sent] == ["Bearer not-ours"]
    assert fake.stats.refreshes == 0


def test_extras_go_only_to_the_api_origin(fake: SageEmulator) -> None:
    spy = Spy(fake)
    with _client(fake, spy) as sage:
        tagged = sage.with_options(extra_headers={"X-Secret-Tag": "t"}, extra_query={"k": "v"})
        fake.clock.advance(400)  # the next call refreshes the token first
        tagged.lead_business()
        tagged.request("GET", "https://files.example.test/report")
    token_call, api_call, elsewhere = spy.sent
    assert str(token_call.url) == fake.token_url
    assert "x-secret-tag" not in token_call.headers and "x-secret-tag" not in elsewhere.headers
    assert not elsewhere.url.query and "authorization" not in elsewhere.headers
    assert api_call.headers["x-secret-tag"] == "t" and api_call.url.params["k"] == "v"


def test_bad_extras_are_refused_by_name(fake: SageEmulator) -> None:
    with make_client(fake) as sage:
        with pytest.raises(TypeError, match="extra_headers must be a mapping"):
            sage.contacts.list(extra_headers=[("X-A", "b")])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"extra_headers\['X-A'\] must be a str"):
            sage.contacts.list(extra_headers={"X-A": 1})  # type: ignore[dict-item]


def test_async_calls_take_the_same_extras(fake: SageEmulator) -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return await fake.async_transport.handle_async_request(request)

    async def main() -> None:
        transport = httpx.MockTransport(handler)
        async with make_async_client(fake, transport=transport) as sage:
            tagged = sage.with_options(extra_query={"lang": "en"})
            await tagged.contacts.list(extra_headers={"X-Trace": "async"}).first_page()

    asyncio.run(main())
    (sent,) = [r for r in seen if r.url.path.endswith("/contacts")]
    assert sent.headers["x-trace"] == "async" and sent.url.params["lang"] == "en"
