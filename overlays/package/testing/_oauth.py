"""Sage's OAuth 2.0 server: consent, the code and refresh grants, rotation, revocation."""

from __future__ import annotations

import base64
import secrets
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._stats import Reuse, Stats

CODE_TTL = 60.0  # Sage's "frequently raised errors" guide: a code expires after 60 seconds


@dataclass
class Client:
    client_id: str
    secret: str
    redirect_uris: tuple[str, ...] | None  # None: any redirect URI is accepted


@dataclass
class Grant:
    """One consent; every token rotated from it belongs to it."""

    client_id: str
    scope: str
    revoked: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: float


@dataclass
class RefreshToken:
    grant: Grant
    expires_at: float
    used_at: float | None = None


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: float
    used: bool = False


@dataclass
class Answer:
    status: int
    body: dict[str, Any] | None = None
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class OAuthServer:
    def __init__(
        self,
        now: Callable[[], float],
        stats: Stats,
        scopes: tuple[str, ...],
        user_id: str,
        access_token_ttl: float,
        refresh_token_ttl: float,
        revoke_grant_on_reuse: bool,
        code_ttl: float = CODE_TTL,
    ) -> None:
        self.now = now
        self.stats = stats
        self.scopes = scopes
        self.user_id = user_id
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self.revoke_grant_on_reuse = revoke_grant_on_reuse
        self.code_ttl = code_ttl
        # A refused consent comes back as `error` (and Sage adds a `reason`); None: granted.
        self.consent_refusal: tuple[str, str | None] | None = None
        self.clients: dict[str, Client] = {}
        self._codes: dict[str, Code] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._lock = threading.Lock()

    def register(self, client_id: str, secret: str, redirect_uris: tuple[str, ...] | None) -> None:
        with self._lock:
            self.clients[client_id] = Client(client_id, secret, redirect_uris)

    # --- consent ---------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> Answer:
        client = self.clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if client is None:
            return Answer(400, {"error": "invalid_client"})
        if not redirect_uri or (
            client.redirect_uris is not None and redirect_uri not in client.redirect_uris
        ):
            return Answer(400, {"error": "invalid_request", "error_description": "redirect_uri"})
        reply: dict[str, str] = {}
        scope = query.get("scope") or self.scopes[0]
        if query.get("response_type") != "code":
            reply["error"] = "unsupported_response_type"
        elif scope not in self.scopes:
            reply["error"] = "invalid_scope"
        elif self.consent_refusal is not None:
            reply["error"], reason = self.consent_refusal
            if reason is not None:
                reply["reason"] = reason
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = Code(
                    client.client_id, redirect_uri, scope, self.now() + self.code_ttl
                )
            reply["code"] = code
        if "state" in query:
            reply["state"] = query["state"]
        separator = "&" if urllib.parse.urlsplit(redirect_uri).query else "?"
        return Answer(302, location=redirect_uri + separator + urllib.parse.urlencode(reply))

    # --- tokens ----------------------------------------------------------------------------

    def token(self, form: dict[str, str], authorization: str | None) -> Answer:
        with self._lock:
            self.stats.token_calls += 1
            client = self._client(form, authorization)
            if client is None:
                return Answer(401, {"error": "invalid_client"})
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                return self._exchange_code(client, form)
            if grant_type == "refresh_token":
                return self._refresh_grant(client, form.get("refresh_token", ""))
            return Answer(400, {"error": "unsupported_grant_type"})

    def issue(self, client_id: str, scope: str) -> dict[str, Any]:
        """Tokens for a consent given out of band (no browser)."""
        with self._lock:
            return self._new_tokens(Grant(client_id, scope), first=True)

    def revoke(self, form: dict[str, str], authorization: str | None) -> Answer:
        with self._lock:
            if self._client(form, authorization) is None:
                return Answer(401, {"error": "invalid_client"})
            token = form.get("token", "")
            found = self._refresh.get(token) or self._access.get(token)
            if found is not None:
                found.grant.revoked = True
            return Answer(200, {})

    def bearer(self, header: str | None) -> tuple[AccessToken | None, str]:
        """The access token of an `Authorization` header, or None and why it is refused."""
        if not header or not header.lower().startswith("bearer "):
            return None, "The request has no bearer token"
        with self._lock:
            token = self._access.get(header[7:].strip())
            if token is None or token.grant.revoked:
                return None, "The access token is invalid or has been revoked"
            if self.now() >= token.expires_at:
                return None, "The access token has expired"
            return token, ""

    def _client(self, form: dict[str, str], authorization: str | None) -> Client | None:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None
            user, _, password = decoded.partition(":")
            client_id = urllib.parse.unquote(user)
            secret = urllib.parse.unquote(password)
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.secret, secret):
            return None
        return client

    def _exchange_code(self, client: Client, form: dict[str, str]) -> Answer:
        code = self._codes.get(form.get("code", ""))
        if (
            code is None
            or code.used
            or code.client_id != client.client_id
            or self.now() >= code.expires_at
            or form.get("redirect_uri", "") != code.redirect_uri
        ):
            return Answer(400, {"error": "invalid_grant"})
        code.used = True
        return Answer(200, self._new_tokens(Grant(client.client_id, code.scope), first=True))

    def _refresh_grant(self, client: Client, value: str) -> Answer:
        token = self._refresh.get(value)
        moment = self.now()
        if token is None or token.grant.client_id != client.client_id:
            return Answer(400, {"error": "invalid_grant"})
        if token.used_at is not None:
            self.stats.refresh_token_reuse.append(
                Reuse(moment, client.client_id, value[:6], token.used_at)
            )
            if self.revoke_grant_on_reuse:
                token.grant.revoked = True
            return Answer(400, {"error": "invalid_grant"})
        if token.grant.revoked or moment >= token.expires_at:
            return Answer(400, {"error": "invalid_grant"})
        token.used_at = moment
        self.stats.refreshes += 1
        return Answer(200, self._new_tokens(token.grant, first=False))

    def _new_tokens(self, grant: Grant, *, first: bool) -> dict[str, Any]:
        moment = self.now()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._access[access] = AccessToken(grant, moment + self.access_token_ttl)
        self._refresh[refresh] = RefreshToken(grant, moment + self.refresh_token_ttl)
        answer: dict[str, Any] = {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": _seconds(self.access_token_ttl),
            "refresh_token_expires_in": _seconds(self.refresh_token_ttl),
            "token_type": "bearer",
            "scope": grant.scope,
        }
        if first:
            answer["requested_by_id"] = self.user_id
        return answer


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
