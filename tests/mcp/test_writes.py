"""Writes through `sage-accounting mcp`: only with --allow-writes, never under a readonly
login, a dry run that sends nothing, and a create an agent repeats that stores one record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from sage_accounting.testing import SageEmulator
from sage_accounting.testing._faults import Fault

from .conftest import CONTACTS, call, operation, server, session, token_file


def posts(fake: SageEmulator) -> int:
    return sum(1 for entry in fake.stats.requests if entry.method == "POST")


def new_contact(fake: SageEmulator) -> dict[str, Any]:
    body = fake.example_body("contacts", minimal=True)
    return dict(body.get("contact", body))


def test_dry_run_validates_and_sends_nothing(fake: SageEmulator, tmp_path: Path) -> None:
    tokens = token_file(fake, tmp_path)
    contact = new_contact(fake)

    async def agent(client: Client) -> list[tuple[Any, bool]]:
        return [
            await operation(client, "contacts_create", body=contact, dry_run=True),
            await operation(client, "contacts_create", body={"name": "No type"}, dry_run=True),
            await operation(
                client, "contacts_create", body={**contact, "credit_limit": "ten"}, dry_run=True
            ),
        ]

    good, missing, malformed = session(server(fake, tokens, "--allow-writes"), agent)
    payload, error = good
    assert not error and payload["dry_run"] and not payload["sent"]
    assert (payload["method"], payload["path"]) == ("POST", "/contacts")
    sent = payload["body"]["contact"]
    assert sent["name"] == contact["name"]  # wrapped as Sage wants it
    assert len(sent["idempotency_id"]) == 32  # the id the real call will carry
    assert missing[1] and missing[0]["error"] == "InvalidBodyError"
    assert "contact_type_ids" in missing[0]["message"]
    assert malformed[1] and "credit_limit" in malformed[0]["message"]
    assert posts(fake) == 0 and fake.count("contacts") == CONTACTS


def test_a_create_repeated_after_a_fault_stores_one_record(
    fake: SageEmulator, tmp_path: Path
) -> None:
    tokens = token_file(fake, tmp_path)
    contact = new_contact(fake)
    # Sage stores the contact, then the answer breaks: the agent never learns it worked.
    fake.faults.script([Fault("malformed", "after")], methods=["POST"], paths=["/contacts"])

    async def agent(client: Client) -> list[tuple[Any, bool]]:
        first = await operation(client, "contacts_create", body=contact, fields=["name"])
        again = await operation(client, "contacts_create", body=contact, fields=["name"])
        return [first, again]

    first, again = session(server(fake, tokens, "--allow-writes"), agent)
    assert first[1] and first[0]["error"] == "InvalidResponseError"
    assert "try again" in first[0]["advice"]
    payload, error = again
    assert not error and payload["record"]["name"] == contact["name"]
    assert fake.count("contacts") == CONTACTS + 1  # one record, not two
    assert [r["id"] for r in fake.records("contacts")].count(payload["record"]["id"]) == 1
    assert posts(fake) == 2  # the retry was sent, and Sage answered it with the first record


def test_writes_refused_without_the_flag(fake: SageEmulator, tmp_path: Path) -> None:
    tokens = token_file(fake, tmp_path)
    key = str(fake.records("contacts")[0]["id"])

    async def agent(client: Client) -> list[tuple[Any, bool]]:
        return [
            await call(client, "search_operations", {"query": "create contact", "limit": 20}),
            await call(client, "list_collections", {}),
            await operation(client, "contacts_create", body=new_contact(fake)),
            await operation(client, "contacts_delete", key=key, dry_run=True),
            await call(client, "contacts_update", {"key": key, "body": {"name": "X"}}),
        ]

    found, collections, create, delete, update = session(server(fake, tokens), agent)
    names = [match["name"] for match in found[0]["matches"]]
    assert names and not any(name.endswith(("_create", "_update", "_delete")) for name in names)
    assert "create" not in collections[0]["collections"]["contacts"]
    for payload, error in (create, delete, update):
        assert error and payload["error"] == "WritesOff"
        assert "--allow-writes" in payload["advice"]
    assert posts(fake) == 0 and fake.count("contacts") == CONTACTS


def test_writes_refused_under_a_readonly_login(fake: SageEmulator, tmp_path: Path) -> None:
    tokens = token_file(fake, tmp_path, scope="readonly")
    key = str(fake.records("contacts")[0]["id"])

    async def agent(client: Client) -> list[tuple[Any, bool]]:
        return [
            await operation(client, "contacts_create", body=new_contact(fake)),
            await operation(client, "contacts_delete", key=key),
            await operation(client, "contacts_list", page_size=1),
        ]

    create, delete, read = session(server(fake, tokens, "--allow-writes"), agent)
    for payload, error in (create, delete):
        assert error and payload["error"] == "ReadOnlyLogin"
        assert "full_access" in payload["advice"]
    assert not read[1] and read[0]["total"] == CONTACTS  # reading is what readonly is for
    assert fake.count("contacts") == CONTACTS
    assert not any(entry.method != "GET" for entry in fake.stats.requests)  # nothing was sent
