"""The resource facade: every collection of the spec as `client.<name>`, bodies wrapped for you."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from sage_accounting import SageAccounting
from sage_accounting._bodies import InvalidBodyError
from sage_accounting.models import BusinessSettings, Contact, PostContacts, PostContactsContact
from sage_accounting.testing import SageEmulator

from .conftest import async_client, sync_client

SPEC = json.loads(
    (Path(__file__).resolve().parents[2] / "generated" / "openapi.json").read_text("utf-8")
)
COLLECTIONS = sorted({path.split("/")[1] for path in SPEC["paths"]})


def posts(fake: SageEmulator) -> int:
    return sum(1 for entry in fake.stats.requests if entry.method == "POST")


def test_every_collection_is_a_resource_on_both_clients(fake: SageEmulator) -> None:
    sage = sync_client(fake)
    assert "contacts" not in vars(sage)  # created on first use
    for name in COLLECTIONS:
        resource = getattr(sage, name)
        assert getattr(sage, name) is resource
    twin = async_client(fake)
    for name in COLLECTIONS:
        assert type(getattr(twin, name)).__name__ == f"Async{type(getattr(sage, name)).__name__}"


def test_methods_follow_the_spec(client: SageAccounting) -> None:
    assert callable(client.sales_invoices.release)
    assert callable(client.journals.reissue)
    assert callable(client.attachments.file)
    assert callable(client.bank_accounts.bank_feed)
    assert not hasattr(client.journals, "update")  # the spec has no PUT /journals/{key}
    assert not hasattr(client.business_settings, "list")
    assert "Returns all Contacts" in (client.contacts.list.__doc__ or "")


def test_create_wraps_a_plain_dict(fake: SageEmulator, client: SageAccounting) -> None:
    body = fake.example_body("contacts", minimal=True)
    body["credit_limit"] = Decimal("2500.10")

    created = client.contacts.create(body)

    assert isinstance(created, Contact)
    assert created.name == body["name"]
    stored = fake.store.get(fake.store.business(None), "contacts", str(created.id))  # type: ignore[arg-type]
    assert stored is not None


def test_create_wraps_the_inner_model_and_takes_the_wrapped_one(
    fake: SageEmulator, client: SageAccounting
) -> None:
    body = fake.example_body("contacts", minimal=True)
    inner = PostContactsContact.from_dict(body)

    first = client.contacts.create(inner)
    second = client.contacts.create(PostContacts(contact=inner))
    third = client.contacts.create({"contact": body})

    assert first.name == second.name == third.name == body["name"]
    assert len({first.id, second.id, third.id}) == 3


def test_a_missing_required_field_fails_before_any_request(
    fake: SageEmulator, client: SageAccounting
) -> None:
    with pytest.raises(InvalidBodyError, match="contact_type_ids"):
        client.contacts.create({"name": "No type"})
    with pytest.raises(TypeError, match="dict"):
        client.contacts.create("Acme")  # type: ignore[arg-type]
    assert posts(fake) == 0


def test_unknown_keywords_are_a_type_error_naming_them(client: SageAccounting) -> None:
    with pytest.raises(TypeError, match="colour"):
        client.contacts.list(colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="page"):
        client.contacts.list(page=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="attribute"):
        client.contacts.get("x", attribute="all")  # type: ignore[call-arg]


def test_get_update_delete_and_actions(fake: SageEmulator, client: SageAccounting) -> None:
    key = str(fake.records("contacts")[0]["id"])

    assert client.contacts.get(key).id == key
    updated = client.contacts.update(key, {"name": "Renamed Ltd"})
    assert updated.name == "Renamed Ltd"
    assert client.contacts.get(key, attributes="name").id == key
    client.contacts.delete(key)
    assert fake.count("contacts") == 1233

    invoice = fake.seed("sales_invoices", 1)[0]
    released = client.sales_invoices.release(str(invoice["id"]))
    assert released.id == invoice["id"]
    attachment = fake.seed("attachments", 1)[0]
    content = client.attachments.file(str(attachment["id"]))
    assert isinstance(content, bytes) and content


def test_singletons_get_and_update(client: SageAccounting) -> None:
    settings = client.business_settings.get()
    assert isinstance(settings, BusinessSettings)
    assert isinstance(client.business_settings.update({}), BusinessSettings)


def test_typed_query_values_are_sent_in_wire_form(
    fake: SageEmulator, client: SageAccounting
) -> None:
    list(client.ledger_accounts.list(visible_in="sales", items_per_page=5).pages())
    query = next(e.query for e in fake.stats.requests if e.path == "/ledger_accounts")
    assert "visible_in=sales" in query


def test_async_resources_await(fake: SageEmulator) -> None:
    async def run() -> tuple[str, int | None]:
        async with async_client(fake) as sage:
            created = await sage.contacts.create(fake.example_body("contacts", minimal=True))
            fetched = await sage.contacts.get(str(created.id))
            await sage.contacts.delete(str(created.id))
            return str(fetched.name), await sage.contacts.list().total

    name, total = asyncio.run(run())
    assert name and total == 1234
