"""An agent reads the books through `sage-accounting mcp`: businesses, a list page by page,
one record, what changed; errors that say what to do."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from mcp import Client

from sage_accounting.auth import FileTokenStore
from sage_accounting.mcp_server import Calls
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

from .conftest import CONTACTS, call, operation, server, session, token_file


def test_list_get_changes_round_trip(fake: SageEmulator, tmp_path: Path) -> None:
    tokens = token_file(fake, tmp_path)

    async def agent(client: Client) -> dict[str, Any]:
        found, _ = await call(client, "search_operations", {"query": "contacts list"})
        assert found["matches"][0]["name"] == "contacts_list"
        pages = []
        page, error = await operation(
            client, "contacts_list", page_size=20, attributes="balance,email"
        )
        assert not error
        pages.append(page)
        while page["next_cursor"]:
            page, error = await operation(client, "contacts_list", cursor=page["next_cursor"])
            assert not error
            pages.append(page)
        key = pages[0]["items"][0]["id"]
        record, _ = await operation(client, "contacts_get", key=key, fields=["name", "balance"])
        first, _ = await operation(client, "contacts_changes", since="2000-01-01")
        with make_client(fake) as sage:  # meanwhile, someone else keeps the books
            sage.contacts.delete(key)
            created = sage.contacts.create(fake.example_body("contacts", minimal=True))
        fake.clock.advance(5)
        later, _ = await operation(client, "contacts_changes", since=first["watermark"])
        return {"pages": pages, "record": record, "first": first, "later": later,
                "key": key, "created": created.id}  # fmt: skip

    before = sorted(str(r["id"]) for r in fake.records("contacts"))
    seen = session(server(fake, tokens), agent)
    pages = seen["pages"]
    assert [p["page"] for p in pages] == [1, 2, 3]
    assert [p["count"] for p in pages] == [20, 20, 5]
    assert {p["total"] for p in pages} == {CONTACTS}
    ids = [item["id"] for p in pages for item in p["items"]]
    assert sorted(ids) == before  # every record once, across the pages
    stored = {str(r["id"]): r for r in fake.records("contacts")}
    item = pages[0]["items"][1]
    assert set(item) >= {"id", "displayed_as", "balance", "email"}
    assert isinstance(item["balance"], str)  # money as an exact decimal string
    assert Decimal(item["balance"]) == Decimal(str(stored[item["id"]]["balance"]))
    assert item["balance"] == str(stored[item["id"]]["balance"])  # the digits Sage sent

    assert set(seen["record"]) == {"id", "name", "balance"}  # trimmed to the fields asked for
    assert seen["first"]["complete"] and seen["first"]["updated_total"] == CONTACTS
    later = seen["later"]
    assert seen["created"] in {r["id"] for r in later["updated"]}
    assert later["deleted"] == [seen["key"]]
    assert later["watermark"] > seen["first"]["watermark"]  # ISO strings, same offset


def test_businesses_and_errors_an_agent_can_act_on(fake: SageEmulator, tmp_path: Path) -> None:
    tokens = token_file(fake, tmp_path)

    async def agent(client: Client) -> list[tuple[Any, bool]]:
        return [
            await call(client, "list_businesses", {}),
            await operation(client, "contacts_get", key="0" * 32),
            await operation(client, "contacts_list", page_size=1000),
            await operation(client, "contacts_list", created_between="2020"),
            await operation(client, "contacts_create", body={"name": "Acme"}),
            await operation(client, "contacts_list", business_id="f" * 32),
        ]

    businesses, missing, too_big, unknown, write, other = session(server(fake, tokens), agent)
    assert not businesses[1]
    (business,) = businesses[0]["businesses"]
    assert business["id"] == fake.lead_business_id and business["name"] == "Example Trading Ltd"

    payload, error = missing
    assert error and payload["error"] == "NotFoundError" and payload["status"] == 404
    assert payload["errors"][0]["$message"] == "Resource not found"
    assert "$source" in payload["errors"][0]
    assert payload["advice"] == "no such record (or path)"  # the errors guide's words
    assert too_big[1] and "page_size" in too_big[0]["message"]
    assert unknown[1] and "created_between" in unknown[0]["message"]
    assert write[1] and write[0]["error"] == "WritesOff"
    assert other[1] and other[0]["error"] in ("SubscriptionError", "NotFoundError")
    token = FileTokenStore(tokens).load()
    assert token is not None
    secret_things = [fake.client_secret, token.access_token, token.refresh_token]
    everything = json.dumps([businesses, missing, too_big, unknown, write, other])
    assert not any(secret in everything for secret in secret_things if secret)


def test_a_cursor_past_a_shrunken_list_ends_it(fake: SageEmulator) -> None:
    with make_client(fake) as sage:
        calls = Calls(sage, allow_writes=False)
        first = calls.call("contacts_list", {"page_size": 20})
        assert first["next_cursor"] and first["count"] == 20
        for record in fake.records("contacts")[:30]:  # the list shrinks to one page meanwhile
            sage.contacts.delete(str(record["id"]))
        # Sage answers a page past the last with the last one again: no page of this read.
        after = calls.call("contacts_list", {"cursor": first["next_cursor"]})
    assert (after["page"], after["count"], after["next_cursor"]) == (2, 0, None)
    assert after["total"] == CONTACTS - 30


def test_business_per_call_and_its_cursor(fake: SageEmulator) -> None:
    other = fake.add_business("Second Trading Ltd")
    theirs = {str(r["id"]) for r in fake.seed("contacts", 7, business_id=other, full=False)}
    with make_client(fake) as sage:
        calls = Calls(sage, allow_writes=False)
        names = {b["name"] for b in calls.call("list_businesses", {})["businesses"]}
        first = calls.call("contacts_list", {"business_id": other, "page_size": 5})
        second = calls.call("contacts_list", {"cursor": first["next_cursor"]})
        ours = calls.call("contacts_list", {"page_size": 5})
    assert names == {"Example Trading Ltd", "Second Trading Ltd"}
    assert (first["total"], ours["total"]) == (7, CONTACTS)
    assert {i["id"] for i in first["items"] + second["items"]} == theirs
    assert second["next_cursor"] is None
