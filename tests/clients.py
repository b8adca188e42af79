"""Clients wired to an emulator, as the tests of several overlays build them."""

from __future__ import annotations

from typing import Any

from sage_accounting import AsyncSageAccounting, SageAccounting, Token
from sage_accounting.testing import SageEmulator


def token_of(fake: SageEmulator) -> Token:
    return Token.from_response(fake.issue_token(), now=fake.clock.now())


def _options(fake: SageEmulator, transport: object, kwargs: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "base_url": fake.api_base_url,
        "token_url": fake.token_url,
        "revoke_url": fake.revoke_url,
        "transport": transport,
        "clock": fake.clock.now,
        "limits": None,  # limits have tests of their own; elsewhere they would only slow things
    }
    if "token" not in kwargs and "token_store" not in kwargs:
        options["token"] = token_of(fake)
    options.update(kwargs)
    return options


def make_client(fake: SageEmulator, **kwargs: Any) -> SageAccounting:
    return SageAccounting(**_options(fake, fake.transport, kwargs))


def make_async_client(fake: SageEmulator, **kwargs: Any) -> AsyncSageAccounting:
    return AsyncSageAccounting(**_options(fake, fake.async_transport, kwargs))
