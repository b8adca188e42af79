"""Refresh: before expiry and after a 401, once for many concurrent callers, never reused."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sage_accounting import SageAccounting, Token
from sage_accounting.api.contacts import get_contacts
from sage_accounting.auth import MemoryTokenStore, TokenRefreshError
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client, token_of


def test_expiring_token_is_refreshed_before_the_request(fake: SageEmulator) -> None:
    with make_client(fake) as sage:
        first = sage.token
        assert first is not None
        fake.clock.advance(290)  # inside the 60 s margin
        assert sage.lead_business().id == fake.lead_business_id
        assert fake.stats.refreshes == 1
        assert sage.token is not None and sage.token.access_token != first.access_token
        assert fake.stats.by_status[401] == 0  # refreshed before, not after a failure


def test_401_causes_one_refresh_and_one_resend(fake: SageEmulator) -> None:
    # The client's own clock says the token is fresh; the server says it has expired.
    with make_client(fake, clock=lambda: 0.0) as sage:
        fake.clock.advance(301)
        business = sage.lead_business()
    assert business.id == fake.lead_business_id
    assert fake.stats.refreshes == 1
    assert fake.stats.by_status[401] == 1


def test_a_raw_answer_after_a_401_shows_the_resend(fake: SageEmulator) -> None:
    with make_client(fake, clock=lambda: 0.0) as sage:
        refused = sage.token
        fake.clock.advance(301)
        raw = sage.with_raw_response.lead_business()
        assert refused is not None and sage.token is not None
        assert raw.status_code == 200 and raw.attempts == 2  # the 401, then the resend
        sent = raw.request.headers["authorization"]
        assert sent == f"Bearer {sage.token.access_token}" != f"Bearer {refused.access_token}"


def test_generated_operations_use_the_same_auth(fake: SageEmulator) -> None:
    fake.seed("contacts", 3)
    with make_client(fake) as sage:
        fake.clock.advance(400)
        page = get_contacts.sync(client=sage.api_client)
    assert page is not None and not isinstance(page, list)
    assert page.total == 3
    assert fake.stats.refreshes == 1


def test_fifty_threads_at_expiry_refresh_once(fake: SageEmulator) -> None:
    with make_client(fake) as sage:
        fake.clock.advance(299)
        barrier = threading.Barrier(50)

        def call(_: int) -> object:
            barrier.wait()
            return sage.lead_business().id

        with ThreadPoolExecutor(50) as pool:
            ids = list(pool.map(call, range(50)))
    assert set(ids) == {fake.lead_business_id}
    assert fake.stats.refreshes == 1
    assert fake.stats.refresh_token_reuse.count == 0


def test_fifty_tasks_at_expiry_refresh_once(fake: SageEmulator) -> None:
    async def run() -> list[object]:
        async with make_async_client(fake) as sage:
            fake.clock.advance(299)
            results = await asyncio.gather(*(sage.lead_business() for _ in range(50)))
            return [business.id for business in results]

    ids = asyncio.run(run())
    assert set(ids) == {fake.lead_business_id}
    assert fake.stats.refreshes == 1
    assert fake.stats.refresh_token_reuse.count == 0


def test_tokens_expiring_every_second_through_a_long_run() -> None:
    fake = SageEmulator(seed=5, access_token_ttl=1)
    calls = 0
    with make_client(fake, refresh_margin=0.2) as sage:

        def call(_: int) -> None:
            nonlocal calls
            sage.lead_business()
            calls += 1

        with ThreadPoolExecutor(8) as pool:
            for _ in range(40):  # 40 rounds, each 1.2 s later on the shared clock
                list(pool.map(call, range(8)))
                fake.clock.advance(1.2)
    assert calls == 320
    assert fake.stats.refreshes == 39  # one per expiry: every round after the first
    assert fake.stats.refresh_token_reuse.count == 0
    assert fake.stats.by_status[401] == 0


def test_async_tokens_expiring_every_second() -> None:
    fake = SageEmulator(seed=6, access_token_ttl=1)

    async def run() -> None:
        async with make_async_client(fake, refresh_margin=0.2) as sage:
            for _ in range(30):
                await asyncio.gather(*(sage.lead_business() for _ in range(8)))
                fake.clock.advance(1.2)

    asyncio.run(run())
    assert fake.stats.refreshes == 29
    assert fake.stats.refresh_token_reuse.count == 0


def test_invalid_grant_asks_for_a_new_login_and_is_not_retried(fake: SageEmulator) -> None:
    token = token_of(fake)
    # Someone else used this refresh token already: Sage answers invalid_grant.
    with make_client(fake, token=token) as other:
        fake.clock.advance(400)
        other.lead_business()
    calls_before = fake.stats.token_calls
    with make_client(fake, token=token) as sage, pytest.raises(TokenRefreshError) as caught:
        sage.lead_business()
    assert caught.value.login_required is True
    assert "new login is needed" in str(caught.value)
    assert fake.stats.token_calls == calls_before + 1
    assert token.refresh_token is not None and token.refresh_token not in str(caught.value)


def test_a_token_without_credentials_says_what_is_missing(fake: SageEmulator) -> None:
    with make_client(fake, client_id=None, client_secret=None) as sage:
        fake.clock.advance(400)
        with pytest.raises(TokenRefreshError, match="client_id and client_secret"):
            sage.lead_business()


def test_new_token_is_stored_before_use(fake: SageEmulator) -> None:
    seen: list[tuple[str, Token]] = []

    class Recording(MemoryTokenStore):
        def save(self, token: Token, *, replaces: Token | None) -> Token:
            seen.append(("save", token))
            return super().save(token, replaces=replaces)

    store = Recording(token_of(fake))
    with make_client(fake, token_store=store) as sage:
        fake.clock.advance(400)
        sage.lead_business()
        stored = store.load()
    assert [kind for kind, _ in seen] == ["save"]
    assert stored is not None
    last = fake.stats.requests[-1]
    assert last.path.endswith("/businesses/lead") and last.status == 200
    assert sage.token == stored


def test_with_business_shares_pool_and_token(fake: SageEmulator) -> None:
    other = fake.add_business("Second Business Ltd")
    with make_client(fake, business_id=fake.lead_business_id) as sage:
        child = sage.with_business(other)
        assert child.http_client._transport is sage.http_client._transport
        fake.clock.advance(400)
        assert child.lead_business().id == fake.lead_business_id
        assert sage.lead_business().id == fake.lead_business_id
        child.close()
    assert fake.stats.refreshes == 1
    businesses = [entry.business for entry in fake.stats.requests if entry.path.endswith("lead")]
    assert businesses == [other, fake.lead_business_id]


def test_x_business_goes_only_to_api_calls(fake: SageEmulator) -> None:
    with make_client(fake, business_id=fake.lead_business_id) as sage:
        fake.clock.advance(400)
        sage.list_businesses()
    token_calls = [e for e in fake.stats.requests if e.path.endswith("/token")]
    assert token_calls and all(e.business is None for e in token_calls)


def test_lead_business_and_listing(client: SageAccounting, fake: SageEmulator) -> None:
    second = fake.add_business("Second Business Ltd")
    ids = {business.id for business in client.list_businesses()}
    assert ids == {fake.lead_business_id, second}
    assert client.lead_business().id == fake.lead_business_id


def test_a_practice_lists_every_business_past_the_first_page() -> None:
    # Sage pages GET /businesses like any list (20 a page): a practice's 45 clients take three.
    fake = SageEmulator(seed=9)
    added = {fake.add_business(f"Client {n:02d} Ltd") for n in range(44)}
    with make_client(fake) as sage:
        listed = [str(business.id) for business in sage.list_businesses()]
    assert sorted(listed) == sorted({fake.lead_business_id, *added})
    pages = [e for e in fake.stats.requests if e.path.rstrip("/").endswith("/businesses")]
    assert len(pages) == 3

    async def every() -> list[str]:
        async with make_async_client(fake) as sage:
            return [str(business.id) for business in await sage.list_businesses()]

    assert sorted(asyncio.run(every())) == sorted(listed)
