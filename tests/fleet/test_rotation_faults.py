"""Redis going down while Sage rotates the refresh token loses nothing: the client keeps the new
token, goes on with it, and saves it when Redis is back (or says so at close and exit).

Redis is stopped from the token endpoint's answer, so the store's lock and load worked and only
the save of the rotated token meets a stopped server.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from sage_accounting import Token
from sage_accounting.auth import TokenSaveError
from sage_accounting.fleet import RedisTokenStore
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client, token_of

from .fleet import RedisServer


class _RedisDiesAtRefresh(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The emulator's transport; the first token request stops Redis before Sage answers."""

    def __init__(self, fake: SageEmulator, server: RedisServer) -> None:
        self.fake = fake
        self.server = server
        self.armed = True

    def _before(self, request: httpx.Request) -> None:
        if self.armed and str(request.url) == self.fake.token_url:
            self.armed = False
            self.server.stop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._before(request)
        return self.fake.transport.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._before(request)
        return await self.fake.async_transport.handle_async_request(request)


@pytest.fixture()
def fake() -> SageEmulator:
    return SageEmulator(seed=21, access_token_ttl=300)


@pytest.fixture()
def store(own_redis_server: RedisServer, fake: SageEmulator) -> RedisTokenStore:
    store = RedisTokenStore(
        own_redis_server.url, key="sage:token:rotating", timeout=0.3, save_timeout=0.5
    )
    store.save(token_of(fake), replaces=None)
    return store


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_redis_down_at_a_refresh_keeps_the_token_until_redis_is_back(
    own_redis_server: RedisServer,
    fake: SageEmulator,
    store: RedisTokenStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = store.load()
    transport = _RedisDiesAtRefresh(fake, own_redis_server)
    with make_client(fake, token_store=store, transport=transport) as sage:
        fake.clock.advance(301)
        assert sage.request("GET", "/contacts").status_code == 200  # refreshed; Redis is down
        assert sage.request("GET", "/contacts").status_code == 200
        (error,) = _errors(caplog)
        assert f"saving the refreshed token to {store!r} failed" in error
        assert "; 1 try so far)" in error  # RedisTokenStore's save retried by itself

        fake.clock.advance(301)  # expired again: refreshed from the kept token, Redis still down
        assert sage.request("GET", "/contacts").status_code == 200
        own_redis_server.start()
        fake.clock.advance(5)
        assert sage.request("GET", "/contacts").status_code == 200  # saved before this call
        assert store.load() == sage.token
        new = sage.token
    assert old is not None and new is not None and new.refresh_token != old.refresh_token
    assert fake.stats.refreshes == 2 and fake.stats.refresh_token_reuse == 0
    secrets = [old.access_token, old.refresh_token, new.access_token, new.refresh_token]
    assert not any(secret and secret in caplog.text for secret in secrets)


def test_close_with_redis_still_down_raises_and_saves_once_it_is_back(
    own_redis_server: RedisServer, fake: SageEmulator, store: RedisTokenStore
) -> None:
    old = store.load()
    sage = make_client(
        fake, token_store=store, transport=_RedisDiesAtRefresh(fake, own_redis_server)
    )
    fake.clock.advance(301)
    sage.lead_business()
    with pytest.raises(TokenSaveError, match="still not saved to RedisTokenStore") as caught:
        sage.close()
    assert caught.value.store == repr(store)
    assert "127.0.0.1" in str(caught.value)  # the Redis it could not reach

    own_redis_server.start()
    sage.close()

    assert store.load() == sage.token != old


def test_the_async_client_keeps_the_token_while_redis_is_down(
    own_redis_server: RedisServer,
    fake: SageEmulator,
    store: RedisTokenStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = _RedisDiesAtRefresh(fake, own_redis_server)

    async def run() -> Token | None:
        async with make_async_client(fake, token_store=store, transport=transport) as sage:
            fake.clock.advance(301)
            assert (await sage.request("GET", "/contacts")).status_code == 200
            assert _errors(caplog)
            own_redis_server.start()
            fake.clock.advance(5)
            assert (await sage.request("GET", "/contacts")).status_code == 200
            assert await store.aload() == sage.token
            return sage.token

    new = asyncio.run(run())
    assert store.load() == new
    assert fake.stats.refreshes == 1 and fake.stats.refresh_token_reuse == 0
