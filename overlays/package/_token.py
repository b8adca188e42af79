"""An OAuth 2.0 token pair, as Sage issues it. Its repr never shows a secret."""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Mapping
from typing import Any

import attrs


def _to_epoch(value: float | int | datetime.datetime | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware (or epoch seconds)")
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expires_at must be epoch seconds or a datetime, not {value!r}")
    return float(value)


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _fingerprint(secret: str) -> str:
    """Enough to tell two tokens apart in a log, nothing to use."""
    return hashlib.sha256(secret.encode()).hexdigest()[:8]


@attrs.frozen(repr=False)
class Token:
    """Access and refresh token. `expires_at` is epoch seconds (a datetime is converted).

    `requested_by_id` is the Sage user who consented, as the login's token answer names it
    (refreshes keep it; tokens stored before it was kept have None).
    """

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = attrs.field(default=None, converter=_to_epoch)
    refresh_token_expires_at: float | None = attrs.field(default=None, converter=_to_epoch)
    scope: str | None = None
    token_type: str = "bearer"
    requested_by_id: str | None = None

    def __repr__(self) -> str:
        expires = (
            datetime.datetime.fromtimestamp(self.expires_at, datetime.timezone.utc).isoformat()
            if self.expires_at is not None
            else None
        )
        return (
            f"Token(access_token=<{_fingerprint(self.access_token)}>, "
            f"refresh_token={'<set>' if self.refresh_token else None}, "
            f"expires_at={expires!r}, scope={self.scope!r})"
        )

    __str__ = __repr__

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        """True if the access token is expired or expires in the next `seconds`."""
        if self.expires_at is None:
            return False
        return self.expires_at - seconds <= (time.time() if now is None else now)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.access_token)

    @classmethod
    def from_response(cls, data: Mapping[str, Any], *, now: float | None = None) -> Token:
        """Build a token from the token endpoint's JSON answer."""
        issued = time.time() if now is None else now
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError("token response has no access_token")
        expires_in = data.get("expires_in")
        refresh_expires_in = data.get("refresh_token_expires_in")
        return cls(
            access_token=access,
            refresh_token=data.get("refresh_token") or None,
            expires_at=issued + float(expires_in) if expires_in is not None else None,
            refresh_token_expires_at=(
                issued + float(refresh_expires_in) if refresh_expires_in is not None else None
            ),
            scope=data.get("scope"),
            token_type=str(data.get("token_type") or "bearer"),
            requested_by_id=_text(data.get("requested_by_id")),
        )

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Token:
        known = {field.name for field in attrs.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown token fields: {', '.join(sorted(unknown))}")
        return cls(**dict(data))
