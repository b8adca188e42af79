"""The generated client, used as a user would: typed envelopes, exact money, wrapped bodies."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from decimal import Decimal

import httpx
import pytest

from sage_accounting import AuthenticatedClient
from sage_accounting._wire import decimal_from_wire, decimal_to_wire, loads_json
from sage_accounting.api.contacts import get_contacts, post_contacts
from sage_accounting.api.sales_invoices import post_sales_invoices
from sage_accounting.models import (
    Base,
    Contact,
    ContactList,
    PostContacts,
    PostContactsContact,
    PostSalesInvoices,
    PostSalesInvoicesSalesInvoice,
    PostSalesInvoicesSalesInvoiceInvoiceLinesItem,
    SageError,
)

API = "https://api.accounting.sage.com/v3.1"

PAGE = b"""{
  "$total": 2, "$page": 1, "$next": "/contacts?page=2", "$back": null, "$items_per_page": 2,
  "$items": [
    {"id": "8a9e7a2d1c3b4f5e6a7b8c9d0e1f2a3b", "displayed_as": "Acme (ACME)",
     "$path": "/contacts/8a9e7a2d1c3b4f5e6a7b8c9d0e1f2a3b", "balance": "367.09",
     "credit_limit": 0.1, "created_at": "2026-01-15T10:11:12Z", "name": null,
     "default_sales_tax_rate": {"id": "GB_STANDARD", "displayed_as": "Standard 20%",
                                "$path": "/tax_rates/GB_STANDARD"},
     "a_field_sage_added_later": {"nested": [1, 2]}},
    {"id": "00000000000000000000000000000002", "balance": 1e-7}
  ]
}"""


def _client(handler: httpx.MockTransport) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=API, token="test-access-token", httpx_args={"transport": handler}
    )


def test_list_answers_a_typed_envelope_with_exact_decimals() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=PAGE, headers={"content-type": "application/json"})

    page = get_contacts.sync(client=_client(httpx.MockTransport(handler)), items_per_page=2)

    assert isinstance(page, ContactList)
    assert page.total == 2 and page.next_ == "/contacts?page=2" and page.back is None
    first, second = page.items
    assert isinstance(first, Contact)
    assert first.balance == Decimal("367.09") and isinstance(first.balance, Decimal)
    # A JSON number is read through Decimal, never binary float: 0.1 stays 0.1 exactly.
    assert first.credit_limit == Decimal("0.1")
    assert second.balance == Decimal("1E-7")
    assert first.name is None
    assert isinstance(first.default_sales_tax_rate, Base)
    assert first.default_sales_tax_rate.displayed_as == "Standard 20%"
    assert first.created_at == datetime.datetime(2026, 1, 15, 10, 11, 12, tzinfo=datetime.UTC)
    assert first["a_field_sage_added_later"] == {"nested": [1, 2]}
    assert seen[0].url.params["items_per_page"] == "2"
    assert seen[0].headers["authorization"] == "Bearer test-access-token"


def test_unknown_fields_survive_a_round_trip() -> None:
    record = json.loads(PAGE)["$items"][0]
    again = Contact.from_dict(Contact.from_dict(loads_json(json.dumps(record))).to_dict())
    assert again.to_dict()["a_field_sage_added_later"] == {"nested": [1, 2]}
    assert again.to_dict()["balance"] == "367.09"


def test_create_sends_decimal_digits_unchanged() -> None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "1" * 32, "credit_limit": "1234.5600"})

    body = PostContacts(
        contact=PostContactsContact(
            name="Acme", contact_type_ids=["CUSTOMER"], credit_limit=Decimal("1234.5600")
        )
    )
    created = post_contacts.sync(client=_client(httpx.MockTransport(handler)), body=body)

    assert bodies == [
        {"contact": {"name": "Acme", "contact_type_ids": ["CUSTOMER"], "credit_limit": "1234.5600"}}
    ]
    assert isinstance(created, Contact) and created.credit_limit == Decimal("1234.5600")


def test_invoice_lines_add_up_without_float_drift() -> None:
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(201, json={"id": "2" * 32})

    prices = [(Decimal("0.1"), Decimal("3")), (Decimal("0.2"), Decimal("1"))]
    lines = [
        PostSalesInvoicesSalesInvoiceInvoiceLinesItem(
            description="item", ledger_account_id="L1", unit_price=price, quantity=quantity
        )
        for price, quantity in prices
    ]
    invoice = PostSalesInvoicesSalesInvoice(
        contact_id="C1",
        date=datetime.date(2026, 1, 31),
        invoice_lines=lines,
        total_amount=sum((price * quantity for price, quantity in prices), Decimal()),
    )
    post_sales_invoices.sync(
        client=_client(httpx.MockTransport(handler)), body=PostSalesInvoices(sales_invoice=invoice)
    )
    wire = json.loads(sent[0])["sales_invoice"]
    assert wire["total_amount"] == "0.5"  # 0.1 * 3 + 0.2 in float would be 0.5000000000000001
    assert [line["unit_price"] for line in wire["invoice_lines"]] == ["0.1", "0.2"]
    assert wire["date"] == "2026-01-31"


def test_sage_error_body_is_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422,
            json=[
                {
                    "$severity": "error",
                    "$dataCode": "RecordInvalid",
                    "$message": "can't be blank",
                    "$source": "name",
                }
            ],
        )

    answer = post_contacts.sync(
        client=_client(httpx.MockTransport(handler)),
        body=PostContacts(contact=PostContactsContact(name="", contact_type_ids=[])),
    )
    assert isinstance(answer, list) and isinstance(answer[0], SageError)
    assert (answer[0].source, answer[0].data_code) == ("name", "RecordInvalid")


@pytest.mark.parametrize(
    ("wire", "expected"),
    [("367.09", "367.09"), ("-0.50", "-0.50"), ("1E+3", "1000"), (12, "12")],
)
def test_decimal_wire_format(wire: str | int, expected: str) -> None:
    assert decimal_to_wire(decimal_from_wire(wire)) == expected


@pytest.mark.parametrize("bad", ["", "abc", "NaN", "Infinity", True, None, [1]])
def test_bad_money_value_is_refused_naming_it(bad: object) -> None:
    with pytest.raises((ValueError, TypeError), match=r"decimal"):
        decimal_from_wire(bad)


def test_import_is_lazy() -> None:
    code = (
        "import sys, sage_accounting;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'attrs')"
        " or m.startswith('sage_accounting.'));"
        "print(heavy);"
        "from sage_accounting.models import Base;"
        "print(len([m for m in sys.modules if m.startswith('sage_accounting.models.')]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "[]"  # importing the package loads no model, no endpoint, no httpx
    assert out[1] == "1"  # the first model use loads that model's module only
