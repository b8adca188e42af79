"""The OAuth 2.0 authorization-code login: consent URL with state, callback check, exchange."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from .._token import Token
from ..errors import LoginError
from ._answers import token_from_response

AUTHORIZATION_URL = "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1"
TOKEN_URL = "https://oauth.accounting.sage.com/token"
REVOKE_URL = "https://oauth.accounting.sage.com/revoke"
COUNTRIES = ("gb", "ie", "us", "ca", "de", "es", "fr")
SCOPES = ("full_access", "readonly")


class OAuth2Flow:
    """One app's login: `authorization_url()` for the browser, `exchange()` on the callback."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scope: str = "full_access",
        *,
        authorization_url: str = AUTHORIZATION_URL,
        token_url: str = TOKEN_URL,
        revoke_url: str = REVOKE_URL,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret are required")
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.authorization_endpoint = authorization_url
        self.token_url = token_url
        self.revoke_url = revoke_url
        self._timeout = timeout
        self._transport = transport
        self._async_transport = async_transport
        self._clock = clock

    def __repr__(self) -> str:
        return f"OAuth2Flow(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r})"

    def authorization_url(
        self, country: str | None = None, locale: str | None = None
    ) -> tuple[str, str]:
        """The consent page URL for the user's browser, and the state to check on callback."""
        if country is not None and country.lower() not in COUNTRIES:
            raise ValueError(f"country must be one of {', '.join(COUNTRIES)}, not {country!r}")
        import secrets  # on login only: a client that never logs in does not load it

        state = secrets.token_urlsafe(32)
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": state,
        }
        if country is not None:
            params["country"] = country.lower()
        if locale is not None:
            params["locale"] = locale
        url = httpx.URL(self.authorization_endpoint)
        return str(url.copy_merge_params(params)), state

    def code_from_callback(
        self,
        callback_url_or_code: str,
        expected_state: str,
        *,
        received_state: str | None = None,
    ) -> str:
        """Check the callback's state against the one we sent; return the authorization code.

        Pass the whole callback URL, or the bare code with the `received_state` it came with.
        """
        if not expected_state:
            raise LoginError("no expected state given: cannot tell this callback is ours")
        code: str | None
        if "://" in callback_url_or_code or callback_url_or_code.startswith("/"):
            params = httpx.URL(callback_url_or_code).params
            error, reason = params.get("error"), params.get("reason")
            if error or reason:
                raise _refused_consent(error, reason or params.get("error_description"))
            code, received_state = params.get("code"), params.get("state")
        else:
            code = callback_url_or_code
        if not received_state:
            raise LoginError("the callback carries no state: refusing it")
        import hmac  # on login only: a client that never logs in does not load it

        if not hmac.compare_digest(received_state.encode(), expected_state.encode()):
            raise LoginError("the callback's state does not match the login's: refusing it")
        if not code:
            raise LoginError("the callback carries no authorization code")
        return code

    def _exchange_request(self, code: str) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "client_id": self.client_id,
                "client_secret": self._client_secret,
            },
            headers={"Accept": "application/json"},
        )

    def _revoke_request(self, token: Token) -> httpx.Request:
        return revoke_request(self.revoke_url, self.client_id, self._client_secret, token)

    def exchange(
        self,
        callback_url_or_code: str,
        expected_state: str,
        *,
        received_state: str | None = None,
    ) -> Token:
        """Check the state, then trade the authorization code for a token."""
        code = self.code_from_callback(
            callback_url_or_code, expected_state, received_state=received_state
        )
        with httpx.Client(timeout=self._timeout, transport=self._transport) as http:
            response = http.send(self._exchange_request(code))
        return _login_token(response, self._clock())

    async def aexchange(
        self,
        callback_url_or_code: str,
        expected_state: str,
        *,
        received_state: str | None = None,
    ) -> Token:
        code = self.code_from_callback(
            callback_url_or_code, expected_state, received_state=received_state
        )
        async with httpx.AsyncClient(
            timeout=self._timeout, transport=self._async_transport
        ) as http:
            response = await http.send(self._exchange_request(code))
        return _login_token(response, self._clock())

    def revoke(self, token: Token) -> None:
        """Revoke the grant behind `token` at Sage (the refresh token stops working)."""
        with httpx.Client(timeout=self._timeout, transport=self._transport) as http:
            check_revoked(http.send(self._revoke_request(token)))

    async def arevoke(self, token: Token) -> None:
        async with httpx.AsyncClient(
            timeout=self._timeout, transport=self._async_transport
        ) as http:
            check_revoked(await http.send(self._revoke_request(token)))


def _refused_consent(error: str | None, reason: str | None) -> LoginError:
    """Sage sends a failed consent back as `error` and `reason` (e.g. "Email already in use")."""
    said = ": ".join(part for part in (error, reason) if part)
    return LoginError(f"the login was not granted: {said}", error=error, reason=reason)


def _login_token(response: httpx.Response, now: float) -> Token:
    try:
        return token_from_response(response, now=now, action="exchange")
    except Exception as exc:  # a refused code is a login problem, not a refresh problem
        raise LoginError(str(exc).replace("a new login is needed", "log in again")) from None


def revoke_request(
    revoke_url: str, client_id: str | None, client_secret: str | None, token: Token
) -> httpx.Request:
    """Revoking the refresh token ends the whole grant (the access token with it)."""
    if not client_id or not client_secret:
        raise LoginError("revoking needs client_id and client_secret")
    return httpx.Request(
        "POST",
        revoke_url,
        data={
            "token": token.refresh_token or token.access_token,
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )


def check_revoked(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise LoginError(f"revoking the token failed with HTTP {response.status_code}")
