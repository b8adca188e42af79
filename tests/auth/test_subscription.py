"""A 401 that a refresh cannot cure (a business without a subscription) against an expired token.

Sage answers both with 401 and may use the same `$dataCode`, so the client refreshes once and
calls a 401 that persists with the fresher token a `SubscriptionError`, remembering the
business for a while so that further calls cost nothing.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from sage_accounting import SageAccounting
from sage_accounting.auth import FileTokenStore, MemoryTokenStore
from sage_accounting.auth._flow import MAX_REFRESHES
from sage_accounting.errors import AuthenticationError, SubscriptionError
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client, token_of

MSE = "No active subscription. (MSE)"


@pytest.fixture()
def lapsed(fake: SageEmulator) -> str:
    """A business of the user whose subscription ended."""
    business = fake.add_business("Lapsed Trading Ltd")
    fake.end_subscription(business)
    return business


def api_requests(fake: SageEmulator) -> int:
    return len(fake.stats.requests) - fake.stats.token_calls


def test_ten_calls_to_a_business_without_subscription_refresh_once(
    fake: SageEmulator, lapsed: str
) -> None:
    fake.seed("contacts", 2, lapsed)
    errors: list[SubscriptionError] = []
    with make_client(fake, business_id=lapsed) as sage:
        for _ in range(10):
            with pytest.raises(SubscriptionError) as caught:
                list(sage.contacts.list())
            errors.append(caught.value)
    assert api_requests(fake) <= 11 and fake.stats.token_calls <= 1
    # The call, a refresh, the call again; then the client knows and asks nobody.
    assert (api_requests(fake), fake.stats.token_calls) == (2, 1)
    first, later = errors[0], errors[-1]
    assert isinstance(first, AuthenticationError) and first.status_code == 401
    assert first.business_id == lapsed and lapsed in str(first)
    assert [(e.data_code, e.message) for e in first.errors] == [("AuthorizationFailure", MSE)]
    assert MSE in str(first) and not first.remembered
    assert later.remembered and later.response is None and later.errors == first.errors
    assert later.url is not None and "/contacts?" in later.url and MSE in str(later)


def test_the_async_client_refreshes_once_too(fake: SageEmulator, lapsed: str) -> None:
    async def run() -> list[SubscriptionError]:
        errors = []
        async with make_async_client(fake, business_id=lapsed) as sage:
            for _ in range(10):
                with pytest.raises(SubscriptionError) as caught:
                    await sage.lead_business()
                errors.append(caught.value)
        return errors

    errors = asyncio.run(run())
    assert (api_requests(fake), fake.stats.token_calls) == (2, 1)
    assert errors[0].business_id == lapsed and MSE in str(errors[0])
    assert [error.remembered for error in errors] == [False] + [True] * 9


def test_a_call_that_refreshed_ahead_of_expiry_does_not_refresh_again(
    fake: SageEmulator, lapsed: str
) -> None:
    with make_client(fake, business_id=lapsed) as sage:
        fake.clock.advance(250)  # inside the 60 s margin: refreshed before the request
        with pytest.raises(SubscriptionError) as caught:
            sage.lead_business()
    assert not caught.value.remembered
    assert (api_requests(fake), fake.stats.token_calls) == (1, 1)  # one refresh a call


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_merely_expired_token_still_gets_its_one_refresh(
    fake: SageEmulator, lapsed: str, kind: str
) -> None:
    # The client's clock says the token is fresh; the server says it has expired.
    if kind == "sync":
        with make_client(fake, clock=lambda: 0.0) as sage:
            fake.clock.advance(301)
            assert sage.lead_business().id == fake.lead_business_id
            assert sage.lead_business().id == fake.lead_business_id
    else:

        async def run() -> None:
            async with make_async_client(fake, clock=lambda: 0.0) as sage:
                fake.clock.advance(301)
                assert (await sage.lead_business()).id == fake.lead_business_id
                assert (await sage.lead_business()).id == fake.lead_business_id

        asyncio.run(run())
    assert fake.stats.refreshes == 1
    assert fake.stats.by_status[401] == 1


def test_an_expired_token_answered_like_a_refusal_is_still_refreshed(fake: SageEmulator) -> None:
    class SageLike(httpx.BaseTransport):
        """Live Sage's expired-token 401 is undocumented: give it the refusal's very body."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = fake.transport.handle_request(request)
            if response.status_code != 401:
                return response
            body = [{"$severity": "error", "$dataCode": "AuthorizationFailure", "$message": MSE}]
            return httpx.Response(401, json=body, request=request)

    with make_client(fake, transport=SageLike(), clock=lambda: 0.0) as sage:
        fake.clock.advance(301)
        assert sage.lead_business().id == fake.lead_business_id
    assert fake.stats.refreshes == 1


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_other_businesses_of_the_client_keep_working(
    fake: SageEmulator, lapsed: str, kind: str
) -> None:
    lead = fake.lead_business_id
    if kind == "sync":
        with make_client(fake, business_id=lead) as sage:
            refused = sage.with_business(lapsed)
            for _ in range(3):
                with pytest.raises(SubscriptionError):
                    refused.lead_business()
                assert sage.lead_business().id == lead
    else:

        async def run() -> None:
            async with make_async_client(fake, business_id=lead) as sage:
                refused = sage.with_business(lapsed)
                for _ in range(3):
                    with pytest.raises(SubscriptionError):
                        await refused.lead_business()
                    assert (await sage.lead_business()).id == lead

        asyncio.run(run())
    by_business = [entry.business for entry in fake.stats.requests if entry.business]
    assert by_business == [lapsed, lapsed, lead, lead, lead]
    assert fake.stats.token_calls == 1


def test_fifty_threads_meeting_a_refused_business_refresh_once(
    fake: SageEmulator, lapsed: str
) -> None:
    with make_client(fake, business_id=lapsed) as sage:
        barrier = threading.Barrier(50)

        def call(_: int) -> type[BaseException] | None:
            barrier.wait()
            try:
                sage.lead_business()
            except BaseException as exc:
                return type(exc)
            return None

        with ThreadPoolExecutor(50) as pool:
            outcomes = set(pool.map(call, range(50)))
    assert outcomes == {SubscriptionError}
    assert fake.stats.token_calls == 1
    assert fake.stats.refresh_token_reuse.count == 0


def test_the_refusal_is_forgotten_after_refused_business_ttl(
    fake: SageEmulator, lapsed: str
) -> None:
    with make_client(fake, business_id=lapsed, refused_business_ttl=30) as sage:
        with pytest.raises(SubscriptionError):
            sage.lead_business()
        fake.renew_subscription(lapsed)
        fake.clock.advance(29)
        with pytest.raises(SubscriptionError) as caught:
            sage.lead_business()  # still remembered: not sent
        assert caught.value.remembered
        assert api_requests(fake) == 2
        fake.clock.advance(1)
        assert sage.lead_business().id == fake.lead_business_id
        fake.end_subscription(lapsed)
        with pytest.raises(SubscriptionError):
            sage.lead_business()  # a success ended the refusal: checked afresh
    assert (api_requests(fake), fake.stats.token_calls) == (5, 2)


def test_after_the_ttl_a_call_is_sent_but_not_refreshed_for_again(
    fake: SageEmulator, lapsed: str
) -> None:
    with make_client(fake, business_id=lapsed, refused_business_ttl=0) as sage:
        for _ in range(3):
            with pytest.raises(SubscriptionError) as caught:
                sage.lead_business()
            assert not caught.value.remembered
    # The same token was refused already: a 401 with it is the business, not the token.
    assert (api_requests(fake), fake.stats.token_calls) == (4, 1)


def test_a_refresh_by_another_client_of_the_connection_ends_the_refusal(
    fake: SageEmulator, lapsed: str
) -> None:
    with make_client(fake, business_id=fake.lead_business_id, refused_business_ttl=3600) as sage:
        refused = sage.with_business(lapsed)
        with pytest.raises(SubscriptionError):
            refused.lead_business()
        fake.renew_subscription(lapsed)
        fake.clock.advance(250)
        sage.lead_business()  # refreshes ahead of expiry: the token changes
        assert refused.lead_business().id == fake.lead_business_id
    assert fake.stats.token_calls == 2


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_new_login_ends_the_refusal(
    fake: SageEmulator, lapsed: str, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "token.json"
    FileTokenStore(path).save(token_of(fake), replaces=None)

    def log_in_again() -> None:
        fake.renew_subscription(lapsed)
        login = FileTokenStore(path)  # `sage-accounting login` in another process
        login.save(token_of(fake), replaces=login.load())

    options = {"token_store": FileTokenStore(path), "business_id": lapsed}
    if kind == "sync":
        with make_client(fake, refused_business_ttl=3600, **options) as sage:
            with pytest.raises(SubscriptionError):
                sage.lead_business()
            log_in_again()
            assert sage.lead_business().id == fake.lead_business_id
    else:

        async def run() -> None:
            async with make_async_client(fake, refused_business_ttl=3600, **options) as sage:
                with pytest.raises(SubscriptionError):
                    await sage.lead_business()
                log_in_again()
                assert (await sage.lead_business()).id == fake.lead_business_id

        asyncio.run(run())
    assert fake.stats.token_calls == 1


def test_a_refused_lead_business_is_named_as_such(fake: SageEmulator) -> None:
    fake.end_subscription()
    with make_client(fake) as sage, pytest.raises(SubscriptionError) as caught:
        sage.lead_business()
    assert caught.value.business_id is None
    assert "the lead business" in str(caught.value)


def test_the_refusal_shows_no_secret(fake: SageEmulator, lapsed: str) -> None:
    token = token_of(fake)
    with make_client(fake, token_store=MemoryTokenStore(token), business_id=lapsed) as sage:
        texts = []
        for _ in range(2):
            with pytest.raises(SubscriptionError) as caught:
                sage.lead_business()
            texts += [str(caught.value), repr(caught.value), repr(sage._shared.manager.refusals)]
        current = sage.token
    assert current is not None
    for text in texts:
        for secret in (token.access_token, current.access_token, fake.client_secret):
            assert secret not in text


@pytest.mark.parametrize("ttl", [-1, "60", float("nan")])
def test_a_bad_refused_business_ttl_is_named(fake: SageEmulator, ttl: object) -> None:
    with pytest.raises(ValueError, match="refused_business_ttl"):
        SageAccounting(token=token_of(fake), refused_business_ttl=ttl)  # type: ignore[arg-type]


class _SlowToSage(httpx.BaseTransport):
    """The emulator behind a queue: the first `delayed` API requests reach it only after the
    token they carry has expired (as a request held by retries or limits would)."""

    def __init__(self, fake: SageEmulator, delayed: int) -> None:
        self.fake = fake
        self.delayed = delayed

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/v3.1/" in request.url.path and self.delayed > 0:
            self.delayed -= 1
            self.fake.clock.advance(400)  # past the 300-second token
        return self.fake.transport.handle_request(request)


def test_a_token_that_expires_on_the_way_is_refreshed_again_not_taken_for_a_refusal(
    fake: SageEmulator,
) -> None:
    fake.seed("contacts", 2)
    with make_client(fake, transport=_SlowToSage(fake, delayed=2)) as sage:
        assert len(list(sage.contacts.list())) == 2
    assert fake.stats.token_calls == 2  # the first refresh's token expired on the way too


def test_a_token_that_always_expires_on_the_way_ends_in_an_authentication_error(
    fake: SageEmulator,
) -> None:
    with (
        make_client(fake, transport=_SlowToSage(fake, delayed=10)) as sage,
        pytest.raises(AuthenticationError) as caught,
    ):
        sage.lead_business()
    assert not isinstance(caught.value, SubscriptionError)
    assert fake.stats.token_calls == MAX_REFRESHES  # then the 401 as it is
