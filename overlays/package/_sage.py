"""`SageAccounting` and `AsyncSageAccounting`: one configured httpx client, auth, businesses.

Both wrap one `httpx.Client` / `httpx.AsyncClient` whose `auth` is `SageAuth` and whose
transport retries and keeps the limits, and a generated low-level `Client` on top of it
(`.api_client`), so that every generated operation runs through the same connection pool,
token and business:

    from sage_accounting.api.contacts import get_contacts
    page = get_contacts.sync(client=sage.api_client)

Every call the client itself makes (the resources, `request()`, `lead_business()`) goes
through `_send`: per-call options onto the request, send, and the one status check
(`errors.raise_for_status`). Generated operations on `api_client` raise the same errors.
"""

from __future__ import annotations

import sys
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from ._business import BusinessProfile, profile_of
from ._extras import Extras, HeaderValue
from ._http import AsyncHTTPClient, HTTPClient, wrap_transport
from ._lazy import LazyModule
from ._logs import configure_from_environment
from ._options import API_BASE_URL, DEFAULT, CallOptions, ClientOptions
from ._response_body import MAX_RESPONSE_BYTES
from ._retry import RetryPolicy, RetryStats
from ._token import Token
from ._transport import AsyncSageTransport, SageTransport, Settings
from .auth._flow import SageAuth, TokenManager
from .auth._oauth import REVOKE_URL, TOKEN_URL, check_revoked, revoke_request
from .auth._store import TokenStore
from .auth._unsaved import exit_guard
from .errors import raise_for_status
from .limits import Limits
from .resources._mixins import AsyncResourcesMixin, ResourcesMixin

if TYPE_CHECKING:
    from typing_extensions import Self

    from . import client as _client
    from . import models
else:  # the generated low-level client loads on the first use of `api_client`
    _client = LazyModule(".client", __package__)
    models = LazyModule(".models", __package__)  # read by typing.get_type_hints only
    if sys.version_info >= (3, 11):  # for typing.get_type_hints (3.10: typing_extensions)
        from typing import Self

__all__ = ["API_BASE_URL", "DEFAULT", "AsyncSageAccounting", "SageAccounting"]

H = TypeVar("H", httpx.Client, httpx.AsyncClient)
T = TypeVar("T", httpx.BaseTransport, httpx.AsyncBaseTransport)


class _Shared:
    """What a client and the clients derived from it (`with_business`, `with_options`) share:
    the options, the token, the limits, the retry statistics and the transport."""

    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self.manager = TokenManager(
            store=options.make_store(),
            client_id=options.client_id,
            client_secret=options.client_secret,
            token_url=options.token_url,
            refresh_margin=options.refresh_margin,
            clock=options.clock,
            refused_business_ttl=options.refused_business_ttl,
            user_agent=options.user_agent,
        )
        self.limits = options.make_limits()
        self.stats = RetryStats()
        self.transport: Any = None  # the retrying transport, set once by the client
        # business id (None: the lead) -> (country, edition) learnt by `business_profile()`
        self.known: dict[str | None, tuple[str, str | None]] = {}

    def transport_settings(self) -> Settings:
        """The keywords of the retrying transport (sync or async) every client here shares."""
        return {
            "policy": self.options.policy,
            "limits": self.limits,
            "stats": self.stats,
            "max_response_bytes": self.options.max_response_bytes,
        }

    def revoke_request(self, token: Token) -> httpx.Request:
        manager = self.manager
        request = revoke_request(
            self.options.revoke_url, manager.client_id, manager.client_secret, token
        )
        request.headers["User-Agent"] = self.options.user_agent
        return request


class _ClientCore(Generic[H, T]):
    """What the sync and async clients share, their one signature included; they differ in
    how they send."""

    _owns_http: bool
    _http: H
    _shared: _Shared
    _call: CallOptions
    _auth: SageAuth
    business_id: str | None

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
        http_client: H | None = None,
        transport: T | None = None,
        refresh_margin: float = 60.0,
        refused_business_ttl: float = 60.0,
        clock: Callable[[], float] | None = None,
        max_retries: int = 5,
        retry_policy: RetryPolicy | None = None,
        limits: Limits | None = DEFAULT,
        max_response_bytes: int | None = MAX_RESPONSE_BYTES,
        app_info: tuple[str, str] | None = None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        configure_from_environment()  # SAGE_ACCOUNTING_LOG, read once per client made
        options = ClientOptions(
            client_id=client_id,
            client_secret=client_secret,
            token=token,
            token_store=token_store,
            base_url=base_url,
            token_url=token_url,
            revoke_url=revoke_url,
            timeout=timeout,
            refresh_margin=refresh_margin,
            refused_business_ttl=refused_business_ttl,
            clock=clock,
            max_retries=max_retries,
            retry_policy=retry_policy,
            limits=limits,
            max_response_bytes=max_response_bytes,
            app_info=app_info,
        )
        shared = _Shared(options)
        self._owns_http = http_client is None
        if http_client is not None:
            http = http_client
            shared.transport = wrap_transport(http, lambda inner: self._retrying(inner, shared))
        elif transport is not None:
            shared.transport = self._retrying(transport, shared)
            http = self._new_http(shared)
        else:  # httpx's own default transport (it honours proxy settings of the environment)
            http = self._new_http(shared)
            shared.transport = wrap_transport(http, lambda inner: self._retrying(inner, shared))
        self._setup(shared, http, business_id, CallOptions(options.policy, None))

    def _new_http(self, shared: _Shared) -> H:
        raise NotImplementedError

    def _retrying(self, inner: Any, shared: _Shared) -> Any:
        raise NotImplementedError

    def _api_client(self, http: H) -> _client.Client:
        raise NotImplementedError

    def _setup(
        self,
        shared: _Shared,
        http: H,
        business_id: str | None,
        call: CallOptions,
        *,
        like: _ClientCore[H, T] | None = None,
    ) -> None:
        """Every attribute of a client, set in one place; `like`: a client of the same business
        on the same httpx client, whose auth and api client are reused."""
        self._shared = shared
        self._call = call
        self.business_id = business_id
        self._http = http
        # The api client once made (`api_client`); a client of the same business shares it.
        self._api: list[_client.Client] = [] if like is None else like._api
        if like is not None:
            self._auth = like._auth
            return
        base_url = shared.options.base_url
        self._auth = SageAuth(
            shared.manager, api_base_url=base_url, business_id=business_id, known=shared.known
        )
        http.auth = self._auth
        http.base_url = httpx.URL(base_url)
        http.follow_redirects = False  # a redirect must never carry the token elsewhere
        if http.headers.get("user-agent", "").startswith("python-httpx/"):  # not the caller's
            http.headers["User-Agent"] = shared.options.user_agent

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._shared.options.base_url!r}, "
            f"business_id={self.business_id!r})"
        )

    @property
    def api_client(self) -> _client.Client:
        """The generated low-level client over this client's httpx client, for
        `sage_accounting.api.<tag>.<operation>` (`client=sage.api_client`); made on first use."""
        if not self._api:
            self._api.append(self._api_client(self._http))
        return self._api[0]  # the first made, should two threads race to make one

    @property
    def options(self) -> ClientOptions:
        """The settings this client was made with."""
        return self._shared.options

    @property
    def http_client(self) -> H:
        """The httpx client underneath. Requests sent on it directly get the token and
        X-Business, retries and limits, but answers as httpx gives them: no status check."""
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
        """Retries made, throttled waits and seconds waited per cause (`waited`), for this
        client and the ones derived from it."""
        shared = self._shared
        waits = getattr(shared.limits, "throttled_waits", None)  # LocalLimits', RedisLimits'
        if isinstance(waits, int):
            shared.stats.throttled_waits = waits
        return shared.stats

    def with_business(self, business_id: str) -> Self:
        """A client for `business_id` sharing this one's connection pool, token and limits."""
        return self._derive(business_id=business_id)

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        retry_post: bool | None = None,
        deadline: float | None = DEFAULT,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: Mapping[str, HeaderValue] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        stop: threading.Event | None = None,
    ) -> Self:
        """The same client with other retry settings, timeout or extras, e.g. for one call:
        `client.with_options(max_retries=0).contacts.get(key)`. The options apply to the
        calls of the resources, `request()` and the business methods; `api_client` and
        `http_client` are this client's own.

        `extra_headers` / `extra_query` go on every such call to the API origin, merged last
        (a call's own extras win); `extra_body` merges into the JSON body of every write.
        `Authorization` and `X-Business` are refused unless given as `override(value)`.

        `stop`: a `threading.Event` that, once set, ends the client's calls where they wait:
        no attempt is made after it (a call raises `StoppedError`), and a retry's wait ends at
        once; a request on the wire runs to its end. For a program that stops its readers
        (a Ctrl-C, a cancel button): pagers stop at their next page."""
        call = self._call.evolve(
            max_retries=max_retries,
            retry_post=retry_post,
            deadline=deadline,
            timeout=timeout,
            extras=Extras.of(extra_headers, extra_query, extra_body),
            stop=stop,
        )
        return self._derive(call=call)

    def _derive(
        self, *, business_id: str | None = DEFAULT, call: CallOptions | None = None
    ) -> Self:
        """The one way a client is derived from this one (`with_business`, `with_options`):
        everything shared but the business and the per-call options named here. Another
        business needs its own auth, hence its own httpx client over the shared transport."""
        child = object.__new__(type(self))
        child._owns_http = False
        call = self._call if call is None else call
        if business_id is DEFAULT or business_id == self.business_id:
            child._setup(self._shared, self._http, self.business_id, call, like=self)
        else:
            child._setup(self._shared, self._new_http(self._shared), business_id, call)
        return child

    def _forget_token(self) -> None:
        self._shared.manager.forget()

    def _business_path(self) -> str:
        if self.business_id is None:
            return "/businesses/lead"
        return f"/businesses/{urllib.parse.quote(self.business_id, safe='')}"

    def _learnt(self, profile: BusinessProfile) -> BusinessProfile:
        """Remember the business's country and edition for the notes of later errors."""
        if profile.country is not None:
            facts = (profile.country, profile.edition)
            self._shared.known[self.business_id] = facts
            if profile.id is not None:
                self._shared.known[profile.id] = facts
        return profile


class SageAccounting(_ClientCore[httpx.Client, httpx.BaseTransport], ResourcesMixin):
    """A client of the Sage Accounting API for one connection (one user's consent).

    Pass the token (`token=Token(...)`) or where it lives (`token_store=FileTokenStore(...)`),
    plus `client_id`/`client_secret` so that it can refresh. `business_id` sends `X-Business`
    on every API call; `with_business(id)` gives a client for another business that shares
    the connection pool and the token. A business Sage refuses although the token is fresh
    (`SubscriptionError`) fails further calls at once for `refused_business_ttl` seconds.

    `max_response_bytes` (32 MiB; None for no limit) refuses an answer whose body is larger,
    as sent or decompressed, with `ResponseTooLargeError`, reading no more of it than that.
    The client follows no redirect (a 3xx is a `RedirectError`): the token never leaves the
    API origin. Every failure is an `errors.APIError` (docs/guides/errors.md).
    """

    def _new_http(self, shared: _Shared) -> httpx.Client:
        return HTTPClient(transport=shared.transport, timeout=shared.options.timeout)

    def _retrying(self, inner: Any, shared: _Shared) -> Any:
        return SageTransport(inner, **shared.transport_settings())

    def _api_client(self, http: httpx.Client) -> _client.Client:
        client = _client.Client(base_url=self._shared.options.base_url, raise_status_errors=True)
        return client.set_httpx_client(http)

    def _send(self, request: dict[str, Any]) -> httpx.Response:
        """Send `request` (keyword arguments of `httpx.Client.request`) with this client's
        per-call options; an error status raises its typed error."""
        return raise_for_status(self._http.request(**self._call.apply(request)))

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a raw request (path relative to the API root, or an absolute URL); an error
        status raises its typed error, a 3xx a `RedirectError` (redirects are not followed)."""
        return self._send(_raw(method, url, kwargs))

    def lead_business(self) -> models.Business:
        """The user's lead business (GET /businesses/lead)."""
        return _business(self._send({"method": "GET", "url": "/businesses/lead"}))

    def list_businesses(self) -> list[models.Business]:
        """Every business the user can reach (GET /businesses, every page: a practice reaches
        more than one page of them)."""
        return list(self.businesses.list())

    def business_profile(self, *, edition: str | None = None) -> BusinessProfile:
        """This client's business's country and edition (GET /businesses/{id}; the lead
        business without `business_id`). The edition is read from the subscriptions where
        they name it; `edition=` says it where they do not. The client remembers both: an
        error of a later call the spec's availability table says this business lacks carries
        `availability_note` (docs/guides/businesses.md)."""
        response = self._send({"method": "GET", "url": self._business_path()})
        return self._learnt(profile_of(_business(response), edition=edition))

    def revoke(self) -> None:
        """Revoke this connection's grant at Sage and forget the stored token."""
        token = self.token
        if token is None:
            return
        check_revoked(self._http.send(self._shared.revoke_request(token)))
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


class AsyncSageAccounting(
    _ClientCore[httpx.AsyncClient, httpx.AsyncBaseTransport], AsyncResourcesMixin
):
    """The async twin of `SageAccounting`: the same arguments, with `await`."""

    def _new_http(self, shared: _Shared) -> httpx.AsyncClient:
        return AsyncHTTPClient(transport=shared.transport, timeout=shared.options.timeout)

    def _retrying(self, inner: Any, shared: _Shared) -> Any:
        return AsyncSageTransport(inner, **shared.transport_settings())

    def _api_client(self, http: httpx.AsyncClient) -> _client.Client:
        client = _client.Client(base_url=self._shared.options.base_url, raise_status_errors=True)
        return client.set_async_httpx_client(http)

    async def _send(self, request: dict[str, Any]) -> httpx.Response:
        return raise_for_status(await self._http.request(**self._call.apply(request)))

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return await self._send(_raw(method, url, kwargs))

    async def lead_business(self) -> models.Business:
        return _business(await self._send({"method": "GET", "url": "/businesses/lead"}))

    async def list_businesses(self) -> list[models.Business]:
        return [business async for business in self.businesses.list()]

    async def business_profile(self, *, edition: str | None = None) -> BusinessProfile:
        response = await self._send({"method": "GET", "url": self._business_path()})
        return self._learnt(profile_of(_business(response), edition=edition))

    async def revoke(self) -> None:
        token = self.token
        if token is None:
            return
        check_revoked(await self._http.send(self._shared.revoke_request(token)))
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


def _raw(method: str, url: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    if kwargs.get("follow_redirects"):
        raise TypeError(
            "request() follows no redirect, so that the token never leaves the API origin; "
            "a 3xx raises RedirectError naming its location"
        )
    return {"method": method, "url": url, **kwargs}


def _business(response: httpx.Response) -> models.Business:
    from ._decoding import decode
    from .models import Business

    return decode(response, Business.from_dict)
