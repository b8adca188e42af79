"""The README's flow through the client, against an emulator business that keeps books: a
customer, an invoice at the standard rate, a part payment, a credit note, the rest paid, and
a second invoice voided, with every amount the user would check."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from sage_accounting import SageAccounting
from sage_accounting.errors import UnprocessableEntityError
from sage_accounting.testing import FakeClock, SageEmulator
from tests.clients import make_client
from tests.testing.books.books_chart import START, Chart, open_books, the


@pytest.fixture
def fake() -> SageEmulator:
    return SageEmulator(seed=11, clock=FakeClock(START, frozen=True))


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


def receipt(sage: SageAccounting, chart: Chart, customer: str, invoice: str, amount: str) -> None:
    sage.contact_payments.create(
        {
            "transaction_type_id": "CUSTOMER_RECEIPT",
            "contact_id": customer,
            "bank_account_id": chart.bank_account,
            "date": "2026-01-20",
            "total_amount": amount,
            "allocated_artefacts": [{"artefact_id": invoice, "amount": amount}],
        }
    )


def test_the_readme_flow_keeps_books_that_add_up(fake: SageEmulator, sage: SageAccounting) -> None:
    readme_flow(fake, sage)


def test_the_readme_flow_over_http(fake: SageEmulator) -> None:
    with fake.serve(), make_client(fake, transport=None) as sage:
        readme_flow(fake, sage)


def readme_flow(fake: SageEmulator, sage: SageAccounting) -> None:
    before = {entry.id for entry in sage.ledger_entries.list()}
    chart = open_books(sage)
    customer = the(
        sage.contacts.create({"name": "Acme Ltd", "contact_type_ids": [chart.customer_type]}).id
    )

    invoice = sage.sales_invoices.create(invoice_body(chart, customer, "2", "600.00"))
    key = the(invoice.id)
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        Decimal("1200.00"),
        Decimal("240.00"),
        Decimal("1440.00"),
    )
    assert the(invoice.invoice_lines)[0].total_amount == Decimal("1440.00")
    assert owed(sage, key) == (Decimal("1440.00"), "UNPAID")

    receipt(sage, chart, customer, key, "400.00")
    assert owed(sage, key) == (Decimal("1040.00"), "PART_PAID")
    assert sage.contacts.get(customer).balance == Decimal("1040.00")

    credit_line = {
        "description": "Oak chairs: one returned",
        "ledger_account_id": chart.sales,
        "unit_price": "200.00",
        "tax_rate_id": chart.standard_rate,
    }
    note = sage.sales_credit_notes.create(
        {"contact_id": customer, "date": "2026-01-21", "credit_note_lines": [credit_line]}
    )
    assert note.total_amount == Decimal("240.00")
    sage.contact_allocations.create(
        {
            "transaction_type_id": "CUSTOMER_ALLOCATION",
            "contact_id": customer,
            "allocated_artefacts": [
                {"artefact_id": key, "amount": "240.00"},
                {"artefact_id": the(note.id), "amount": "-240.00"},
            ],
        }
    )
    assert owed(sage, key) == (Decimal("800.00"), "PART_PAID")
    assert the(sage.sales_credit_notes.get(the(note.id)).status).id == "PAID"

    watermark = datetime.datetime.fromtimestamp(START + 3600, datetime.timezone.utc)
    fake.clock.advance(86_400)
    receipt(sage, chart, customer, key, "800.00")
    assert owed(sage, key) == (Decimal("0.00"), "PAID")
    assert sage.contacts.get(customer).balance == Decimal("0.00")
    assert key in {record.id for record in sage.sales_invoices.changes(since=watermark).updated}

    second = the(sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00")).id)
    assert sage.sales_invoices.delete(second, void_reason="Raised in error") is not None
    assert owed(sage, second) == (Decimal("0.00"), "VOID")
    assert sage.sales_invoices.get(second).void_reason == "Raised in error"

    def balance(account: str) -> tuple[Decimal, Decimal]:
        details = the(sage.ledger_accounts.get(account).balance_details)
        return the(details.debits), the(details.credits_)

    assert balance(chart.debtors) == (Decimal("1560.00"), Decimal("1560.00"))
    assert balance(chart.sales) == (Decimal("300.00"), Decimal("1300.00"))
    assert balance(chart.sales_tax) == (Decimal("60.00"), Decimal("260.00"))
    assert balance(chart.bank) == (Decimal("1200.00"), Decimal("0.00"))
    entries = [e for e in sage.ledger_entries.list(attributes="all") if e.id not in before]
    assert sum(the(e.debit) for e in entries) == sum(the(e.credit) for e in entries)
    assert sum(the(e.debit) for e in entries) == Decimal("3120.00")


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
