"""A refreshed token the store did not take: kept in memory, saved later, never lost silently.

Sage rotates the refresh token on every refresh (the old one stops working), so once a refresh
has answered, the new token is the only one that works. When the store cannot take it (disk
full, a read-only directory, Redis down, a broken token file it will not overwrite):

1. the save is tried `store.save_tries` times in all (3, after pauses of 0.1 s and 0.5 s;
   RedisTokenStore tries once, as its `save` retries for `save_timeout` by itself);
2. then the token is kept in memory, an ERROR is logged (logger `sage_accounting.auth`: the
   store and its error, never the token) and the call goes on with it: raising would not make
   the token any safer, and a program that stops on the error would lose it;
3. before later API calls (at most every `RETRY_EVERY` seconds of the client's clock) and
   before the next refresh, the save is tried once more; that refresh starts from the kept
   token (the store holds a spent one) and keeps its successor if the store still fails;
4. `close()` tries again and raises `TokenSaveError` if the token is still unsaved; at process
   exit a last try, then an ERROR naming the store.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

from .._lazy import asyncio  # imported on first use: a sync program never does
from .._token import Token
from ..errors import TokenSaveError, TokenStoreError
from ._store import TokenStore

logger = logging.getLogger("sage_accounting.auth")

PAUSES = (0.1, 0.5)  # before the second and later tries of one save
RETRY_EVERY = 5.0  # seconds (client clock) between the tries made before API calls

_KEPT: set[Saver] = set()  # strong references: a kept token outlives its client until exit
_KEPT_LOCK = threading.Lock()


class _Kept(NamedTuple):  # not attrs: a NamedTuple class costs a fifth at import
    token: Token
    replaces: Token | None  # what the store held when the kept token's grant was refreshed
    error: str
    tries: int
    last_try: float


def _tries(count: int) -> str:
    return "1 try" if count == 1 else f"{count} tries"


def _reason(exc: BaseException) -> str:
    # Our stores' messages name a file or a URL without its password; another store's
    # exception might hold anything, so only its type is shown.
    return str(exc) if isinstance(exc, TokenStoreError) else type(exc).__name__


class Saver:
    """Saves refreshed tokens to `store`; holds the one it could not save (`unsaved`)."""

    def __init__(self, store: TokenStore, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        self._kept: _Kept | None = None

    def __repr__(self) -> str:
        return f"Saver({self.store!r}, unsaved={self._kept is not None})"

    @property
    def unsaved(self) -> Token | None:
        """The refreshed token the store does not hold yet, if any."""
        return self._kept.token if self._kept else None

    @property
    def replaces(self) -> Token | None:
        """What the store held when the unsaved token's grant was refreshed."""
        return self._kept.replaces if self._kept else None

    def due(self) -> bool:
        """Whether an API call should try the unsaved token's save again first."""
        kept = self._kept
        return kept is not None and self.clock() - kept.last_try >= RETRY_EVERY

    def save(self, token: Token, *, replaces: Token | None) -> Token:
        """Store a refreshed token: what the store holds afterwards, or `token`, kept here."""
        for pause in self._pauses():
            if pause:
                time.sleep(pause)
            try:
                stored = self.store.save(token, replaces=replaces)
            except BaseException as exc:
                self._failed(token, replaces, exc)
                continue
            return self._saved(stored, token)
        self._log_kept()
        return token

    async def asave(self, token: Token, *, replaces: Token | None) -> Token:
        for pause in self._pauses():
            if pause:
                await asyncio.sleep(pause)
            try:
                stored = await self.store.asave(token, replaces=replaces)
            except BaseException as exc:
                self._failed(token, replaces, exc)
                continue
            return self._saved(stored, token)
        self._log_kept()
        return token

    def retry(self) -> Token | None:
        """One more try of the unsaved token's save: the stored token, or None."""
        kept = self._kept
        if kept is None:
            return None
        try:
            stored = self.store.save(kept.token, replaces=kept.replaces)
        except BaseException as exc:
            self._failed(kept.token, kept.replaces, exc)
            self._log_kept()
            return None
        return self._saved(stored, kept.token)

    async def aretry(self) -> Token | None:
        kept = self._kept
        if kept is None:
            return None
        try:
            stored = await self.store.asave(kept.token, replaces=kept.replaces)
        except BaseException as exc:
            self._failed(kept.token, kept.replaces, exc)
            self._log_kept()
            return None
        return self._saved(stored, kept.token)

    def forget(self) -> None:
        """Drop a kept token (its grant was revoked)."""
        self._kept = None
        with _KEPT_LOCK:
            _KEPT.discard(self)

    def raise_if_unsaved(self) -> None:
        """What `close()` raises when the token is still unsaved."""
        kept = self._kept
        if kept is None:
            return
        raise TokenSaveError(
            f"the refreshed token is still not saved to {self.store!r} after "
            f"{_tries(kept.tries)} ({kept.error}); it lives only in this process and is lost "
            "when it ends: fix the store and close the client again",
            store=repr(self.store),
        )

    def _pauses(self) -> Iterator[float]:
        yield 0.0
        for attempt in range(1, max(1, self.store.save_tries)):
            yield PAUSES[min(attempt, len(PAUSES)) - 1]

    def _failed(self, token: Token, replaces: Token | None, exc: BaseException) -> None:
        kept = self._kept
        tries = kept.tries + 1 if kept is not None else 1
        self._kept = _Kept(token, replaces, _reason(exc), tries, self.clock())
        with _KEPT_LOCK:
            _KEPT.add(self)
        if not isinstance(exc, Exception):
            raise exc  # KeyboardInterrupt and the like go on; the token stays kept for exit

    def _saved(self, stored: Token, token: Token) -> Token:
        kept, self._kept = self._kept, None
        with _KEPT_LOCK:
            _KEPT.discard(self)
        if kept is None:
            return stored
        if stored.refresh_token == token.refresh_token:
            logger.warning(
                "the refreshed token is saved to %r now, after %s that failed",
                self.store,
                _tries(kept.tries),
            )
        else:  # the compare-and-set kept what is there: someone logged in again meanwhile
            logger.warning(
                "%r holds another token now (a new login?): it is used, the kept one dropped",
                self.store,
            )
        return stored

    def _log_kept(self) -> None:
        kept = self._kept
        assert kept is not None
        logger.error(
            "saving the refreshed token to %r failed (%s; %s so far): it is kept in "
            "memory and used, and its save is tried again before later calls; until then "
            "the store holds a spent refresh token (another process refreshing from it ends "
            "the connection) and this token is lost if the process ends",
            self.store,
            kept.error,
            _tries(kept.tries),
        )


def exit_guard(exc_type: object) -> contextlib.AbstractContextManager[object]:
    """Where a client's `__exit__` closes it: an error leaving the `with` block wins over a
    `TokenSaveError` (the unsaved token was logged at ERROR, and exit tries it once more)."""
    return contextlib.suppress(TokenSaveError) if exc_type else contextlib.nullcontext()


@atexit.register
def _at_exit() -> None:
    """A last try for every token still unsaved; what is still lost is logged at ERROR."""
    with _KEPT_LOCK:
        savers = list(_KEPT)
    for saver in savers:
        if saver.retry() is not None:
            continue
        logger.error(
            "exiting with a refreshed token that %r does not hold: it is lost, and the "
            "connection needs a new login (`sage-accounting login`)",
            saver.store,
        )
