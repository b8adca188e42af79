"""The settings of a client, in one attrs class shared by the sync and async clients.

`SageAccounting(...)` and `AsyncSageAccounting(...)` take these as keywords (their one
signature is `_ClientCore.__init__`); `ClientOptions` checks them once, and `with_options()`
derives per-call settings (`CallOptions`) from them. The options reach the transport as a
request extension set where the request is built (see `CallOptions.apply`).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from ._extras import Extras, resolve
from ._response_body import MAX_RESPONSE_BYTES
from ._retry import POLICY_EXTENSION, RetryPolicy
from ._stop import with_stop
from ._token import Token
from .auth._oauth import REVOKE_URL, TOKEN_URL
from .auth._refusals import check_ttl
from .auth._store import MemoryTokenStore, TokenStore
from .limits import Limits, LocalLimits

API_BASE_URL = "https://api.accounting.sage.com/v3.1"


class _Default:
    """Marks an argument left out (so that `None` can mean "no limits")."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()


def _check_token(instance: object, attribute: attrs.Attribute[Any], token: Token | None) -> None:
    if token is not None and not isinstance(token, Token):
        raise TypeError(f"token must be a sage_accounting.Token, not {type(token).__name__}")


def _check_positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{attribute.name} must be a number of seconds >= 0, not {value!r}")


def _check_size(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{attribute.name} must be a number of bytes >= 1 or None, not {value!r}")


def _without_slash(url: str) -> str:
    return url.rstrip("/")


def _clock(clock: Callable[[], float] | None) -> Callable[[], float]:
    return time.time if clock is None else clock


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110's token: a product's name or version


def _check_app_info(value: object) -> tuple[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(part, str) and _TOKEN.fullmatch(part) for part in value)
    ):
        raise ValueError(
            f"app_info must be (name, version), each a word without spaces or slashes such as "
            f'("MyApp", "2.1"), not {value!r}'
        )
    return (value[0], value[1])


@functools.cache
def _library_agent() -> str:
    import platform

    try:
        from importlib.metadata import PackageNotFoundError, version

        ours = version("sage-accounting")
    except PackageNotFoundError:  # run from a source tree that is not installed
        ours = "0+unknown"
    return f"sage-accounting/{ours} (python {platform.python_version()}; httpx {httpx.__version__})"


def user_agent(app_info: tuple[str, str] | None) -> str:
    """The User-Agent of every request a client sends (a header of the caller's wins)."""
    agent = _library_agent()
    return agent if app_info is None else f"{agent} {app_info[0]}/{app_info[1]}"


@attrs.frozen(kw_only=True)
class ClientOptions:
    """What a client is configured with; the keywords of `SageAccounting(...)` but the
    transport, the httpx client and the business (see `SageAccounting` for each).

    `max_response_bytes`: the largest answer body the client reads (32 MiB by default, counted
    as sent and once decompressed; None: no limit); a larger one is a `ResponseTooLargeError`.
    `app_info`: `("MyApp", "2.1")` appends `MyApp/2.1` to the User-Agent."""

    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=False)
    token: Token | None = attrs.field(default=None, repr=False, validator=_check_token)
    token_store: TokenStore | None = None
    base_url: str = attrs.field(default=API_BASE_URL, converter=_without_slash)
    token_url: str = TOKEN_URL
    revoke_url: str = REVOKE_URL
    timeout: float | httpx.Timeout = 30.0
    refresh_margin: float = attrs.field(default=60.0, validator=_check_positive)
    refused_business_ttl: float = attrs.field(default=60.0, converter=check_ttl)
    clock: Callable[[], float] = attrs.field(default=None, converter=_clock)
    max_retries: int = 5
    retry_policy: RetryPolicy | None = None
    limits: Limits | None = DEFAULT
    max_response_bytes: int | None = attrs.field(default=MAX_RESPONSE_BYTES, validator=_check_size)
    app_info: tuple[str, str] | None = attrs.field(default=None, converter=_check_app_info)

    def __attrs_post_init__(self) -> None:
        policy = self.retry_policy
        if policy is not None and self.max_retries not in (policy.max_retries, 5):
            raise ValueError("pass max_retries or retry_policy, not both")

    @property
    def policy(self) -> RetryPolicy:
        """The retry policy of every call unless `with_options` says otherwise."""
        if self.retry_policy is not None:
            return self.retry_policy
        return RetryPolicy(max_retries=self.max_retries)

    @property
    def user_agent(self) -> str:
        """`sage-accounting/<version> (python <version>; httpx <version>)`, then `app_info`."""
        return user_agent(self.app_info)

    def make_limits(self) -> Limits | None:
        """The client-side limits: a fresh `LocalLimits` unless the caller chose."""
        return LocalLimits() if self.limits is DEFAULT else self.limits

    def make_store(self) -> TokenStore:
        """Where the token lives: the given store (seeded with `token` when it is empty)."""
        if self.token_store is None:
            return MemoryTokenStore(self.token)
        if self.token is not None and self.token_store.load() is None:
            self.token_store.save(self.token, replaces=None)
        return self.token_store


@attrs.frozen
class CallOptions:
    """The per-call settings of one client (`with_options()` derives new ones)."""

    policy: RetryPolicy
    timeout: float | httpx.Timeout | None  # None: the httpx client's own
    extras: Extras | None = None  # extra headers, query, body of every call (`_extras.py`)
    stop: threading.Event | None = None  # once set, no attempt more and no wait (`_transport`)

    def evolve(
        self,
        *,
        max_retries: int | None,
        retry_post: bool | None,
        deadline: float | _Default | None,
        timeout: float | httpx.Timeout | None,
        extras: Extras | None = None,
        stop: threading.Event | None = None,
    ) -> CallOptions:
        changes: dict[str, Any] = {}
        if max_retries is not None:
            changes["max_retries"] = max_retries
        if retry_post is not None:
            changes["retry_post"] = retry_post
        if not isinstance(deadline, _Default):
            changes["deadline"] = deadline
        policy = attrs.evolve(self.policy, **changes)
        if extras is not None and self.extras is not None:
            extras = self.extras.then(extras)
        if stop is not None and not isinstance(stop, threading.Event):
            raise TypeError(f"stop must be a threading.Event, not {type(stop).__name__}")
        return CallOptions(
            policy,
            self.timeout if timeout is None else timeout,
            extras or self.extras,
            self.stop if stop is None else stop,
        )

    def apply(self, request: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of `httpx.Client.request` for `request`, with these options:
        the retry policy as a request extension (read by the retry transport), the timeout,
        this client's extras and then the call's (`_extras.resolve`)."""
        request = resolve(request, self.extras)
        extensions = {**request.get("extensions", {}), POLICY_EXTENSION: self.policy}
        if self.stop is not None:  # beside a pager's own stop, if the request has one
            extensions = with_stop(extensions, self.stop)
        if self.timeout is None:
            return {**request, "extensions": extensions}
        return {"timeout": self.timeout, **request, "extensions": extensions}
