"""Redis stopped, unresponsive or refusing: typed errors within the bound, the local fallback,
and secrets kept out of errors, reprs and logs. Also: the core package never imports redis."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sage_accounting import Token
from sage_accounting.errors import TokenStoreError
from sage_accounting.fleet import RedisLimits, RedisTokenStore, RedisUnavailableError
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

from .fleet import REDIS_SERVER, ROOT, RedisServer, worker_env

PASSWORD = "pw-Sekr1t-9f3a"


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung or firewalled Redis)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def test_a_stopped_redis_is_a_typed_error_naming_the_url(own_redis_server: RedisServer) -> None:
    url = own_redis_server.url
    store = RedisTokenStore(url, key="sage:token:a", timeout=0.5)
    limits = RedisLimits(url, namespace="t", timeout=0.5)
    own_redis_server.stop()
    for action in (store.load, lambda: limits.acquire("B"), lambda: limits.pause(1)):
        started = time.monotonic()
        with pytest.raises(RedisUnavailableError) as caught:
            action()
        assert time.monotonic() - started < 1.5
        assert f"127.0.0.1:{own_redis_server.port}" in str(caught.value)
        assert caught.value.url == url
    with pytest.raises(TokenStoreError):  # the store's error is a TokenStoreError as well
        store.load()


def test_an_unresponsive_redis_fails_within_the_bound(silent_port: int) -> None:
    url = f"redis://127.0.0.1:{silent_port}/0"
    limits = RedisLimits(url, namespace="t", timeout=0.4, poll=0.1)
    store = RedisTokenStore(url, key="k", timeout=0.4)
    for action in (lambda: limits.acquire(None), store.load):
        started = time.monotonic()
        with pytest.raises(RedisUnavailableError, match="Timeout"):
            action()
        assert time.monotonic() - started < 2 * 0.4 + 0.5  # one call and its one repeat


def test_a_request_through_a_client_fails_closed_by_default(own_redis_server: RedisServer) -> None:
    fake = SageEmulator(seed=8)
    limits = RedisLimits(own_redis_server.url, namespace="t", timeout=0.5)
    token = Token.from_response(fake.issue_token(), now=fake.clock.now())
    with make_client(fake, token=token, limits=limits) as sage:
        assert sage.request("GET", "/contacts").status_code == 200
        own_redis_server.stop()
        with pytest.raises(RedisUnavailableError):
            sage.request("GET", "/contacts")
    assert len(fake.stats.requests) == 1  # nothing went out without a slot


def test_the_local_fallback_warns_and_goes_on(own_redis_server: RedisServer) -> None:
    fake = SageEmulator(seed=9)
    limits = RedisLimits(
        own_redis_server.url,
        namespace="t",
        concurrency=5,
        timeout=0.5,
        on_redis_error="local",
        retry_redis_after=0.5,
    )
    token = Token.from_response(fake.issue_token(), now=fake.clock.now())
    with make_client(fake, token=token, limits=limits) as sage:
        own_redis_server.stop()
        with pytest.warns(RuntimeWarning, match="this process only") as warned:
            assert sage.request("GET", "/contacts").status_code == 200
        assert "127.0.0.1" in str(warned[0].message)
        assert sage.request("GET", "/contacts").status_code == 200  # still local, no warning
        own_redis_server.start()
        time.sleep(0.6)
        assert sage.request("GET", "/contacts").status_code == 200  # back on Redis
    assert limits.fleet_in_flight() == 0


def test_secrets_never_show(caplog: pytest.LogCaptureFixture) -> None:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(Path(directory), password=PASSWORD)
        try:
            _secrets_never_show(server, caplog)
        finally:
            server.stop()


def _secrets_never_show(server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = server.url
    assert PASSWORD in url
    fake = SageEmulator(seed=10, access_token_ttl=300)
    store = RedisTokenStore(url, key="sage:token:s")
    limits = RedisLimits(url, namespace="s", timeout=0.5)
    first = Token.from_response(fake.issue_token(), now=fake.clock.now())
    store.save(first, replaces=None)
    with make_client(fake, token_store=store, limits=limits) as sage:
        fake.clock.advance(301)  # refresh through the store
        assert sage.request("GET", "/contacts").status_code == 200
        texts = [repr(store), str(store), repr(limits), repr(sage), repr(sage.token)]
    current = store.load()
    assert current is not None and current != first
    wrong = url.replace(PASSWORD, "not-the-password")
    for action in (
        RedisTokenStore(wrong, key="k").load,
        lambda: RedisLimits(wrong, namespace="s").acquire(None),
    ):
        with pytest.raises(RedisUnavailableError) as caught:
            action()
        texts += [str(caught.value), repr(caught.value), caught.value.url]
    server.stop()
    for action in (store.load, lambda: limits.acquire(None)):
        with pytest.raises(RedisUnavailableError) as caught:
            action()
        texts += [str(caught.value), repr(caught.value)]
    with pytest.warns(RuntimeWarning) as warned:
        fallback = RedisLimits(url, namespace="s", on_redis_error="local", timeout=0.5)
        fallback.acquire(None)
        fallback.release()
    texts += [str(w.message) for w in warned]
    texts.append(caplog.text)
    secrets = [PASSWORD, "not-the-password"]
    for token in (first, current):
        secrets += [token.access_token, str(token.refresh_token)]
    for text in texts:
        for secret in secrets:
            assert secret not in text, text
    assert "***" in repr(store) and "***" in repr(limits)


def test_the_core_package_does_not_import_redis() -> None:
    code = (
        "import sys, sage_accounting, sage_accounting.auth, sage_accounting.testing\n"
        "from sage_accounting import SageAccounting, AsyncSageAccounting\n"
        "assert 'redis' not in sys.modules, 'redis imported'\n"
        "import sage_accounting.fleet\n"
        "assert 'redis' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=worker_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_lease_renewals_failing_warn_once_then_say_when_they_work_again(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    from sage_accounting.fleet._connection import Connection
    from sage_accounting.fleet._heartbeat import Heartbeat

    beat = Heartbeat(Connection(own_redis_server.url), "t", 3.0, threading.Lock(), lambda: ["s"])
    caplog.set_level(logging.DEBUG, logger="sage_accounting.fleet")
    own_redis_server.stop()
    for _ in range(4):  # a beat every lease / 3 seconds while Redis is away
        beat._renew()
    own_redis_server.start()
    beat._renew()
    beat._renew()

    said = [(r.levelname, r.getMessage()) for r in caplog.records if "renewing" in r.getMessage()]
    failed = [level for level, message in said if "failed" in message]
    assert failed == ["WARNING", "DEBUG", "DEBUG", "DEBUG"]
    assert [level for level, message in said if "leases works again" in message] == ["INFO"]
    assert not beat.renewals_failing
