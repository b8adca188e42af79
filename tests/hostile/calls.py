"""The calls every hostile answer is tried on: get, list (its first and a later page, as models
and as dicts), create, sync and async, and the check that the error they raise names the call
and the fault."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sage_accounting import errors as e

from .server import ITEM, Answer, HostileServer, Seen, async_client, page, sync_client

CALLS = ("get", "list", "list, page 2", "list as dicts", "list as dicts, page 2", "create")
LISTS = [call for call in CALLS if call.startswith("list")]
FLAVORS = ("sync", "async")
BODY = {"name": "Acme Ltd", "contact_type_ids": ["CUSTOMER"]}
SECOND_PAGE = "/contacts?page=2&items_per_page=1"


def serve(server: HostileServer, call: str, answer: Answer) -> None:
    """Answer `call` with `answer`; for a list's "page 2" the first page is a good one."""

    def script(seen: Seen) -> Answer:
        if call.endswith("page 2") and seen.query.get("page") != "2":
            return page(ITEM, total=2, page=1, items_per_page=1, next=SECOND_PAGE)
        return answer

    server.script = script


def _sync(server: HostileServer, call: str, client: dict[str, Any]) -> object:
    with sync_client(server, **client) as sage:
        if call == "get":
            return sage.contacts.get("k1")
        if call == "create":
            return sage.contacts.create(BODY)
        if call.startswith("list as dicts"):
            return list(sage.contacts.list().as_dicts())
        return list(sage.contacts.list())


async def _async(server: HostileServer, call: str, client: dict[str, Any]) -> object:
    async with async_client(server, **client) as sage:
        if call == "get":
            return await sage.contacts.get("k1")
        if call == "create":
            return await sage.contacts.create(BODY)
        if call.startswith("list as dicts"):
            return [record async for record in sage.contacts.list().as_dicts()]
        return [contact async for contact in sage.contacts.list()]


def failure(server: HostileServer, flavor: str, call: str, **client: Any) -> e.APIError:
    """What `call` raised: an `APIError`, else the test fails (a bare error propagates)."""
    with pytest.raises(e.APIError) as caught:
        if flavor == "sync":
            _sync(server, call, client)
        else:
            asyncio.run(_async(server, call, client))
    return caught.value


def check(
    error: e.APIError,
    server: HostileServer,
    call: str,
    expected: type[e.APIError],
    fragment: str,
) -> None:
    """`error` is `expected`, its message names the method and the URL without its query and
    says `fragment` of what was wrong; no token in it."""
    method = "POST" if call == "create" else "GET"
    path = "/contacts/k1" if call == "get" else "/contacts"
    assert isinstance(error, expected), f"{type(error).__name__}: {error}"
    assert error.method == method
    assert str(error.url).split("?")[0] == server.base_url + path  # a status error keeps its query
    text = str(error)
    assert text.startswith(method) or text.split(" ", 2)[1] == method
    assert "/v3.1" + path in text
    asked = {key for seen in server.seen for key in seen.query}
    assert not any(f"{key}=" in text for key in asked)  # the query stays out of the message
    assert fragment in text, text
    assert "hostile-access" not in text + repr(vars(error))
