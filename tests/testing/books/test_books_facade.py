"""The README's flow through the client, against an emulator business that keeps books: a
customer, an invoice at the standard rate, a part payment, a credit note, the rest paid, and
a second invoice voided, with every amount the user would check."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest

from sage_accounting import SageAccounting
from sage_accounting.errors import UnprocessableEntityError
from sage_accounting.testing import FakeClock, SageEmulator
from tests.clients import make_client
from tests.testing.books.books_chart import START, Chart, open_books


@pytest.fixture
def fake() -> SageEmulator:
    return SageEmulator(seed=11, clock=FakeClock(START, frozen=True))


@pytest.fixture
def sage(fake: SageEmulator) -> Iterator[SageAccounting]:
    with make_client(fake) as client:
        yield client


def invoice_body(chart: Chart, customer: str, quantity: str, price: str) -> dict[str, object]:
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
    customer = sage.contacts.create(
        {"name": "Acme Ltd", "contact_type_ids": [chart.customer_type]}
    ).id

    invoice = sage.sales_invoices.create(invoice_body(chart, customer, "2", "600.00"))
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        Decimal("1200.00"),
        Decimal("240.00"),
        Decimal("1440.00"),
    )
    assert invoice.invoice_lines[0].total_amount == Decimal("1440.00")
    assert (invoice.outstanding_amount, invoice.status.id) == (Decimal("1440.00"), "UNPAID")

    receipt(sage, chart, customer, invoice.id, "400.00")
    paid_in_part = sage.sales_invoices.get(invoice.id)
    assert (paid_in_part.outstanding_amount, paid_in_part.status.id) == (
        Decimal("1040.00"),
        "PART_PAID",
    )
    assert sage.contacts.get(customer).balance == Decimal("1040.00")

    credit_line = invoice_body(chart, customer, "1", "200.00")["invoice_lines"]
    note = sage.sales_credit_notes.create(
        {"contact_id": customer, "date": "2026-01-21", "credit_note_lines": credit_line}
    )
    assert note.total_amount == Decimal("240.00")
    sage.contact_allocations.create(
        {
            "transaction_type_id": "CUSTOMER_ALLOCATION",
            "contact_id": customer,
            "allocated_artefacts": [
                {"artefact_id": invoice.id, "amount": "240.00"},
                {"artefact_id": note.id, "amount": "-240.00"},
            ],
        }
    )
    assert sage.sales_invoices.get(invoice.id).outstanding_amount == Decimal("800.00")
    assert sage.sales_credit_notes.get(note.id).status.id == "PAID"

    watermark = datetime.datetime.fromtimestamp(START, datetime.timezone.utc)
    fake.clock.advance(86_400)
    receipt(sage, chart, customer, invoice.id, "800.00")
    paid = sage.sales_invoices.get(invoice.id)
    assert (paid.outstanding_amount, paid.status.id) == (Decimal("0.00"), "PAID")
    assert sage.contacts.get(customer).balance == Decimal("0.00")
    changed = {
        record.id
        for record in sage.sales_invoices.changes(
            since=watermark + datetime.timedelta(hours=1)
        ).updated
    }
    assert invoice.id in changed

    second = sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00"))
    voided = sage.sales_invoices.delete(second.id, void_reason="Raised in error")
    assert voided is not None
    again = sage.sales_invoices.get(second.id)
    assert (again.status.id, again.outstanding_amount, again.void_reason) == (
        "VOID",
        Decimal("0.00"),
        "Raised in error",
    )

    def balance(account: str) -> tuple[Decimal, Decimal]:
        details = sage.ledger_accounts.get(account).balance_details
        return details.debits, details.credits_

    assert balance(chart.debtors) == (Decimal("1560.00"), Decimal("1560.00"))
    assert balance(chart.sales) == (Decimal("300.00"), Decimal("1300.00"))
    assert balance(chart.sales_tax) == (Decimal("60.00"), Decimal("260.00"))
    assert balance(chart.bank) == (Decimal("1200.00"), Decimal("0.00"))
    entries = [e for e in sage.ledger_entries.list(attributes="all") if e.id not in before]
    assert sum(e.debit for e in entries) == sum(e.credit for e in entries) == Decimal("3120.00")


def test_a_reference_to_a_record_the_business_lacks_is_a_422_naming_the_field(
    sage: SageAccounting,
) -> None:
    chart = open_books(sage)
    customer = sage.contacts.create(
        {"name": "Acme Ltd", "contact_type_ids": [chart.customer_type]}
    ).id
    body = invoice_body(chart, customer, "2", "600.00")
    body["invoice_lines"][0]["ledger_account_id"] = "NOPE"  # type: ignore[index]

    with pytest.raises(UnprocessableEntityError) as refused:
        sage.sales_invoices.create(body)

    assert [(e.source, e.message) for e in refused.value.errors] == [
        ("invoice_lines[0].ledger_account_id", "Couldn't find Ledger Account.")
    ]


def test_a_receipt_cannot_settle_more_than_an_invoice_owes(sage: SageAccounting) -> None:
    chart = open_books(sage)
    customer = sage.contacts.create(
        {"name": "Acme Ltd", "contact_type_ids": [chart.customer_type]}
    ).id
    invoice = sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00"))

    with pytest.raises(UnprocessableEntityError):
        receipt(sage, chart, customer, invoice.id, "120.01")

    assert sage.sales_invoices.get(invoice.id).outstanding_amount == Decimal("120.00")


def test_a_contact_with_postings_cannot_be_deleted(sage: SageAccounting) -> None:
    chart = open_books(sage)
    customer = sage.contacts.create(
        {"name": "Acme Ltd", "contact_type_ids": [chart.customer_type]}
    ).id
    sage.sales_invoices.create(invoice_body(chart, customer, "1", "100.00"))

    with pytest.raises(UnprocessableEntityError):
        sage.contacts.delete(customer)
