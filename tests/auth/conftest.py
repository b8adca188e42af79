"""Auth tests run against the emulator, in process, with one clock shared by both sides."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sage_accounting import AsyncSageAccounting, SageAccounting, Token
from sage_accounting.testing import SageEmulator


@pytest.fixture()
def fake() -> SageEmulator:
    return SageEmulator(seed=3, access_token_ttl=300)


def token_of(fake: SageEmulator) -> Token:
    return Token.from_response(fake.issue_token(), now=fake.clock.now())


def make_client(fake: SageEmulator, **kwargs: object) -> SageAccounting:
    options: dict[str, object] = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "base_url": fake.api_base_url,
        "token_url": fake.token_url,
        "revoke_url": fake.revoke_url,
        "transport": fake.transport,
        "clock": fake.clock.now,
        "limits": None,  # these tests are about tokens; limits have their own tests
    }
    if "token" not in kwargs and "token_store" not in kwargs:
        options["token"] = token_of(fake)
    options.update(kwargs)
    return SageAccounting(**options)  # type: ignore[arg-type]


def make_async_client(fake: SageEmulator, **kwargs: object) -> AsyncSageAccounting:
    options: dict[str, object] = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "base_url": fake.api_base_url,
        "token_url": fake.token_url,
        "revoke_url": fake.revoke_url,
        "transport": fake.async_transport,
        "clock": fake.clock.now,
        "limits": None,
    }
    if "token" not in kwargs and "token_store" not in kwargs:
        options["token"] = token_of(fake)
    options.update(kwargs)
    return AsyncSageAccounting(**options)  # type: ignore[arg-type]


@pytest.fixture()
def client(fake: SageEmulator) -> Iterator[SageAccounting]:
    with make_client(fake) as sage:
        yield sage
