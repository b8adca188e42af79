"""Where tokens live between requests and between processes.

A store is the seam for sharing one Sage connection: the client reads the token from it when it
must refresh, refreshes under the store's refresh lock (so that one refresh token is used once,
even across processes), and saves the new token with a compare-and-set before using it.
`MemoryTokenStore` serves one process, `FileTokenStore` several processes on one machine, and
`sage_accounting.fleet.RedisTokenStore` a fleet of machines.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from .._lazy import asyncio  # imported on first use: a sync program never does
from .._token import Token
from ..errors import TokenStoreError
from ._token_file import parse_token_file


class TokenStore:
    """Base of token stores. Subclasses implement `load`, `save` and usually `refresh_lock`.

    The async methods run the sync ones in a worker thread unless a subclass overrides them
    (as the Redis store does with redis.asyncio).

    `save_tries`: how many times the client tries to save a refreshed token before it keeps
    it in memory and logs at ERROR (see auth/_unsaved.py); 1 for a store whose `save` retries
    by itself.
    """

    save_tries: int = 3

    def load(self) -> Token | None:
        """The stored token, or None if there is none."""
        raise NotImplementedError

    def save(self, token: Token, *, replaces: Token | None) -> Token:
        """Store `token` if the stored token is still `replaces` (compared by refresh token).

        Returns what is stored afterwards: `token`, or the token another process saved first.
        Must be durable when it returns: a crash right after loses nothing.
        """
        raise NotImplementedError

    def delete(self) -> None:
        """Forget the token (after a revoke)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[None]:
        """Held while refreshing, so that only one holder uses a refresh token."""
        yield

    async def aload(self) -> Token | None:
        return await asyncio.to_thread(self.load)

    async def asave(self, token: Token, *, replaces: Token | None) -> Token:
        return await asyncio.to_thread(lambda: self.save(token, replaces=replaces))

    async def adelete(self) -> None:
        await asyncio.to_thread(self.delete)

    @contextlib.asynccontextmanager
    async def arefresh_lock(self) -> AsyncIterator[None]:
        manager = self.refresh_lock()
        await asyncio.to_thread(manager.__enter__)
        try:
            yield
        finally:
            manager.__exit__(None, None, None)


def _same_grant(stored: Token | None, expected: Token | None) -> bool:
    if stored is None or expected is None:
        return stored is expected
    return stored.refresh_token == expected.refresh_token


class MemoryTokenStore(TokenStore):
    """Keeps the token in this process only."""

    def __init__(self, token: Token | None = None) -> None:
        self._token = token
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryTokenStore(token={'<set>' if self._token else None})"

    def load(self) -> Token | None:
        return self._token

    def save(self, token: Token, *, replaces: Token | None) -> Token:
        with self._lock:
            if self._token is not None and not _same_grant(self._token, replaces):
                return self._token
            self._token = token
            return token

    def delete(self) -> None:
        with self._lock:
            self._token = None


class FileTokenStore(TokenStore):
    """A JSON file (mode 0600) written atomically, shared by processes on one machine.

    Refreshing holds an exclusive lock on `<file>.lock`, so two processes never refresh with
    the same refresh token: the second waits, re-reads the file and uses the rotated token.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path).expanduser()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout
        self._thread_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> Token | None:
        """The token in the file, None if there is no file; a broken file is a TokenStoreError
        naming it and what is wrong (and is never overwritten: `save` loads first)."""
        try:
            content = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(f"cannot read token file {self.path}: {exc.strerror}") from None
        return parse_token_file(content, self.path)

    def save(self, token: Token, *, replaces: Token | None) -> Token:
        with self._thread_lock:
            current = self.load()
            if current is not None and not _same_grant(current, replaces):
                return current
            self._write(token)
            return token

    def delete(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _write(self, token: Token) -> None:
        if not isinstance(token, Token) or not token.access_token:
            raise TokenStoreError(f"refusing to write a blank token to {self.path}") from None
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            raise TokenStoreError(f"cannot write token file {self.path}: {exc.strerror}") from None
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(token.to_json(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            _fsync_directory(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise TokenStoreError(f"cannot write token file {self.path}: {exc.strerror}") from None

    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[None]:
        import fcntl  # POSIX only; imported here so that the module loads anywhere

        self.lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise TokenStoreError(
                            f"cannot lock {self.lock_path}: {exc.strerror}"
                        ) from None
                    if time.monotonic() >= deadline:
                        raise TokenStoreError(
                            f"another process held {self.lock_path} for over "
                            f"{self.lock_timeout:.0f}s"
                        ) from None
                    time.sleep(0.01)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
