"""The httpx.Auth flow: a valid bearer token on every API call, refreshed exactly once.

It also turns an API call's final error status into its typed error (errors.py): the flow is
the one place that sees the answer after the 401-refresh-resend, for generated operations too.
A 401 that persists with a fresher token is Sage refusing the business, not the token
(`SubscriptionError`); the business's collection is remembered (_refusals.py) so that further
calls to it raise at once. A call refreshes at most once. A call to a business whose country
and edition the client knows carries them to the errors (`BUSINESS_EXTENSION`).

One generator (`_flow`) decides what happens to a request: when to refresh (before a request
whose token expires within the margin, and once after a 401), and which headers go on it.
When it needs a fresh token it yields a `_NeedToken` marker; the sync and async drivers answer
it under their lock (a thread lock or an asyncio lock, then the store's cross-process lock),
send the token request through the same client, and save the rotated token to the store
before anything uses it. A rotated token the store refuses is kept in memory and saved later
(_unsaved.py); a refresh then starts from it, without the store's lock, as no other process
holds its refresh token.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator

import attrs
import httpx

from .._availability_note import BUSINESS_EXTENSION, availability_note
from .._extras import EXTRAS_EXTENSION, Extras
from .._lazy import asyncio  # imported on first use: a sync program never does
from .._logs import AUTH
from .._token import Token
from ..errors import REFUSED_EXTENSION, SubscriptionError, TokenRefreshError, status_error
from ._answers import token_from_response
from ._refusals import DEFAULT_TTL, Refusals, collection_of
from ._store import TokenStore
from ._unsaved import Saver

logger = logging.getLogger(AUTH)


def _moment(token: Token) -> str:
    if token.expires_at is None:
        return "(no expiry given)"
    return datetime.datetime.fromtimestamp(token.expires_at, datetime.timezone.utc).isoformat()


class _NeedToken:
    """Marker the flow yields: give me a usable token; `stale` is the one that failed.

    The driver sets `refreshed` when it asked Sage for the token (rather than finding one).
    """

    __slots__ = ("refreshed", "stale")

    def __init__(self, stale: str | None) -> None:
        self.stale = stale
        self.refreshed = False


class _StoredToken:
    """Marker the flow yields: the store's token if it is fresh and not `current`, else
    `current` (another process's refresh or a new login ends a business's refusal)."""

    __slots__ = ("current",)

    def __init__(self, current: Token) -> None:
        self.current = current


_Yield = httpx.Request | _NeedToken | _StoredToken
#: Refreshes one call may make when its token keeps expiring before the request reaches Sage
#: (a 401 with a token our clock says is expired is an expiry, not a refusal): each one follows
#: a wait (429s, limits) as long as a token's life, so five is far beyond Sage's 5-minute
#: tokens (the soak's 1-second tokens and 1-second Retry-After once expired one call's token
#: four times in a row, which a cap of three turned into an error).
MAX_REFRESHES = 5
_NO_LOCK = contextlib.nullcontext()  # reusable, sync and async


class TokenManager:
    """Token state shared by a client and its `with_business` children."""

    def __init__(
        self,
        *,
        store: TokenStore,
        client_id: str | None,
        client_secret: str | None,
        token_url: str,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.time,
        refused_business_ttl: float = DEFAULT_TTL,
        user_agent: str | None = None,
    ) -> None:
        self.store = store
        self.user_agent = user_agent  # on the refresh requests, which no httpx client builds
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_url = token_url
        self.refresh_margin = refresh_margin
        self.clock = clock
        self.token: Token | None = None  # this process's copy; the store is the truth
        self.saver = Saver(store, clock)  # saves refreshed tokens, keeps one the store refused
        self.refreshes = 0
        self.refusals = Refusals(refused_business_ttl, clock)
        self.thread_lock = threading.Lock()
        self._async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"TokenManager(store={self.store!r}, token={self.token!r})"

    def async_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._async_locks.get(loop)
        if lock is None:
            lock = self._async_locks[loop] = asyncio.Lock()
        return lock

    def fresh(self, token: Token | None) -> bool:
        return token is not None and not token.expires_within(self.refresh_margin, now=self.clock())

    def usable(self, token: Token | None, stale: str | None) -> bool:
        """Whether a stored token can serve instead of refreshing: not the one that failed."""
        return self.fresh(token) and token is not None and token.access_token != stale

    def adopt(self, stored: Token | None, current: Token) -> Token:
        """`stored` (just loaded) if it is fresh and another token than `current`."""
        if stored is None or not self.fresh(stored) or stored.access_token == current.access_token:
            return current
        if self.token is current:
            self.token = stored
        return stored

    def retried(self, stored: Token | None) -> None:
        """After a kept token's save succeeded, `stored` is what the store holds: use it."""
        if stored is not None:
            self.token = stored

    def forget(self) -> None:
        """After a revoke: no token, and none kept for saving."""
        self.token = None
        self.saver.forget()

    def flush(self) -> None:
        """At close: a kept token's save is tried again; still unsaved, `TokenSaveError`."""
        with self.thread_lock:
            kept = self.saver.unsaved
            if kept is not None:
                self.token = self.saver.save(kept, replaces=self.saver.replaces)
        self.saver.raise_if_unsaved()

    async def aflush(self) -> None:
        async with self.async_lock():
            kept = self.saver.unsaved
            if kept is not None:
                self.token = await self.saver.asave(kept, replaces=self.saver.replaces)
        self.saver.raise_if_unsaved()

    def can_refresh(self, token: Token | None) -> bool:
        """Whether a refresh could be tried (else a 401 goes to the caller as it is)."""
        return bool(token and token.refresh_token and self.client_id and self.client_secret)

    def refresh_request(self, token: Token | None) -> httpx.Request:
        """The token request that refreshes `token` (logged at DEBUG, without its body)."""
        request = self._refresh_request(token)
        logger.debug("refreshing the access token at %s", request.url.copy_with(query=None))
        return request

    def _refresh_request(self, token: Token | None) -> httpx.Request:
        if token is None:
            raise TokenRefreshError(
                "no token in the token store: log in first (`sage-accounting login`)",
                login_required=True,
            )
        if not token.refresh_token:
            raise TokenRefreshError(
                "the access token expired and there is no refresh token: log in again",
                login_required=True,
            )
        if not self.client_id or not self.client_secret:
            raise TokenRefreshError(
                "the access token expired; refreshing it needs client_id and client_secret",
                login_required=False,
            )
        return httpx.Request(
            "POST",
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": token.refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            headers={"Accept": "application/json", **self._agent()},
        )

    def _agent(self) -> dict[str, str]:
        return {"User-Agent": self.user_agent} if self.user_agent else {}

    def accept(self, response: httpx.Response, used: Token) -> Token:
        """The new token from a refresh answer, or TokenRefreshError."""
        new = token_from_response(response, now=self.clock(), action="refresh")
        logger.debug("token refreshed: the access token is good until %s", _moment(new))
        if new.refresh_token is None:
            # Sage always rotates; if an answer ever omits it, the old one is still the grant.
            new = attrs.evolve(
                new,
                refresh_token=used.refresh_token,
                refresh_token_expires_at=used.refresh_token_expires_at,
            )
        if new.requested_by_id is None:  # only the login's answer names the user
            new = attrs.evolve(new, requested_by_id=used.requested_by_id)
        self.refreshes += 1
        return new


class SageAuth(httpx.Auth):
    """Puts the bearer token and X-Business on requests to the API origin, and only there."""

    def __init__(
        self,
        manager: TokenManager,
        *,
        api_base_url: str,
        business_id: str | None,
        known: dict[str | None, tuple[str, str | None]] | None = None,
    ):
        self.manager = manager
        base = httpx.URL(api_base_url)
        self._origin = (base.scheme, base.host, base.port)
        self._base_path = base.path.rstrip("/") + "/"
        self.business_id = business_id
        # business id -> (country, edition or None) the client learnt (`business_profile()`)
        self.known = {} if known is None else known

    def __repr__(self) -> str:
        return f"SageAuth(business_id={self.business_id!r})"

    def is_api(self, request: httpx.Request) -> bool:
        url = request.url
        return (url.scheme, url.host, url.port) == self._origin and (url.path + "/").startswith(
            self._base_path
        )

    def _flow(
        self, request: httpx.Request
    ) -> Generator[_Yield, httpx.Response | Token, Token | None]:
        """Returns the token a final 401 came with when that cannot be an expired token."""
        manager = self.manager
        token = manager.token
        refreshed = False
        if not manager.fresh(token):
            need = _NeedToken(stale=token.access_token if token else None)
            answer = yield need
            assert isinstance(answer, Token)
            token, refreshed = answer, need.refreshed
        assert token is not None
        facts = self.known.get(self.business_id)
        if facts is not None:
            request.extensions[BUSINESS_EXTENSION] = (*facts, self._base_path)
        collection = collection_of(request.url.path, self._base_path)
        if manager.refusals.get(self.business_id, collection, token) is not None:
            answer = yield _StoredToken(token)
            assert isinstance(answer, Token)
            token = answer
            refusal = manager.refusals.get(self.business_id, collection, token)
            if refusal is not None:
                note = availability_note(request, 401)
                raise refusal.again(request.method, str(request.url), availability_note=note)
        checking = False
        refreshes = 1 if refreshed else 0
        while True:
            self._authorize(request, token)
            response = yield request
            assert isinstance(response, httpx.Response)
            if response.status_code != 401 or not manager.can_refresh(token):
                if checking or response.status_code < 400:
                    ok = response.status_code < 400
                    manager.refusals.answered(self.business_id, collection, ok=ok)
                return None
            if manager.fresh(token):
                # A 401 with a token far from its expiry. One refresh a call tells an expired
                # token from a refused business: none for a token this call just got or that
                # is already the fresher one of a 401 for this business.
                if refreshes or manager.refusals.refused(self.business_id, token):
                    return token  # Sage refuses the business
            elif refreshes >= MAX_REFRESHES:
                return None  # expired in flight again and again: the 401 goes to the caller
            # else the token expired while the request waited (retries, limits): refresh again
            answer = yield _NeedToken(stale=token.access_token)
            assert isinstance(answer, Token)
            token = answer
            refreshes += 1
            manager.refusals.checking(self.business_id, token)
            checking = True

    def _authorize(self, request: httpx.Request, token: Token | None) -> None:
        """The token, X-Business and the call's extras (`_extras.py`) onto an API request;
        a protected header the extras override (explicitly) is left as they set it."""
        extras: Extras | None = request.extensions.get(EXTRAS_EXTENSION)
        overrides = extras.overrides if extras is not None else frozenset()
        if token is not None and "authorization" not in overrides:
            request.headers["Authorization"] = f"Bearer {token.access_token}"
        if self.business_id is not None and "x-business" not in overrides:
            request.headers["X-Business"] = self.business_id
        if extras is not None:
            extras.put_on(request)

    def _own_authorization(self, request: httpx.Request) -> bool:
        """Whether the call's extras override Authorization: then the flow sends the request
        as given, with no token of ours and no refresh."""
        extras: Extras | None = request.extensions.get(EXTRAS_EXTENSION)
        if extras is None or "authorization" not in extras.overrides:
            return False
        self._authorize(request, None)
        return True

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        if not self.is_api(request):
            yield _stripped(request)
            return
        if self._own_authorization(request):
            yield request
            return
        manager = self.manager
        if manager.saver.due():
            with manager.thread_lock:
                if manager.saver.due():
                    manager.retried(manager.saver.retry())
        flow = self._flow(request)
        item = next(flow)
        while True:
            sent: httpx.Response | Token
            if isinstance(item, _NeedToken):
                sent = yield from self._sync_token(item)
            elif isinstance(item, _StoredToken):
                # While a token is kept unsaved, the store's is a spent one: nothing to adopt.
                stored = None if manager.saver.unsaved else manager.store.load()
                sent = manager.adopt(stored, item.current)
            else:
                sent = yield item
            try:
                item = flow.send(sent)
            except StopIteration as stop:
                assert isinstance(sent, httpx.Response)
                if stop.value is not None:
                    sent.read()
                self._note_refusal(sent, stop.value)
                return

    def _sync_token(self, need: _NeedToken) -> Generator[httpx.Request, httpx.Response, Token]:
        manager = self.manager
        stale = need.stale
        with manager.thread_lock:
            if manager.token is not None and manager.usable(manager.token, stale):
                return manager.token  # another thread refreshed while we waited
            manager.retried(manager.saver.retry())
            kept = manager.saver.unsaved
            # Only this process holds a kept token's refresh token: it needs no store lock.
            with manager.store.refresh_lock() if kept is None else _NO_LOCK:
                current = kept or manager.store.load()
                replaces = manager.saver.replaces if kept else current
                if current is None or not manager.usable(current, stale):
                    need.refreshed = True
                    response = yield manager.refresh_request(current)
                    response.read()
                    assert current is not None  # refresh_request refuses None
                    new = manager.accept(response, current)
                    current = manager.saver.save(new, replaces=replaces)
                manager.token = current
                return current

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self.is_api(request):
            yield _stripped(request)
            return
        if self._own_authorization(request):
            yield request
            return
        manager = self.manager
        if manager.saver.due():
            async with manager.async_lock():
                if manager.saver.due():
                    manager.retried(await manager.saver.aretry())
        flow = self._flow(request)
        item = next(flow)
        while True:
            sent: httpx.Response | Token
            if isinstance(item, _NeedToken):
                # Async generators cannot delegate with `yield from`: the twin of _sync_token.
                async with manager.async_lock():
                    token = manager.token
                    if token is None or not manager.usable(token, item.stale):
                        manager.retried(await manager.saver.aretry())
                        kept = manager.saver.unsaved
                        lock = manager.store.arefresh_lock() if kept is None else _NO_LOCK
                        async with lock:
                            token = kept or await manager.store.aload()
                            replaces = manager.saver.replaces if kept else token
                            if token is None or not manager.usable(token, item.stale):
                                item.refreshed = True
                                response = yield manager.refresh_request(token)
                                await response.aread()
                                assert token is not None  # refresh_request refuses None
                                new = manager.accept(response, token)
                                token = await manager.saver.asave(new, replaces=replaces)
                            manager.token = token
                sent = token
            elif isinstance(item, _StoredToken):
                stored = None if manager.saver.unsaved else await manager.store.aload()
                sent = manager.adopt(stored, item.current)
            else:
                sent = yield item
            try:
                item = flow.send(sent)
            except StopIteration as stop:
                assert isinstance(sent, httpx.Response)
                if stop.value is not None:
                    await sent.aread()
                self._note_refusal(sent, stop.value)
                return

    def _note_refusal(self, last: httpx.Response, refused_with: Token | None) -> None:
        """A final 401 that came with `refused_with`, a token fresher than the one first
        refused: Sage refuses the business. The answer is marked so (the client's one
        `errors.status_error` makes it a `SubscriptionError`) and the business is remembered.
        The flow raises no status errors: the client does, where it sends."""
        if refused_with is None:
            return
        last.extensions[REFUSED_EXTENSION] = self.business_id
        error = status_error(last)
        assert isinstance(error, SubscriptionError)
        collection = collection_of(last.request.url.path, self._base_path)
        self.manager.refusals.note(self.business_id, collection, refused_with, error)


def _stripped(request: httpx.Request) -> httpx.Request:
    """A request leaving the API origin (absolute link, other host) carries no credentials."""
    request.headers.pop("Authorization", None)
    request.headers.pop("X-Business", None)
    return request
