"""The README's flow through the client, against an emulator business that keeps books: a
customer, an invoice at the standard rate, a part payment, a credit note, the rest paid, and
a second invoice voided, with every amount the user would check."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from sage_accounting import SageAccounting
from sage_accounting.errors import UnprocessableEntityError
from sage_accounting.testing import FakeClock, SageEmulator
from tests.clients import make_client
from tests.testing.books.books_chart import START, Chart, open_books, receipt, the


@dataclass(frozen=True)
class Expected:
    """The README flow's amounts in one country: 2 x 600.00 invoiced, 400.00 received, a
    credit note of 200.00 net, the rest received; a second invoice of 100.00 net voided."""

    country: str
    tax: str  # on the first invoice
    total: str
    after_receipt: str
    credit_total: str
    after_credit: str
    second_total: str
    debtors: tuple[str, str]
    sales_tax: tuple[str, str]
    bank: tuple[str, str]
    all_debits: str


GB = Expected(
    "GB",
    "240.00",
    "1440.00",
    "1040.00",
    "240.00",
    "800.00",
    "120.00",
    ("1560.00", "1560.00"),
    ("60.00", "260.00"),
    ("1200.00", "0.00"),
    "3120.00",
)
IE = Expected(
    "IE",
    "276.00",
    "1476.00",
    "1076.00",
    "246.00",
    "830.00",
    "123.00",
    ("1599.00", "1599.00"),
    ("69.00", "299.00"),
    ("1230.00", "0.00"),
    "3198.00",
)
CA = Expected(
    "CA",
    "60.00",
    "1260.00",
    "860.00",
    "210.00",
    "650.00",
    "105.00",
    ("1365.00", "1365.00"),
    ("15.00", "65.00"),
    ("1050.00", "0.00"),
    "2730.00",
)


def emulator(country: str = "GB") -> SageEmulator:
    return SageEmulator(seed=11, clock=FakeClock(START, frozen=True), country=country)


@pytest.fixture
def fake() -> SageEmulator:
    return emulator()


@pytest.fixture
def sage(fake: SageEmulator) -> Iterator[SageAccounting]:
    with make_client(fake) as client:
        yield client


def invoice_body(chart: Chart, customer: str, quantity: str, price: str) -> dict[str, Any]:
    line = {
        "description": "Oak chairs",
        "ledger_account_id": chart.sales,
        "quantity": quantity,
        "unit_price": price,
        "tax_rate_id": chart.standard_rate,
    }
    return {"contact_id": customer, "date": "2026-01-05", "invoice_lines": [line]}


@pytest.mark.parametrize("expected", [GB, IE, CA], ids=lambda e: e.country)
def test_the_readme_flow_keeps_books_that_add_up(expected: Expected) -> None:
    fake = emulator(expected.country)
    with make_client(fake) as sage:
        readme_flow(fake, sage, expected)


def test_the_readme_flow_over_http(fake: SageEmulator) -> None:
    with fake.serve(), make_client(fake, transport=None) as sage:
        readme_flow(fake, sage, GB)


def readme_flow(fake: SageEmulator, sage: SageAccounting, expected: Expected) -> None:
    assert list(sage.ledger_entries.list()) == []  # a new business has posted nothing
    chart = open_books(sage, expected.country)
    customer = the(
        sage.contacts.create({"name": "Acme Ltd", "contact_type_ids": [chart.customer_type]}).id
    )

    invoice = sage.sales_invoices.create(invoice_body(chart, customer, "2", "600.00"))
    key = the(invoice.id)
    total = Decimal(expected.total)
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        Decimal("1200.00"),
        Decimal(expected.tax),
        total,
    )
    assert the(invoice.invoice_lines)[0].total_amount == total
    assert owed(sage, key) == (total, "UNPAID")

    receipt(sage, chart, customer, key, "400.00")
    assert owed(sage, key) == (Decimal(expected.after_receipt), "PART_PAID")
    assert sage.contacts.get(customer).balance == Decimal(expected.after_receipt)

    credit_line = {
        "description": "Oak chairs: one returned",
        "ledger_account_id": chart.sales,
        "unit_price": "200.00",
        "tax_rate_id": chart.standard_rate,
    }
    note = sage.sales_credit_notes.create(
        {"contact_id": customer, "date": "2026-01-21", "credit_note_lines": [credit_line]}
    )
    assert note.total_amount == Decimal(expected.credit_total)
    sage.contact_allocations.create(
        {
            "transaction_type_id": "CUSTOMER_ALLOCATION",
            "contact_id": customer,
            "allocated_artefacts": [
                {"artefact_id": key, "amount": expected.credit_total},
                {"artefact_id": the(note.id), "amount": f"-{expected.credit_total}"},
            ],
        }
    )
    assert owed(sage, key) == (Decimal(expected.after_credit), "PART_PAID")
    assert the(sage.sales_credit_notes.get(the(note.id)).status).id == "PAID"

    watermark = datetime.datetime.fromtimestamp(START + 3600, datetime.timezone.utc)
    fake.clock.advance(86_400)
    receipt(sage, chart, customer, key, expected.after_credit)
    assert owed(sage, key) == (Decimal("0.00"), "PAID")
    assert sage.contacts.get(customer).balance == Decimal("0.00")
    assert key in {record.id for record in sage.sales_invoices.changes(since=watermark).updated}

    second_invoice = sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00"))
    assert second_invoice.total_amount == Decimal(expected.second_total)
    second = the(second_invoice.id)
    assert sage.sales_invoices.delete(second, void_reason="Raised in error") is not None
    assert owed(sage, second) == (Decimal("0.00"), "VOID")
    assert sage.sales_invoices.get(second).void_reason == "Raised in error"

    def balance(account: str) -> tuple[str, str]:
        details = the(sage.ledger_accounts.get(account).balance_details)
        return str(the(details.debits)), str(the(details.credits_))

    assert balance(chart.debtors) == expected.debtors
    assert balance(chart.sales) == ("300.00", "1300.00")
    assert balance(chart.sales_tax) == expected.sales_tax
    assert balance(chart.bank) == expected.bank
    entries = list(sage.ledger_entries.list(attributes="all"))
    assert sum(the(e.debit) for e in entries) == sum(the(e.credit) for e in entries)
    assert sum(the(e.debit) for e in entries) == Decimal(expected.all_debits)
    kinds = {the(t.transaction_type).id for t in sage.transactions.list(attributes="all")}
    assert kinds == {"SALES_INVOICE", "CUSTOMER_RECEIPT", "SALES_CREDIT_NOTE"}


def owed(sage: SageAccounting, invoice: str) -> tuple[Decimal, str]:
    found = sage.sales_invoices.get(invoice)
    return the(found.outstanding_amount), the(found.status).id or ""


def customer_of(sage: SageAccounting, chart: Chart) -> str:
    body = {"name": "Acme Ltd", "contact_type_ids": [chart.customer_type]}
    return the(sage.contacts.create(body).id)


def test_a_reference_to_a_record_the_business_lacks_is_a_422_naming_the_field(
    sage: SageAccounting,
) -> None:
    chart = open_books(sage)
    customer = customer_of(sage, chart)
    body = invoice_body(chart, customer, "2", "600.00")
    body["invoice_lines"] = [{**body["invoice_lines"][0], "ledger_account_id": "NOPE"}]

    with pytest.raises(UnprocessableEntityError) as refused:
        sage.sales_invoices.create(body)

    assert [(e.source, e.message) for e in refused.value.errors] == [
        ("invoice_lines[0].ledger_account_id", "Couldn't find Ledger Account.")
    ]


def test_a_receipt_cannot_settle_more_than_an_invoice_owes(sage: SageAccounting) -> None:
    chart = open_books(sage)
    customer = customer_of(sage, chart)
    invoice = sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00"))

    with pytest.raises(UnprocessableEntityError):
        receipt(sage, chart, customer, the(invoice.id), "120.01")

    assert owed(sage, the(invoice.id)) == (Decimal("120.00"), "UNPAID")


def test_a_contact_with_postings_cannot_be_deleted(sage: SageAccounting) -> None:
    chart = open_books(sage)
    customer = customer_of(sage, chart)
    sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00"))

    with pytest.raises(UnprocessableEntityError):
        sage.contacts.delete(customer)


def test_a_receipt_with_a_prompt_payment_discount_clears_the_customer(
    sage: SageAccounting,
) -> None:
    chart = open_books(sage)
    customer = customer_of(sage, chart)
    invoice = the(sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00")).id)

    sage.contact_payments.create(
        {
            "transaction_type_id": "CUSTOMER_RECEIPT",
            "contact_id": customer,
            "bank_account_id": chart.bank_account,
            "date": "2026-01-20",
            "total_amount": "108.00",
            "allocated_artefacts": [
                {"artefact_id": invoice, "amount": "108.00", "discount": "12.00"}
            ],
        }
    )

    assert owed(sage, invoice) == (Decimal("0.00"), "PAID")
    assert sage.contacts.get(customer).balance == Decimal("0.00")
    details = the(sage.ledger_accounts.get(chart.sales_discount).balance_details)
    assert (details.debits, details.credits_) == (Decimal("12.00"), Decimal("0.00"))
