"""`SageAccounting` and `AsyncSageAccounting`: one configured httpx client, auth, businesses.

Both wrap one `httpx.Client` / `httpx.AsyncClient` whose `auth` is `SageAuth`, and a
generated low-level `Client` on top of it (`.api_client`), so that every generated operation
runs through the same connection pool, token and business:

    from sage_accounting.api.contacts import get_contacts
    page = get_contacts.sync(client=sage.api_client)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

import attrs
import httpx

from sage_accounting._limits import Limits, LocalLimits
from sage_accounting._resources import AsyncResourcesMixin, ResourcesMixin
from sage_accounting._retry import (
    POLICY_EXTENSION,
    AsyncRetryTransport,
    RetryPolicy,
    RetryStats,
    RetryTransport,
)
from sage_accounting._token import Token
from sage_accounting.auth._flow import SageAuth, TokenManager
from sage_accounting.auth._oauth import REVOKE_URL, TOKEN_URL, check_revoked, revoke_request
from sage_accounting.auth._store import MemoryTokenStore, TokenStore
from sage_accounting.auth._unsaved import exit_guard
from sage_accounting.client import Client

if TYPE_CHECKING:
    from typing_extensions import Self

    from sage_accounting.models import Business

API_BASE_URL = "https://api.accounting.sage.com/v3.1"


class _Default:
    """Marks an argument left out (so that `None` can mean "no limits")."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()


class _Shared:
    """What a client and its `with_business` children have in common."""

    def __init__(
        self,
        *,
        manager: TokenManager,
        base_url: str,
        revoke_url: str,
        timeout: float | httpx.Timeout,
        policy: RetryPolicy,
        limits: Limits | None,
    ) -> None:
        self.manager = manager
        self.base_url = base_url
        self.revoke_url = revoke_url
        self.timeout = timeout
        self.policy = policy
        self.limits = limits
        self.stats = RetryStats()


def _make_shared(
    *,
    client_id: str | None,
    client_secret: str | None,
    token: Token | None,
    token_store: TokenStore | None,
    base_url: str,
    token_url: str,
    revoke_url: str,
    timeout: float | httpx.Timeout,
    refresh_margin: float,
    refused_business_ttl: float,
    clock: Callable[[], float] | None,
    max_retries: int,
    retry_policy: RetryPolicy | None,
    limits: Limits | None,
) -> _Shared:
    if token is not None and not isinstance(token, Token):
        raise TypeError(f"token must be a sage_accounting.Token, not {type(token).__name__}")
    store = token_store if token_store is not None else MemoryTokenStore(token)
    if token is not None and token_store is not None and token_store.load() is None:
        token_store.save(token, replaces=None)
    manager = TokenManager(
        store=store,
        client_id=client_id,
        client_secret=client_secret,
        token_url=token_url,
        refresh_margin=refresh_margin,
        clock=clock or time.time,
        refused_business_ttl=refused_business_ttl,
    )
    if retry_policy is None:
        retry_policy = RetryPolicy(max_retries=max_retries)
    elif max_retries != retry_policy.max_retries and max_retries != RetryPolicy().max_retries:
        raise ValueError("pass max_retries or retry_policy, not both")
    return _Shared(
        manager=manager,
        base_url=base_url.rstrip("/"),
        revoke_url=revoke_url,
        timeout=timeout,
        policy=retry_policy,
        limits=LocalLimits() if limits is DEFAULT else limits,
    )


def _revoke_request(shared: _Shared, token: Token) -> httpx.Request:
    manager = shared.manager
    return revoke_request(shared.revoke_url, manager.client_id, manager.client_secret, token)


H = TypeVar("H", httpx.Client, httpx.AsyncClient)


class _NoCookies(httpx.Cookies):
    """The jar of the clients built here: it keeps nothing. The API authenticates by bearer
    token and needs no cookies, and reading every answer's Set-Cookie into urllib's jar is
    the costliest step of httpx's bookkeeping per request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        pass

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        _no_cookies(None, name)

    def update(self, cookies: Any = None) -> None:  # type: ignore[override]
        _no_cookies(None, cookies)


_NO_COOKIES = _NoCookies()


def _no_cookies(client: object, cookies: object) -> NoReturn:
    raise TypeError(
        "sage_accounting's clients keep no cookies; pass http_client=httpx.Client(...) "
        "for one that does"
    )


class _HTTPClient(httpx.Client):
    cookies = property(lambda self: _NO_COOKIES, _no_cookies)


class _AsyncHTTPClient(httpx.AsyncClient):
    cookies = property(lambda self: _NO_COOKIES, _no_cookies)


class _ClientCore(Generic[H]):
    """What the sync and async clients share; they differ only in how they send."""

    _owns_http: bool
    _http: H

    def _start(
        self,
        shared: _Shared,
        http_client: H | None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
        business_id: str | None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        self._owns_http = http_client is None
        http = self._new_http(None, shared.timeout, None) if http_client is None else http_client
        inner = transport or http._transport  # httpx offers no public getter
        http._transport = self._retrying(inner, shared)
        self._setup(shared, http, business_id)

    def _new_http(
        self, transport: Any, timeout: float | httpx.Timeout, policy: RetryPolicy | None
    ) -> H:
        raise NotImplementedError

    def _retrying(self, inner: Any, shared: _Shared) -> Any:
        raise NotImplementedError

    def _api_client(self, base_url: str, http: H) -> Client:
        raise NotImplementedError

    def _setup(
        self,
        shared: _Shared,
        http: H,
        business_id: str | None,
        *,
        policy: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> None:
        self._shared = shared
        self._policy = policy or shared.policy
        self._timeout = timeout or shared.timeout
        self.business_id = business_id
        self._auth = SageAuth(shared.manager, api_base_url=shared.base_url, business_id=business_id)
        http.auth = self._auth
        http.base_url = httpx.URL(shared.base_url)
        http.follow_redirects = False  # a redirect must never carry the token elsewhere
        self._http = http
        self.api_client = self._api_client(shared.base_url, http)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._shared.base_url!r}, "
            f"business_id={self.business_id!r})"
        )

    @property
    def http_client(self) -> H:
        return self._http

    @property
    def token(self) -> Token | None:
        """The current token (from the store when this process has none yet)."""
        manager = self._shared.manager
        return manager.token if manager.token is not None else manager.store.load()

    @property
    def token_store(self) -> TokenStore:
        return self._shared.manager.store

    @property
    def retry_stats(self) -> RetryStats:
        """Retries made and throttled waits, for this client and the ones derived from it."""
        return _stats(self._shared)

    def with_business(self, business_id: str) -> Self:
        """A client for `business_id` sharing this one's connection pool, token and limits."""
        return self._child(business_id, self._policy, self._timeout)

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        retry_post: bool | None = None,
        deadline: float | None = DEFAULT,
        timeout: float | httpx.Timeout | None = None,
    ) -> Self:
        """A client for the same business with other retry settings or timeout, e.g. one call:
        `client.with_options(max_retries=0).contacts.get(key)`."""
        policy = _evolve_policy(self._policy, max_retries, retry_post, deadline)
        return self._child(self.business_id, policy, timeout or self._timeout)

    def _child(
        self, business_id: str | None, policy: RetryPolicy, timeout: float | httpx.Timeout
    ) -> Self:
        child = object.__new__(type(self))
        http = self._new_http(self._http._transport, timeout, policy)
        child._owns_http = False
        child._setup(self._shared, http, business_id, policy=policy, timeout=timeout)
        return child

    def _forget_token(self) -> None:
        self._shared.manager.forget()


class SageAccounting(_ClientCore[httpx.Client], ResourcesMixin):
    """A client of the Sage Accounting API for one connection (one user's consent).

    Pass the token (`token=Token(...)`) or where it lives (`token_store=FileTokenStore(...)`),
    plus `client_id`/`client_secret` so that it can refresh. `business_id` sends `X-Business`
    on every API call; `with_business(id)` gives a client for another business that shares
    the connection pool and the token. A business Sage refuses although the token is fresh
    (`SubscriptionError`) fails further calls at once for `refused_business_ttl` seconds.
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        token: Token | None = None,
        token_store: TokenStore | None = None,
        business_id: str | None = None,
        base_url: str = API_BASE_URL,
        token_url: str = TOKEN_URL,
        revoke_url: str = REVOKE_URL,
        timeout: float | httpx.Timeout = 30.0,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        refresh_margin: float = 60.0,
        refused_business_ttl: float = 60.0,
        clock: Callable[[], float] | None = None,
        max_retries: int = 5,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = DEFAULT,
    ) -> None:
        shared = _make_shared(**_shared_arguments(locals()))
        self._start(shared, http_client, transport, business_id)

    def _new_http(
        self, transport: Any, timeout: float | httpx.Timeout, policy: RetryPolicy | None
    ) -> httpx.Client:
        hooks = {"request": [_policy_hook(policy)]} if policy is not None else {}
        return _HTTPClient(transport=transport, timeout=timeout, event_hooks=hooks)

    def _retrying(self, inner: Any, shared: _Shared) -> Any:
        return RetryTransport(inner, policy=shared.policy, limits=shared.limits, stats=shared.stats)

    def _api_client(self, base_url: str, http: httpx.Client) -> Client:
        return Client(base_url=base_url).set_httpx_client(http)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a raw request (path relative to the API root, or an absolute URL)."""
        return self._http.request(method, url, **kwargs)

    def lead_business(self) -> Business:
        """The user's lead business (GET /businesses/lead)."""
        return _business(self._http.get("/businesses/lead"))

    def list_businesses(self) -> list[Business]:
        """Every business the user can reach (GET /businesses)."""
        return _businesses(self._http.get("/businesses"))

    def revoke(self) -> None:
        """Revoke this connection's grant at Sage and forget the stored token."""
        token = self.token
        if token is None:
            return
        check_revoked(self._http.send(_revoke_request(self._shared, token)))
        self._forget_token()
        self._shared.manager.store.delete()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()
        self._shared.manager.flush()  # a refreshed token still unsaved: TokenSaveError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        with exit_guard(exc_type):
            self.close()


class AsyncSageAccounting(_ClientCore[httpx.AsyncClient], AsyncResourcesMixin):
    """The async twin of `SageAccounting`: the same arguments, with `await`."""

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        token: Token | None = None,
        token_store: TokenStore | None = None,
        business_id: str | None = None,
        base_url: str = API_BASE_URL,
        token_url: str = TOKEN_URL,
        revoke_url: str = REVOKE_URL,
        timeout: float | httpx.Timeout = 30.0,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        refresh_margin: float = 60.0,
        refused_business_ttl: float = 60.0,
        clock: Callable[[], float] | None = None,
        max_retries: int = 5,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = DEFAULT,
    ) -> None:
        shared = _make_shared(**_shared_arguments(locals()))
        self._start(shared, http_client, transport, business_id)

    def _new_http(
        self, transport: Any, timeout: float | httpx.Timeout, policy: RetryPolicy | None
    ) -> httpx.AsyncClient:
        hooks = {"request": [_async_policy_hook(policy)]} if policy is not None else {}
        return _AsyncHTTPClient(transport=transport, timeout=timeout, event_hooks=hooks)

    def _retrying(self, inner: Any, shared: _Shared) -> Any:
        return AsyncRetryTransport(
            inner, policy=shared.policy, limits=shared.limits, stats=shared.stats
        )

    def _api_client(self, base_url: str, http: httpx.AsyncClient) -> Client:
        return Client(base_url=base_url).set_async_httpx_client(http)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return await self._http.request(method, url, **kwargs)

    async def lead_business(self) -> Business:
        return _business(await self._http.get("/businesses/lead"))

    async def list_businesses(self) -> list[Business]:
        return _businesses(await self._http.get("/businesses"))

    async def revoke(self) -> None:
        token = self.token
        if token is None:
            return
        check_revoked(await self._http.send(_revoke_request(self._shared, token)))
        self._forget_token()
        await self._shared.manager.store.adelete()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()
        await self._shared.manager.aflush()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        with exit_guard(exc_type):
            await self.aclose()


_SHARED_ARGUMENTS = (
    "client_id",
    "client_secret",
    "token",
    "token_store",
    "base_url",
    "token_url",
    "revoke_url",
    "timeout",
    "refresh_margin",
    "refused_business_ttl",
    "clock",
    "max_retries",
    "retry_policy",
    "limits",
)


def _shared_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    return {name: arguments[name] for name in _SHARED_ARGUMENTS}


def _business(response: httpx.Response) -> Business:
    from sage_accounting.models import Business

    return Business.from_dict(_json(response))


def _businesses(response: httpx.Response) -> list[Business]:
    from sage_accounting.models import Business

    return [Business.from_dict(item) for item in _items(_json(response))]


def _evolve_policy(
    policy: RetryPolicy, max_retries: int | None, retry_post: bool | None, deadline: object
) -> RetryPolicy:
    changes: dict[str, Any] = {}
    if max_retries is not None:
        changes["max_retries"] = max_retries
    if retry_post is not None:
        changes["retry_post"] = retry_post
    if deadline is not DEFAULT:
        changes["deadline"] = deadline
    return attrs.evolve(policy, **changes)


def _policy_hook(policy: RetryPolicy) -> Callable[[httpx.Request], None]:
    def hook(request: httpx.Request) -> None:
        request.extensions[POLICY_EXTENSION] = policy

    return hook


def _async_policy_hook(policy: RetryPolicy) -> Callable[[httpx.Request], Awaitable[None]]:
    async def hook(request: httpx.Request) -> None:
        request.extensions[POLICY_EXTENSION] = policy

    return hook


def _stats(shared: _Shared) -> RetryStats:
    limits = shared.limits
    if isinstance(limits, LocalLimits):
        shared.stats.throttled_waits = limits.throttled_waits
    return shared.stats


def _json(response: httpx.Response) -> Any:
    from sage_accounting._wire import loads_json

    return loads_json(response.content)


def _items(data: Any) -> list[Any]:
    """Items of a list answer: the envelope's `$items`, or a bare array."""
    if isinstance(data, dict):
        items = data.get("$items", [])
        return list(items) if isinstance(items, list) else []
    return list(data) if isinstance(data, list) else []
