"""Businesses in countries and editions: what a new one holds, shared ids, collections not
offered, and the reference data files the package ships."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
import time
from decimal import Decimal
from importlib import resources
from typing import Any

import httpx
import pytest

from sage_accounting.testing import SageEmulator
from sage_accounting.testing.__main__ import main
from tests.testing.conftest import api_client

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _all(client: httpx.Client, business: str, collection: str) -> list[dict[str, Any]]:
    answer = client.get(
        f"/{collection}",
        params={"attributes": "all", "items_per_page": "200"},
        headers={"X-Business": business},
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["$items"]
    return items


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def _control(accounts: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (account,) = [a for a in accounts if a.get("control_name") == name]
    return account


def test_the_lead_business_keeps_its_name_and_is_a_uk_plus_business(
    client: httpx.Client,
) -> None:
    lead = client.get("/businesses/lead").json()
    assert lead["name"] == "Example Trading Ltd"
    assert lead["country"] == {"id": "GB", "displayed_as": "United Kingdom (GB)"}
    [subscription] = lead["subscriptions"]
    assert subscription["displayed_as"] == "Accounting Plus"
    assert subscription["active"] is True


def test_a_uk_business_starts_with_sages_chart_rates_and_contact_types(
    fake: SageEmulator, client: httpx.Client
) -> None:
    business = fake.add_business("Thames Joinery Ltd", country="GB", edition="standard")

    rates = _by_id(_all(client, business, "tax_rates"))
    assert set(rates) == {"GB_STANDARD", "GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"}
    standard = rates["GB_STANDARD"]
    assert standard["displayed_as"] == "Standard 20.00%"
    assert Decimal(standard["percentage"]) == Decimal("20")
    assert standard["percentages"][-1] == {
        "percentage": "20.00", "from_date": "2011-01-04", "to_date": None
    }  # fmt: skip
    assert {"percentage": "15.00", "from_date": "2008-12-01", "to_date": "2009-12-31"} in (
        standard["percentages"]
    )
    assert Decimal(rates["GB_LOWER"]["percentage"]) == Decimal("5")

    accounts = _all(client, business, "ledger_accounts")
    assert all(HEX_ID.match(a["id"]) for a in accounts)
    debtors = _control(accounts, "DEBTORS")
    assert (debtors["nominal_code"], debtors["name"]) == (1100, "Trade Debtors")
    assert debtors["ledger_account_type"]["id"] == "CURRENT_ASSETS"
    assert debtors["is_control_account"] is True
    assert _control(accounts, "CREDITORS")["nominal_code"] == 2100
    assert _control(accounts, "SALES_TAX")["name"] == "VAT on Sales"
    assert _control(accounts, "PURCHASE_TAX")["nominal_code"] == 2201
    sales = _control(accounts, "SALES")
    assert sales["ledger_account_type"]["id"] == "SALES"
    assert sales["tax_rate"] == {
        "id": "GB_STANDARD", "displayed_as": "Standard 20.00%", "$path": "/tax_rates/GB_STANDARD"
    }  # fmt: skip
    assert sales["visible_in_sales"] is True and sales["visible_in_banking"] is False

    [current] = [b for b in _all(client, business, "bank_accounts")
                 if b["bank_account_type"]["id"] == "CHECKING"]  # fmt: skip
    assert current["ledger_account"]["id"] == _control(accounts, "BANK")["id"]
    assert current["currency"]["id"] == "GBP" and current["balance"] == "0.00"

    types = _by_id(_all(client, business, "contact_types"))
    assert {"CUSTOMER", "VENDOR"} <= set(types)
    assert types["CUSTOMER"]["displayed_as"] == "Customer"
    assert "GBP" in _by_id(_all(client, business, "currencies"))
    assert client.get("/countries/IE", headers={"X-Business": business}).status_code == 200


def test_an_irish_business_holds_irish_vat_in_euro(
    fake: SageEmulator, client: httpx.Client
) -> None:
    business = fake.add_business("Liffey Foods Ltd", country="IE")

    info = client.get(f"/businesses/{business}").json()
    assert info["country"]["id"] == "IE"
    rates = _by_id(_all(client, business, "tax_rates"))
    assert Decimal(rates["IE_STANDARD"]["percentage"]) == Decimal("23")
    # The 2020-21 cut to 21% is one of the standard rate's periods.
    assert {"percentage": "21.00", "from_date": "2020-09-01", "to_date": "2021-02-28"} in (
        rates["IE_STANDARD"]["percentages"]
    )
    assert Decimal(rates["IE_LOWER_1"]["percentage"]) == Decimal("13.5")
    assert not any(key.startswith("GB_") for key in rates)
    accounts = _all(client, business, "ledger_accounts")
    assert _control(accounts, "DEBTORS")["tax_rate"]["id"] == "IE_NO_TAX"
    assert _control(accounts, "SALES")["tax_rate"]["id"] == "IE_STANDARD"
    settings = client.get("/financial_settings", headers={"X-Business": business}).json()
    assert settings["base_currency"]["id"] == "EUR"


def test_a_canadian_business_holds_gst_hst_pst_and_its_tax_accounts(
    fake: SageEmulator, client: httpx.Client
) -> None:
    business = fake.add_business("Maple Outfitters Inc", country="CA", edition="start")

    rates = _by_id(_all(client, business, "tax_rates"))
    assert rates["CA_GST"]["displayed_as"] == "GST 5.00%"
    assert Decimal(rates["CA_HST_ON"]["percentage"]) == Decimal("13")
    assert Decimal(rates["CA_QST"]["percentage"]) == Decimal("9.975")
    assert Decimal(rates["CA_HST_NS"]["percentage"]) == Decimal("14")  # since 2025-04-01
    combined = rates["CA_GST_PST_BC"]
    assert combined["is_combined_rate"] is True
    assert [part["id"] for part in combined["component_tax_rates"]] == ["CA_GST", "CA_PST_BC"]
    assert sum(Decimal(p["percentage"]) for p in combined["component_tax_rates"]) == Decimal(
        combined["percentage"]
    )
    accounts = _all(client, business, "ledger_accounts")
    assert _control(accounts, "DEBTORS")["name"] == "Accounts Receivable"
    assert _control(accounts, "SALES_TAX")["name"] == "GST/HST Charged on Sales"
    assert _control(accounts, "SALES")["gifi_code"] == 8000
    types = _by_id(_all(client, business, "contact_types"))
    assert types["VENDOR"]["displayed_as"] == "Vendor"
    regions = _by_id(_all(client, business, "address_regions"))
    assert regions["CA-BC"]["name"] == "British Columbia"
    subscription = client.get(f"/businesses/{business}").json()["subscriptions"][0]
    assert subscription["displayed_as"] == "Accounting Start"


def test_businesses_share_sages_reference_ids_and_keep_their_own_records_apart(
    fake: SageEmulator, client: httpx.Client
) -> None:
    first = fake.add_business("North Ltd", country="GB")
    second = fake.add_business("South Ltd", country="GB")

    for collection in ("tax_rates", "contact_types", "currencies", "ledger_account_types"):
        assert _all(client, first, collection) == _all(client, second, collection), collection
    first_accounts = {a["id"] for a in _all(client, first, "ledger_accounts")}
    second_accounts = {a["id"] for a in _all(client, second, "ledger_accounts")}
    assert first_accounts and not first_accounts & second_accounts
    assert len(first_accounts) == len(second_accounts)

    # A business's change stays in that business, even on a record with a shared id.
    fake.clock.advance(60)
    changed = client.put(
        "/tax_rates/GB_LOWER",
        json={"tax_rate": {"name": "Reduced"}},
        headers={"X-Business": first},
    )
    assert changed.status_code == 200
    assert _by_id(_all(client, first, "tax_rates"))["GB_LOWER"]["name"] == "Reduced"
    assert _by_id(_all(client, second, "tax_rates"))["GB_LOWER"]["name"] == "Lower Rate"
    foreign = client.get(f"/ledger_accounts/{min(first_accounts)}", headers={"X-Business": second})
    assert foreign.status_code == 404


def test_listed_businesses_answer_their_country_and_edition(
    fake: SageEmulator, client: httpx.Client
) -> None:
    fake.add_business("Dublin Design", country="IE", edition="standard")
    fake.add_business("Toronto Trading", country="CA", edition="start")

    listed = client.get("/businesses", params={"attributes": "all"}).json()["$items"]
    seen = {
        (item["country"]["id"], item["subscriptions"][0]["displayed_as"])
        for item in (client.get(f"/businesses/{b['id']}").json() for b in listed)
    }
    assert seen == {
        ("GB", "Accounting Plus"),
        ("IE", "Accounting Standard"),
        ("CA", "Accounting Start"),
    }


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"country": "AU"}, ["'AU'", "GB", "IE", "CA", "US", "ES", "FR", "DE"]),
        ({"country": "gb"}, ["'gb'", "GB"]),
        ({"edition": "premium"}, ["'premium'", "plus", "standard", "start"]),
    ],
)
def test_an_unknown_country_or_edition_is_refused_naming_the_choices(
    fake: SageEmulator, kwargs: dict[str, str], named: list[str]
) -> None:
    before = fake.business_ids
    with pytest.raises(ValueError) as raised:
        fake.add_business("Nowhere Ltd", **kwargs)
    assert all(word in str(raised.value) for word in named)
    assert fake.business_ids == before
    with pytest.raises(ValueError):
        SageEmulator(**kwargs)  # type: ignore[arg-type]


def _table(offers: dict[str, set[tuple[str, str]]]) -> Any:
    """An availability table: `offers[collection]` the (country, edition) pairs offered."""

    def offered(collection: str, country: str, edition: str) -> bool | None:
        pairs = offers.get(collection)
        return None if pairs is None else (country, edition) in pairs

    return offered


PLUS_ONLY = {("GB", "plus"), ("IE", "plus"), ("CA", "plus")}
FRANCE_ONLY = {("FR", "plus"), ("FR", "start")}


@pytest.mark.parametrize(
    ("not_offered", "edition_gap", "country_gap"),
    [("auto", 401, 404), (404, 404, 404), (403, 403, 403), (401, 401, 401)],
)
def test_a_collection_not_offered_answers_as_set(
    not_offered: Any, edition_gap: int, country_gap: int
) -> None:
    table = _table({"stock_movements": PLUS_ONLY, "journal_codes": FRANCE_ONLY})
    fake = SageEmulator(seed=2, not_offered=not_offered, availability=table)
    start = fake.add_business("Small Shop", country="GB", edition="start")
    with api_client(fake) as client:
        headers = {"X-Business": start}
        gap = client.get("/stock_movements", headers=headers)
        assert gap.status_code == edition_gap
        if edition_gap == 401:
            assert gap.json()[0]["$message"] == "No active subscription. (MSE)"
        assert client.get("/journal_codes", headers=headers).status_code == country_gap
        # What the table offers, or says nothing of, answers as ever.
        assert client.get("/contacts", headers=headers).status_code == 200
        assert client.get("/stock_movements").status_code == 200  # the lead is GB plus
        assert client.get(f"/businesses/{start}").status_code == 200


def test_not_offered_must_be_a_known_answer() -> None:
    with pytest.raises(ValueError, match="not_offered must be one of"):
        SageEmulator(not_offered=500)  # type: ignore[arg-type]


def test_the_data_files_ship_in_the_package_and_are_what_a_business_holds(
    fake: SageEmulator,
) -> None:
    data = resources.files("sage_accounting.testing") / "data"
    text = (data / "CA" / "tax_rates.csv").read_text(encoding="utf-8")
    assert text.startswith("# Generated by the sage-accounting pipeline")
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    current = {row["id"]: row["percentage"] for row in rows if not row["to_date"]}
    business = fake.add_business("Prairie Goods", country="CA")
    served = {r["id"]: r["percentage"] for r in fake.records("tax_rates", business)}
    assert served == current
    for country in ("GB", "IE", "CA", "US", "ES", "FR", "DE"):
        assert (data / country / "ledger_accounts.csv").is_file(), country


def test_seeded_records_link_the_businesss_own_reference_records(fake: SageEmulator) -> None:
    business = fake.add_business("Seeded Ltd", country="IE")
    fake.seed("contacts", 5, business)
    invoices = fake.seed("sales_invoices", 10, business)
    accounts = {r["id"] for r in fake.records("ledger_accounts", business)}
    rates = {r["id"] for r in fake.records("tax_rates", business)}
    lines = [line for invoice in invoices for line in invoice["invoice_lines"]]
    assert lines
    assert all(line["ledger_account"]["id"] in accounts for line in lines)
    assert all(line["tax_rate"]["id"] in rates for line in lines)
    types = {t["id"] for contact in fake.records("contacts", business)
             for t in contact["contact_types"]}  # fmt: skip
    assert types and types <= {"CUSTOMER", "VENDOR", "ACCOUNTS"}


def test_command_line_serves_a_business_of_the_country_and_edition() -> None:
    stop = threading.Event()
    output = io.StringIO()

    def run() -> None:
        with contextlib.redirect_stdout(output):
            main(["--port", "0", "--country", "CA", "--edition", "start"], stop=stop)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "business" not in output.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        text = output.getvalue()
        base_url = text.split("base URL ", 1)[1].split()[0]
        access = text.split("access token", 1)[1].split()[0]
        headers = {"Authorization": f"Bearer {access}"}
        lead = httpx.get(f"{base_url}/businesses/lead", headers=headers).json()
        assert lead["country"]["id"] == "CA"
        assert lead["subscriptions"][0]["displayed_as"] == "Accounting Start"
        gst = httpx.get(f"{base_url}/tax_rates/CA_GST", headers=headers).json()
        assert gst["percentage"] == "5.00"
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
