"""Collections, records, actions, settings, businesses and validation, in process."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx

from sage_accounting.availability import offered
from sage_accounting.testing import FakeClock, SageEmulator

HEX_ID = re.compile(r"^[0-9a-f]{32}$")
DECIMAL = re.compile(r"^-?\d+\.\d+$")


def test_every_collection_of_the_spec_is_served(fake: SageEmulator, client: httpx.Client) -> None:
    listed, elsewhere = 0, []
    for name, collection in fake.spec.collections.items():
        answer = client.get(f"/{name}")
        if offered(name, "GB", "plus") is False:  # the lead business is GB, Accounting Plus
            assert answer.status_code == 404, name  # another country's collection
            elsewhere.append(name)
            continue
        if collection.list_op is not None:
            assert answer.status_code == 200, name
            assert set(answer.json()) >= {"$total", "$page", "$next", "$back", "$items"}
            listed += 1
        if collection.singleton_get is not None:
            assert answer.status_code == 200, name
    assert listed > 70
    assert {"journal_codes", "datev_settings", "sales_corrective_invoices"} <= set(elsewhere)


def test_create_get_update_delete(fake: SageEmulator, client: httpx.Client) -> None:
    body = fake.example_body("contacts", minimal=True)
    body["name"] = "Acme Trading"
    created = client.post("/contacts", json={"contact": body})
    assert created.status_code == 201
    record = created.json()
    assert HEX_ID.match(record["id"])
    assert record["$path"] == f"/contacts/{record['id']}"
    assert record["name"] == record["displayed_as"] == "Acme Trading"
    assert record["contact_types"][0]["id"] == body["contact_type_ids"][0]
    assert set(record["contact_types"][0]) == {"id", "displayed_as", "$path"}

    fetched = client.get(f"/contacts/{record['id']}")
    assert fetched.json() == record

    updated = client.put(f"/contacts/{record['id']}", json={"contact": {"notes": "VIP"}})
    assert updated.status_code == 200
    assert updated.json()["notes"] == "VIP"
    assert updated.json()["name"] == "Acme Trading"

    assert client.delete(f"/contacts/{record['id']}").status_code == 204
    assert client.get(f"/contacts/{record['id']}").status_code == 404
    assert fake.stats.created["contacts"] == 1
    assert fake.stats.updated["contacts"] == 1
    assert fake.stats.deleted["contacts"] == 1


def test_validation_names_the_field(fake: SageEmulator, client: httpx.Client) -> None:
    answer = client.post("/contacts", json={"contact": {"contact_type_ids": ["x"]}})
    assert answer.status_code == 422
    assert answer.json() == [
        {
            "$severity": "error",
            "$dataCode": "RecordInvalid",
            "$message": "can't be blank",
            "$source": "name",
        }
    ]
    wrong_type = client.post("/contacts", json={"contact": {"name": 5, "contact_type_ids": ["x"]}})
    assert wrong_type.status_code == 422
    assert wrong_type.json()[0]["$source"] == "name"
    body = fake.example_body("sales_invoices", minimal=True)
    body["invoice_lines"][0]["unit_price"] = "12,50"
    nested = client.post("/sales_invoices", json={"sales_invoice": body})
    assert nested.status_code == 422
    assert nested.json()[0]["$source"] == "invoice_lines[0].unit_price"
    unwrapped = client.post("/contacts", json={"name": "x"})
    assert unwrapped.status_code == 422
    assert unwrapped.json()[0]["$source"] == "contact"
    assert fake.count("contacts") == 0


def test_wrong_content_type_unknown_path_and_method(client: httpx.Client) -> None:
    form = client.post("/contacts", data={"name": "x"})
    assert form.status_code == 415
    assert (
        client.post(
            "/contacts", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    missing = client.get("/no_such_things")
    assert missing.status_code == 404
    assert missing.json()[0]["$dataCode"] == "RecordNotFound"
    wrong = client.delete("/contacts")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, POST"
    unknown = client.get("/contacts/0123456789abcdef0123456789abcdef")
    assert unknown.status_code == 404
    assert isinstance(unknown.json(), list)


def test_values_look_like_sage(fake: SageEmulator, client: httpx.Client) -> None:
    fake.seed("ledger_accounts", 3)
    fake.seed("contacts", 3)
    invoice = fake.seed("sales_invoices", 1)[0]
    assert DECIMAL.match(invoice["total_amount"])
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", invoice["date"])
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", invoice["created_at"])
    contact = invoice["contact"]
    assert set(contact) == {"id", "displayed_as", "$path"}
    assert client.get(contact["$path"]).status_code == 200  # a real record of the business
    line = invoice["invoice_lines"][0]
    assert DECIMAL.match(line["unit_price"])


def test_seeding_is_deterministic(clock: FakeClock) -> None:
    first = SageEmulator(seed=3, clock=clock).seed("products", 5)
    second = SageEmulator(seed=3, clock=clock).seed("products", 5)
    other = SageEmulator(seed=4, clock=clock).seed("products", 5)
    assert first == second
    assert [r["id"] for r in first] != [r["id"] for r in other]
    assert all(HEX_ID.match(r["id"]) for r in first)
    summaries = SageEmulator(seed=3, clock=clock).seed("products", 5, full=False)
    assert [s["id"] for s in summaries] == [r["id"] for r in first]


def test_actions(fake: SageEmulator, client: httpx.Client) -> None:
    invoice = fake.seed("sales_invoices", 1)[0]
    released = client.post(f"/sales_invoices/{invoice['id']}/release")
    assert released.status_code == 201
    assert released.json()["id"] == invoice["id"]

    journal = fake.seed("journals", 1)[0]
    reissued = client.post(f"/journals/{journal['id']}/reissue")
    assert reissued.status_code == 201
    assert reissued.json()["id"] != journal["id"]
    assert client.get(f"/journals/{journal['id']}").status_code == 404

    body = {"attachment": {"file": "aGVsbG8=", "file_name": "a.txt", "mime_type": "text/plain"}}
    attachment = client.post("/attachments", json=body).json()
    file = client.get(
        f"/attachments/{attachment['id']}/file", headers={"Accept": "application/octet-stream"}
    )
    assert file.status_code == 200
    assert file.content == b"hello"
    assert file.headers["Content-Type"] == "application/octet-stream"

    account = fake.seed("bank_accounts", 1)[0]
    feed = client.get(f"/bank_accounts/{account['id']}/bank_feed")
    assert feed.json() == {k: account[k] for k in ("id", "displayed_as", "$path")}


def test_settings_are_singletons(client: httpx.Client) -> None:
    first = client.get("/invoice_settings").json()
    assert client.get("/invoice_settings").json() == first
    changed = client.put(
        "/invoice_settings", json={"invoice_settings": {"next_invoice_number": 42}}
    )
    assert changed.status_code == 200
    assert changed.json()["next_invoice_number"] == 42
    assert client.get("/invoice_settings").json()["next_invoice_number"] == 42
    bad = client.put("/invoice_settings", json={"invoice_settings": {"next_invoice_number": 0}})
    assert bad.status_code == 422
    assert bad.json()[0]["$source"] == "next_invoice_number"


def test_businesses_isolate_data(fake: SageEmulator, client: httpx.Client) -> None:
    second = fake.add_business("Second Ltd")
    fake.seed("contacts", 4)
    fake.seed("contacts", 2, business_id=second)
    assert client.get("/contacts").json()["$total"] == 4
    assert client.get("/contacts", headers={"X-Business": second}).json()["$total"] == 2
    assert (
        client.get("/contacts", headers={"X-Business": fake.lead_business_id}).json()["$total"] == 4
    )
    listed = client.get("/businesses").json()
    assert (
        {b["id"] for b in listed["$items"]}
        == set(fake.business_ids)
        == {fake.lead_business_id, second}
    )
    lead = client.get("/businesses/lead").json()
    assert lead["id"] == fake.lead_business_id
    assert client.get(f"/businesses/{second}").json()["name"] == "Second Ltd"
    renamed = client.put(f"/businesses/{second}", json={"business": {"name": "Renamed"}})
    assert renamed.json()["name"] == "Renamed"
    assert client.get("/contacts", headers={"X-Business": "f" * 32}).status_code == 404
    user = client.get("/user").json()
    assert HEX_ID.match(user["id"])
    assert client.put("/user", json={"user": {"first_name": "Sam"}}).json()["first_name"] == "Sam"


def test_records_inspection(fake: SageEmulator, client: httpx.Client) -> None:
    seeded = fake.seed("contacts", 3)
    assert fake.records("contacts") == seeded
    assert fake.count("contacts") == 3


def test_importing_the_package_does_not_import_the_emulator() -> None:
    code = "import sys, sage_accounting; print('sage_accounting.testing' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
