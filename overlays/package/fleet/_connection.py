"""One Redis URL, its sync client and one async client per event loop, and its errors.

Every call goes through `Connection.call` / `Connection.acall`, which turn any redis-py error
into `RedisUnavailableError` naming the URL without its password. Timeouts bound every call:
a connection attempt and each answer wait at most `timeout` seconds, and a failed call is
repeated once at once (a connection of the pool may have died with a restarted server), so a
call fails after at most about twice `timeout`.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import urllib.parse
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar, cast

import redis
import redis.asyncio
import redis.asyncio.retry
import redis.backoff
import redis.exceptions
import redis.retry

from ..errors import SageAccountingError, TokenStoreError

T = TypeVar("T")
Arg = str | int | float

DEFAULT_TIMEOUT = 2.0


class RedisUnavailableError(SageAccountingError):
    """Redis could not be reached or refused a command. `url` has no password in it."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class TokenStoreUnavailableError(RedisUnavailableError, TokenStoreError):
    """The Redis token store could not be read or written (also a `TokenStoreError`)."""


def redact_url(url: str) -> str:
    """The URL with its password (in the authority or a `password=` query) replaced by ***."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:***@{host}" if sep else f"{user}@{host}"
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        query = urllib.parse.urlencode(
            [(k, "***" if k.lower() == "password" else v) for k, v in pairs], safe="*"
        )
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _password(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        return urllib.parse.unquote(parts.password)
    for key, value in urllib.parse.parse_qsl(parts.query):
        if key.lower() == "password" and value:
            return value
    return None


class Connection:
    """Clients for one Redis URL, created on first use and shared by the stores and limits
    built on it."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not isinstance(url, str) or "://" not in url:
            raise ValueError("url must be a Redis URL such as 'redis://host:6379/0'")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        self._url = url
        self.url = redact_url(url)
        self._secret = _password(url)
        self.timeout = timeout
        self._lock = threading.Lock()
        self.scripts: set[str] = set()  # SHA1s of the scripts known to be loaded
        self._client: redis.Redis | None = None
        self._async_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, redis.asyncio.Redis
        ] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"Connection({self.url!r})"

    def _options(self) -> dict[str, Any]:
        return {
            "socket_timeout": self.timeout,
            "socket_connect_timeout": self.timeout,
            "health_check_interval": 30,
        }

    @property
    def client(self) -> redis.Redis:
        with self._lock:
            if self._client is None:
                retry = redis.retry.Retry(redis.backoff.NoBackoff(), 1)
                self._client = redis.Redis.from_url(self._url, retry=retry, **self._options())
            return self._client

    @property
    def async_client(self) -> redis.asyncio.Redis:
        """The client of the running event loop (asyncio connections belong to one loop)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async_clients.get(loop)
            if client is None:
                retry = redis.asyncio.retry.Retry(redis.backoff.NoBackoff(), 1)
                client = redis.asyncio.Redis.from_url(self._url, retry=retry, **self._options())
                self._async_clients[loop] = client
            return client

    def error(
        self,
        exc: BaseException,
        doing: str,
        kind: type[RedisUnavailableError] = RedisUnavailableError,
    ) -> RedisUnavailableError:
        """The typed error for a failed call: the URL without password, redis-py's reason."""
        self.scripts.clear()  # a restarted server has lost them
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if self._secret:
            reason = reason.replace(self._secret, "***")
        return kind(f"Redis at {self.url} failed while {doing}: {reason}", url=self.url)

    def call(
        self,
        function: Callable[[redis.Redis], T],
        doing: str,
        kind: type[RedisUnavailableError] = RedisUnavailableError,
    ) -> T:
        try:
            return function(self.client)
        except (redis.exceptions.RedisError, OSError) as exc:
            raise self.error(exc, doing, kind) from None

    async def acall(
        self,
        function: Callable[[redis.asyncio.Redis], Awaitable[T]],
        doing: str,
        kind: type[RedisUnavailableError] = RedisUnavailableError,
    ) -> T:
        try:
            return await function(self.async_client)
        except (redis.exceptions.RedisError, OSError) as exc:
            raise self.error(exc, doing, kind) from None

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


def pack(*words: bytes) -> bytes:
    """One command in Redis's wire format (RESP). Packing the constant part of a hot command
    once (`head`), and only its changing words per call, costs a fraction of what redis-py's
    general packing does on every call."""
    return head(words, following=0)


def head(words: Sequence[bytes], *, following: int) -> bytes:
    """The start of a packed command: `words`, with `following` more words still to come."""
    return b"*%d\r\n" % (len(words) + following) + b"".join(map(word, words))


def word(value: bytes) -> bytes:
    """One bulk string of a packed command."""
    return b"$%d\r\n%b\r\n" % (len(value), value)


class _Wire(Protocol):
    """What `exchange` uses of a redis-py connection (redis-py leaves these unannotated)."""

    def send_packed_command(self, command: list[bytes]) -> None: ...
    def read_response(self) -> Any: ...
    def disconnect(self) -> None: ...


def exchange(connection: Connection, packed: bytes, replies: int, doing: str) -> list[Any]:
    """Send packed commands and read their `replies` answers, in one round trip on a connection
    of the pool. An error answer raises its redis-py exception (NoScriptError, say) after the
    connection, whose later answers are then unread, is dropped; a broken connection is
    replaced and the exchange sent once more (as the clients' own calls are); any other failure
    raises `RedisUnavailableError`."""
    pool = connection.client.connection_pool
    broken = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
    attempts = 2
    while True:
        attempts -= 1
        try:
            pooled = pool.get_connection()
        except broken as exc:
            if attempts:
                continue
            raise connection.error(exc, doing) from None
        conn = cast("_Wire", pooled)
        try:
            conn.send_packed_command([packed])
            return [conn.read_response() for _ in range(replies)]
        except redis.exceptions.ResponseError:
            conn.disconnect()
            raise
        except broken as exc:
            conn.disconnect()
            if not attempts:
                raise connection.error(exc, doing) from None
        except redis.exceptions.RedisError as exc:
            conn.disconnect()
            raise connection.error(exc, doing) from None
        except BaseException:  # interrupted: the answers still to come must not reach the next user
            conn.disconnect()
            raise
        finally:
            pool.release(pooled)


class Lua:
    """A server-side script, sent by its SHA1 and loaded again when the server lost it (after a
    restart: scripts are not persisted)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def run(self, client: redis.Redis, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        return self.run_words(client, len(keys), [*keys, *map(str, args)])

    async def arun(
        self, client: redis.asyncio.Redis, keys: Sequence[str], args: Sequence[Arg]
    ) -> Any:
        return await self.arun_words(client, len(keys), [*keys, *map(str, args)])

    # redis-py sends bytes as they are, though its annotations name only str: hence the
    # arg-type ignores below.

    def run_words(self, client: redis.Redis, keys: int, words: Sequence[str | bytes]) -> Any:
        """Run with `keys` keys followed by the arguments, all given as words (bytes prepared
        once cost less to send than values encoded on every call)."""
        try:
            return client.evalsha(self.sha, keys, *words)  # type: ignore[arg-type]
        except redis.exceptions.NoScriptError:
            return client.eval(self.source, keys, *words)  # type: ignore[arg-type]

    async def arun_words(
        self, client: redis.asyncio.Redis, keys: int, words: Sequence[str | bytes]
    ) -> Any:
        try:
            return await client.evalsha(self.sha, keys, *words)  # type: ignore[arg-type,misc]
        except redis.exceptions.NoScriptError:
            return await client.eval(self.source, keys, *words)  # type: ignore[arg-type,misc]

    # A script sent ahead of other commands in one round trip cannot fall back to EVAL on its
    # own: load it first, once per connection (a failed call forgets it: the server may have
    # restarted without it).

    def ensure_loaded(self, client: redis.Redis, connection: Connection) -> None:
        if self.sha not in connection.scripts:
            client.script_load(self.source)
            connection.scripts.add(self.sha)
