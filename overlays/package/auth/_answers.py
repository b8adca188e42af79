"""What the token endpoint answered: a token, or a `TokenRefreshError` naming Sage's reason
(for the login's code exchange and for a refresh alike)."""

from __future__ import annotations

from typing import Any

import httpx

from .._token import Token
from ..errors import TokenRefreshError


def token_from_response(response: httpx.Response, *, now: float, action: str) -> Token:
    """Parse a token endpoint answer (body already read); errors name Sage's reason only."""
    try:
        data: Any = response.json()
    except ValueError:
        data = None
    if response.status_code == 200 and isinstance(data, dict):
        try:
            return Token.from_response(data, now=now)
        except (ValueError, TypeError) as exc:
            raise TokenRefreshError(
                f"token {action}: unusable answer: {exc}", login_required=False
            ) from None
    reason = data.get("error") if isinstance(data, dict) else None
    description = data.get("error_description") if isinstance(data, dict) else None
    detail = f"{reason}" + (f": {description}" if description else "") if reason else "no reason"
    if reason == "invalid_grant" and action == "exchange":
        raise TokenRefreshError(
            f"token {action} refused ({detail}): the authorization code was already used or "
            "has expired (it lives 60 seconds), or redirect_uri differs from the consent's: "
            "log in again",
            login_required=True,
        )
    if reason == "invalid_grant":
        raise TokenRefreshError(
            f"token {action} refused ({detail}): the refresh token was already used, revoked "
            "or has expired; a new login is needed (`sage-accounting login`)",
            login_required=True,
        )
    raise TokenRefreshError(
        f"token {action} failed with HTTP {response.status_code} ({detail})",
        login_required=False,
    )
