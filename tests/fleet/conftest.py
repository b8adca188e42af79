"""A real redis-server per test module (or per test where it is stopped or restarted).

Each server listens on 127.0.0.1 on a free port, keeps its files (the append-only file) in
its own temporary directory, and is stopped afterwards. Without `redis-server` on PATH the
tests skip (CI installs it: see .ci/run).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("redis", reason="redis-py is not installed (the test group brings it)")

from .fleet import REDIS_SERVER, RedisServer


def _server(directory: Path) -> RedisServer:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return RedisServer(directory)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="sage-redis-") as directory:
        server = _server(Path(directory))
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture()
def own_redis_server() -> Iterator[RedisServer]:
    """A server of the test's own, for tests that stop or restart it."""
    with tempfile.TemporaryDirectory(prefix="sage-redis-") as directory:
        server = _server(Path(directory))
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture()
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The module's server, emptied before each test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url
