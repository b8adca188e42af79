"""`RedisTokenStore`: one Sage connection's token in a Redis hash, shared by a fleet.

The hash at `key` holds `token` (the token's JSON) and `grant` (a SHA-256 of its refresh
token). Saving is a server-side compare-and-set on `grant`, so a rotated token is stored only
if the stored one is still the one that was used to refresh. The refresh lock is the string
`<key>:lock` set with a lease; its holder renews the lease while it is alive, so a killed
holder frees it when the lease runs out, and releasing deletes it only if it is still ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import cast

import redis
import redis.asyncio
import redis.exceptions

from .._token import Token
from ..auth._store import TokenStore
from ..errors import TokenStoreError
from ._connection import (
    DEFAULT_TIMEOUT,
    Connection,
    Lua,
    RedisUnavailableError,
    TokenStoreUnavailableError,
)

logger = logging.getLogger("sage_accounting.fleet")

_SAVE = Lua(
    """
local stored = redis.call('HGET', KEYS[1], 'token')
if stored then
  local grant = redis.call('HGET', KEYS[1], 'grant') or ''
  if ARGV[4] ~= '1' or grant ~= ARGV[3] then return stored end
end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'grant', ARGV[2])
return ARGV[1]
"""
)
_RENEW = Lua(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
)
_UNLOCK = Lua(
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
)


def _grant(token: Token | None) -> str:
    if token is None or not token.refresh_token:
        return ""
    return hashlib.sha256(token.refresh_token.encode()).hexdigest()


def _decode(raw: bytes | str | None, where: str) -> Token | None:
    if raw is None:
        return None
    try:
        return Token.from_json(json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise TokenStoreError(f"{where} does not hold a token: {type(exc).__name__}") from None


class RedisTokenStore(TokenStore):
    """The token of one Sage connection at `key` on the Redis at `url`.

    - `lease`: seconds the refresh lock outlives a holder that stops renewing it (a crashed
      process); a live holder renews it every `lease / 3` seconds.
    - `lock_timeout`: seconds to wait for another holder's refresh before `TokenStoreError`.
    - `save_timeout`: seconds a rotated token's save is retried while Redis is unreachable
      (the old refresh token is spent by then: the new one must not be lost).
    - `timeout`: socket timeout of every Redis call (connect and answer).

    Errors reaching Redis raise `TokenStoreUnavailableError` (a `TokenStoreError` and a
    `RedisUnavailableError`), naming the URL without its password.
    """

    save_tries = 1  # `save` itself retries for `save_timeout` while Redis is unreachable

    def __init__(
        self,
        url: str,
        key: str,
        *,
        lease: float = 10.0,
        lock_timeout: float = 60.0,
        save_timeout: float = 30.0,
        timeout: float = DEFAULT_TIMEOUT,
        connection: Connection | None = None,
    ) -> None:
        if not key:
            raise ValueError("key must name the connection, e.g. 'sage:token:<customer>'")
        if lease <= 0 or lock_timeout <= 0 or save_timeout < 0:
            raise ValueError("lease and lock_timeout must be positive, save_timeout not negative")
        self.connection = connection or Connection(url, timeout=timeout)
        self.key = key
        self.lock_key = f"{key}:lock"
        self.lease = lease
        self.lock_timeout = lock_timeout
        self.save_timeout = save_timeout

    def __repr__(self) -> str:
        return f"RedisTokenStore({self.connection.url!r}, key={self.key!r})"

    @property
    def url(self) -> str:
        """The Redis URL without its password."""
        return self.connection.url

    def for_key(self, key: str) -> RedisTokenStore:
        """A store for another connection's key, sharing this one's Redis clients."""
        return RedisTokenStore(
            self.connection.url,
            key,
            lease=self.lease,
            lock_timeout=self.lock_timeout,
            save_timeout=self.save_timeout,
            connection=self.connection,
        )

    @classmethod
    def list_keys(
        cls, url: str, pattern: str = "*", *, timeout: float = DEFAULT_TIMEOUT
    ) -> list[str]:
        """The keys matching `pattern` that hold a token (SCAN, so it never blocks Redis)."""
        connection = Connection(url, timeout=timeout)
        try:
            return sorted(
                connection.call(
                    lambda client: [
                        key.decode() if isinstance(key, bytes) else str(key)
                        for key in client.scan_iter(match=pattern, count=500, _type="hash")
                        if client.hexists(key, "token")
                    ],
                    "listing token keys",
                    TokenStoreUnavailableError,
                )
            )
        finally:
            connection.close()

    # --- reading and writing ------------------------------------------------------------------

    def _error(self, exc: BaseException, doing: str) -> RedisUnavailableError:
        return self.connection.error(exc, doing, TokenStoreUnavailableError)

    def load(self) -> Token | None:
        raw = self.connection.call(
            lambda client: cast("bytes | None", client.hget(self.key, "token")),
            f"reading the token at {self.key!r}",
            TokenStoreUnavailableError,
        )
        return _decode(raw, f"Redis key {self.key!r}")

    def _save_args(self, token: Token, replaces: Token | None) -> list[str | int | float]:
        return [
            json.dumps(token.to_json()),
            _grant(token),
            _grant(replaces),
            "1" if replaces is not None else "0",
        ]

    def save(self, token: Token, *, replaces: Token | None) -> Token:
        args = self._save_args(token, replaces)
        retry = self._save_retry()
        while True:
            try:
                raw = _SAVE.run(self.connection.client, [self.key], args)
                break
            except (redis.exceptions.RedisError, OSError) as exc:
                time.sleep(retry.pause_after(exc))
        return self._stored(raw)

    def _save_retry(self) -> _SaveRetry:
        return _SaveRetry(self, time.monotonic() + self.save_timeout)

    def _stored(self, raw: bytes | str | None) -> Token:
        stored = _decode(raw, f"Redis key {self.key!r}")
        assert stored is not None
        return stored

    def delete(self) -> None:
        self.connection.call(
            lambda client: client.delete(self.key),
            f"deleting the token at {self.key!r}",
            TokenStoreUnavailableError,
        )

    async def aload(self) -> Token | None:
        async def hget(client: redis.asyncio.Redis) -> bytes | None:
            value: bytes | None = await client.hget(self.key, "token")  # type: ignore[misc]
            return value

        raw = await self.connection.acall(
            hget, f"reading the token at {self.key!r}", TokenStoreUnavailableError
        )
        return _decode(raw, f"Redis key {self.key!r}")

    async def asave(self, token: Token, *, replaces: Token | None) -> Token:
        args = self._save_args(token, replaces)
        retry = self._save_retry()
        while True:
            try:
                raw = await _SAVE.arun(self.connection.async_client, [self.key], args)
                break
            except (redis.exceptions.RedisError, OSError) as exc:
                await asyncio.sleep(retry.pause_after(exc))
        return self._stored(raw)

    async def adelete(self) -> None:
        async def delete(client: redis.asyncio.Redis) -> None:
            await client.delete(self.key)

        await self.connection.acall(
            delete, f"deleting the token at {self.key!r}", TokenStoreUnavailableError
        )

    # --- the refresh lock ---------------------------------------------------------------------

    def _lock_timeout_error(self) -> TokenStoreError:
        return TokenStoreError(
            f"another process held the refresh lock {self.lock_key!r} on {self.url} for over "
            f"{self.lock_timeout:.0f}s"
        )

    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[None]:
        owner = secrets.token_hex(16)
        lease_ms = max(1, int(self.lease * 1000))
        doing = f"taking the refresh lock {self.lock_key!r}"
        deadline = time.monotonic() + self.lock_timeout
        while not self.connection.call(
            lambda client: client.set(self.lock_key, owner, nx=True, px=lease_ms),
            doing,
            TokenStoreUnavailableError,
        ):
            if time.monotonic() >= deadline:
                raise self._lock_timeout_error()
            time.sleep(0.02)
        stop = threading.Event()
        renewer = threading.Thread(
            target=self._renew, args=(owner, lease_ms, stop), name="sage-redis-lock", daemon=True
        )
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join()
            try:
                _UNLOCK.run(self.connection.client, [self.lock_key], [owner])
            except (redis.exceptions.RedisError, OSError) as exc:
                # The lease frees it: nothing is lost by leaving it to run out.
                logger.warning("Redis at %s: %s", self.url, self._error(exc, "unlocking"))

    def _renew(self, owner: str, lease_ms: int, stop: threading.Event) -> None:
        while not stop.wait(self.lease / 3):
            try:
                if not _RENEW.run(self.connection.client, [self.lock_key], [owner, lease_ms]):
                    logger.warning(
                        "Redis at %s: the refresh lock %r ran out before the refresh ended",
                        self.url,
                        self.lock_key,
                    )
                    return
            except (redis.exceptions.RedisError, OSError) as exc:
                logger.warning("Redis at %s: renewing the refresh lock failed (%s)", self.url, exc)

    @contextlib.asynccontextmanager
    async def arefresh_lock(self) -> AsyncIterator[None]:
        owner = secrets.token_hex(16)
        lease_ms = max(1, int(self.lease * 1000))
        doing = f"taking the refresh lock {self.lock_key!r}"

        async def take(client: redis.asyncio.Redis) -> bool:
            return bool(await client.set(self.lock_key, owner, nx=True, px=lease_ms))

        deadline = time.monotonic() + self.lock_timeout
        while not await self.connection.acall(take, doing, TokenStoreUnavailableError):
            if time.monotonic() >= deadline:
                raise self._lock_timeout_error()
            await asyncio.sleep(0.02)
        renewer = asyncio.ensure_future(self._arenew(owner, lease_ms))
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            try:
                await _UNLOCK.arun(self.connection.async_client, [self.lock_key], [owner])
            except (redis.exceptions.RedisError, OSError) as exc:
                logger.warning("Redis at %s: %s", self.url, self._error(exc, "unlocking"))

    async def _arenew(self, owner: str, lease_ms: int) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                renewed = await _RENEW.arun(
                    self.connection.async_client, [self.lock_key], [owner, lease_ms]
                )
            except (redis.exceptions.RedisError, OSError) as exc:
                logger.warning("Redis at %s: renewing the refresh lock failed (%s)", self.url, exc)
                continue
            if not renewed:
                logger.warning(
                    "Redis at %s: the refresh lock %r ran out before the refresh ended",
                    self.url,
                    self.lock_key,
                )
                return


class _SaveRetry:
    """Saving a rotated token is retried until `deadline`: the old refresh token is spent."""

    def __init__(self, store: RedisTokenStore, deadline: float) -> None:
        self.store = store
        self.deadline = deadline
        self.pause = 0.05

    def pause_after(self, exc: Exception) -> float:
        """How long to wait before the next try; raises once the deadline would pass."""
        store = self.store
        if time.monotonic() + self.pause > self.deadline:
            raise store._error(exc, f"saving the token at {store.key!r}") from None
        logger.warning(
            "Redis at %s: saving the token at %r failed (%s); retrying",
            store.connection.url,
            store.key,
            type(exc).__name__,
        )
        pause, self.pause = self.pause, min(self.pause * 2, 1.0)
        return pause
