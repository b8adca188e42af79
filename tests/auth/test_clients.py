"""The client objects: revoke, a caller's own httpx client, async businesses, closing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sage_accounting._http import wrap_transport
from sage_accounting._transport import SageTransport
from sage_accounting.auth import TokenRefreshError
from sage_accounting.errors import NotFoundError, ServerError
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client


def test_revoke_ends_the_connection_and_forgets_the_token(fake: SageEmulator) -> None:
    sage = make_client(fake)
    store = sage.token_store
    sage.revoke()
    assert store.load() is None and sage.token is None
    fake.clock.advance(400)
    with pytest.raises(TokenRefreshError, match="log in"):
        sage.lead_business()


def test_async_revoke(fake: SageEmulator) -> None:
    async def run() -> None:
        async with make_async_client(fake) as sage:
            await sage.revoke()
            assert sage.token is None

    asyncio.run(run())
    assert [(e.method, e.path, e.status) for e in fake.stats.requests] == [("POST", "/revoke", 200)]


def test_a_callers_own_httpx_client_is_used_and_left_open(fake: SageEmulator) -> None:
    seen: list[str] = []
    own = httpx.Client(
        transport=fake.transport,
        event_hooks={"request": [lambda request: seen.append(request.url.path)]},
    )
    sage = make_client(fake, transport=None, http_client=own)
    assert sage.lead_business().id == fake.lead_business_id
    sage.close()
    assert not own.is_closed  # the caller owns it
    assert seen == ["/v3.1/businesses/lead"]
    own.close()


def test_async_with_business_shares_token_and_pool(fake: SageEmulator) -> None:
    other = fake.add_business("Async Second Ltd")

    async def run() -> list[object]:
        async with make_async_client(fake, business_id=fake.lead_business_id) as sage:
            child = sage.with_business(other)
            assert child.http_client._transport is sage.http_client._transport
            fake.clock.advance(400)
            leads = await asyncio.gather(sage.lead_business(), child.lead_business())
            return [lead.id for lead in leads]

    assert asyncio.run(run()) == [fake.lead_business_id] * 2
    assert fake.stats.refreshes == 1
    seen = {entry.business for entry in fake.stats.requests if entry.path.endswith("/lead")}
    assert seen == {fake.lead_business_id, other}


def test_async_listing_businesses(fake: SageEmulator) -> None:
    fake.add_business("Another Ltd")

    async def run() -> int:
        async with make_async_client(fake) as sage:
            return len(await sage.list_businesses())

    assert asyncio.run(run()) == 2


def test_passing_both_transport_and_client_is_refused(fake: SageEmulator) -> None:
    with pytest.raises(ValueError, match="http_client or transport"):
        make_client(fake, http_client=httpx.Client())


def test_a_token_of_the_wrong_type_is_refused_naming_it(fake: SageEmulator) -> None:
    with pytest.raises(TypeError, match=r"sage_accounting\.Token"):
        make_client(fake, token={"access_token": "x"})


def _cookie_setting(fake: SageEmulator, sent: list[str | None]) -> httpx.MockTransport:
    """The emulator behind a proxy that sets a cookie on every answer."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        response = fake.transport.handle_request(request)
        response.headers["set-cookie"] = "session=abc; Path=/"
        return response

    return httpx.MockTransport(handler)


def test_the_client_keeps_no_cookies(fake: SageEmulator) -> None:
    sent: list[str | None] = []
    sage = make_client(fake, transport=_cookie_setting(fake, sent))
    child = sage.with_business(fake.lead_business_id)
    sage.lead_business()
    sage.lead_business()
    child.lead_business()
    assert sent == [None, None, None]
    assert not sage.http_client.cookies
    with pytest.raises(TypeError, match="keep no cookies"):
        sage.http_client.cookies = {"session": "abc"}
    with pytest.raises(TypeError, match="keep no cookies"):
        sage.http_client.cookies.set("session", "abc")

    # A caller's own httpx client keeps its own cookie policy.
    own_sent: list[str | None] = []
    own = httpx.Client(transport=_cookie_setting(fake, own_sent))
    mine = make_client(fake, transport=None, http_client=own)
    mine.lead_business()
    mine.lead_business()
    assert own_sent == [None, "session=abc"]
    own.close()


def test_a_callers_client_gets_retries_where_httpx_keeps_its_transport(
    fake: SageEmulator,
) -> None:
    # httpx (0.23 to 0.28) keeps a client's transport in the private `_transport`, and has no
    # public way to replace it: sage_accounting._http.wrap_transport is the one place that
    # does. If httpx moves it, this test fails, not a user's retries silently.
    own = httpx.Client(transport=fake.transport)
    sage = make_client(fake, transport=None, http_client=own)
    assert isinstance(own._transport, SageTransport)
    child = sage.with_business(fake.lead_business_id)
    assert child.http_client._transport is own._transport  # one pool, one retry policy
    fake.faults.script(["503"])
    assert sage.lead_business().id == fake.lead_business_id  # retried through the wrapper
    own.close()


def test_wrapping_a_client_whose_transport_httpx_moved_is_a_clear_error() -> None:
    class Elsewhere(httpx.Client):
        def __init__(self) -> None:
            super().__init__()
            del self._transport

    with pytest.raises(TypeError, match=r"cannot wrap the transport of Elsewhere"):
        wrap_transport(Elsewhere(), lambda inner: inner)


def test_one_status_check_raises_the_same_typed_error_on_every_path(fake: SageEmulator) -> None:
    from sage_accounting.api.contacts import get_contacts_key

    sage = make_client(fake)
    with pytest.raises(NotFoundError) as facade:
        sage.contacts.get("missing")
    with pytest.raises(NotFoundError) as raw:
        sage.request("GET", "/contacts/missing")
    with pytest.raises(NotFoundError) as generated:
        get_contacts_key.sync_detailed("missing", client=sage.api_client)
    paths = {str(error.value.url).split("?")[0] for error in (facade, raw, generated)}
    assert paths == {f"{fake.api_base_url}/contacts/missing"}
    # The httpx client underneath answers as httpx does: no status check of ours.
    assert sage.http_client.get("/contacts/missing").status_code == 404


def test_with_options_sends_its_policy_on_the_request_it_builds(fake: SageEmulator) -> None:
    sage = make_client(fake)
    quick = sage.with_options(max_retries=0)
    assert quick.http_client is sage.http_client  # no child httpx client, no event hooks
    fake.faults.script(["503"])
    with pytest.raises(ServerError):
        quick.lead_business()
    fake.faults.script(["503"])
    assert sage.lead_business().id == fake.lead_business_id  # the parent still retries


def test_derived_clients_keep_what_they_do_not_change(fake: SageEmulator) -> None:
    # with_business and with_options derive through one function: each keeps the other's say.
    other = fake.add_business("Second Ltd")
    sage = make_client(fake)
    quick_other = sage.with_options(max_retries=0).with_business(other)
    other_quick = sage.with_business(other).with_options(max_retries=0)
    for child in (quick_other, other_quick):
        assert child.business_id == other
        fake.faults.script(["503"])
        with pytest.raises(ServerError):
            child.lead_business()  # no retry: the options came along
    same = sage.with_business(other).with_business(other)
    assert same.options is sage.options and same.business_id == other
