"""RedisTokenStore on a real redis-server: compare-and-set, the leased lock, keys, restarts."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest
import redis

from sage_accounting import SageAccounting, Token
from sage_accounting.fleet import RedisTokenStore
from sage_accounting.testing import SageEmulator

from .fleet import RedisServer


def _token(n: int) -> Token:
    return Token(access_token=f"access-{n}", refresh_token=f"refresh-{n}", expires_at=2e9)


def test_save_is_a_compare_and_set_on_the_refresh_token(redis_url: str) -> None:
    store = RedisTokenStore(redis_url, key="sage:token:a")
    assert store.load() is None
    assert store.save(_token(0), replaces=None) == _token(0)
    assert store.save(_token(9), replaces=None) == _token(0)  # there is one already: kept
    assert store.save(_token(1), replaces=_token(0)) == _token(1)  # the refresh that won
    assert store.save(_token(2), replaces=_token(0)) == _token(1)  # lost: the winner's token
    assert store.load() == _token(1)
    store.delete()
    assert store.load() is None


def test_async_twins(redis_url: str) -> None:
    store = RedisTokenStore(redis_url, key="sage:token:async")

    async def run() -> None:
        assert await store.aload() is None
        assert await store.asave(_token(0), replaces=None) == _token(0)
        async with store.arefresh_lock():
            assert await store.asave(_token(1), replaces=_token(0)) == _token(1)
            assert await store.asave(_token(2), replaces=_token(0)) == _token(1)
        assert await store.aload() == _token(1)
        await store.adelete()
        assert await store.aload() is None

    asyncio.run(run())


def test_the_refresh_lock_admits_one_holder_across_stores(redis_url: str) -> None:
    stores = [RedisTokenStore(redis_url, key="sage:token:l") for _ in range(4)]
    inside, most = [0], [0]
    guard = threading.Lock()

    def hold(store: RedisTokenStore) -> None:
        for _ in range(5):
            with store.refresh_lock():
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.01)
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=hold, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_a_holder_whose_lease_ran_out_corrupts_nothing(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = RedisTokenStore(redis_url, key="sage:token:x", lease=0.3)
    fast = RedisTokenStore(redis_url, key="sage:token:x", lease=5.0)
    slow.save(_token(0), replaces=None)
    monkeypatch.setattr(slow, "_renew", lambda *args: None)  # as if it hung past its lease
    raw = redis.Redis.from_url(redis_url)
    with contextlib.ExitStack() as later:
        with slow.refresh_lock():
            used = slow.load()
            time.sleep(0.5)
            started = time.monotonic()
            later.enter_context(fast.refresh_lock())  # the lease ran out: free again
            assert time.monotonic() - started < 0.5
            assert fast.save(_token(1), replaces=fast.load()) == _token(1)
            holder = raw.get(fast.lock_key)
            # The late holder's save loses the compare-and-set and gets the winner's token.
            assert slow.save(_token(2), replaces=used) == _token(1)
        # Leaving, the late holder did not delete the lock that is no longer its own.
        assert holder is not None and raw.get(fast.lock_key) == holder
    assert raw.get(fast.lock_key) is None
    assert fast.load() == _token(1)


def test_the_lock_renews_its_lease_while_held(redis_url: str) -> None:
    # A lease of a second, renewed every third of it: a stall of the renewing thread (a busy
    # shared CI machine) must pass 0.6 s to lose it, where 0.3 s leases lost it at 0.2 s.
    store = RedisTokenStore(redis_url, key="sage:token:r", lease=1.0)
    other = RedisTokenStore(redis_url, key="sage:token:r", lease=1.0, lock_timeout=0.2)
    with store.refresh_lock():
        time.sleep(2.3)  # past two leases: still held
        with pytest.raises(Exception, match="held the refresh lock"), other.refresh_lock():
            pass


def test_many_connections_are_listed_and_deleted(redis_url: str) -> None:
    first = RedisTokenStore(redis_url, key="sage:token:customer-1")
    for n in range(1, 6):
        first.for_key(f"sage:token:customer-{n}").save(_token(n), replaces=None)
    with first.refresh_lock():  # a lock key is no token
        keys = RedisTokenStore.list_keys(redis_url, "sage:token:*")
    assert keys == [f"sage:token:customer-{n}" for n in range(1, 6)]
    first.for_key("sage:token:customer-3").delete()
    assert "sage:token:customer-3" not in RedisTokenStore.list_keys(redis_url, "sage:token:*")
    assert first.for_key("sage:token:customer-4").load() == _token(4)


def test_a_restart_keeps_the_token(own_redis_server: RedisServer) -> None:
    store = RedisTokenStore(own_redis_server.url, key="sage:token:aof")
    store.save(_token(0), replaces=None)
    store.save(_token(1), replaces=_token(0))
    own_redis_server.restart()
    assert store.load() == _token(1)  # the pooled connection died; the call reconnects


def test_a_rotated_token_is_saved_when_redis_comes_back(own_redis_server: RedisServer) -> None:
    store = RedisTokenStore(own_redis_server.url, key="sage:token:down", timeout=0.5)
    store.save(_token(0), replaces=None)
    own_redis_server.stop()
    threading.Timer(0.6, own_redis_server.start).start()
    assert store.save(_token(1), replaces=_token(0)) == _token(1)  # retried, not lost
    assert store.load() == _token(1)


def test_a_client_refreshes_through_the_store(redis_url: str) -> None:
    fake = SageEmulator(seed=5, access_token_ttl=300)
    store = RedisTokenStore(redis_url, key="sage:token:client")
    old = Token.from_response(fake.issue_token(), now=fake.clock.now())
    store.save(old, replaces=None)
    with SageAccounting(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        base_url=fake.api_base_url,
        token_url=fake.token_url,
        transport=fake.transport,
        token_store=store,
        clock=fake.clock.now,
        limits=None,
    ) as sage:
        fake.clock.advance(301)
        assert sage.request("GET", "/contacts").status_code == 200
    stored = store.load()
    assert stored is not None and stored.refresh_token != old.refresh_token
    assert fake.stats.refreshes == 1 and fake.stats.refresh_token_reuse == 0
    # Who consented, from the login's answer, survives the refresh and the store.
    assert old.requested_by_id and stored.requested_by_id == old.requested_by_id
