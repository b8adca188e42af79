"""Buying, journals and other payments through the client, against an emulator business that
keeps books: a supplier's invoice paid in two payments (the second taking a prompt payment
discount), a journal, and an other payment and receipt, with every amount and ledger balance
the user would check."""

from __future__ import annotations

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
def sage() -> Iterator[SageAccounting]:
    fake = SageEmulator(seed=11, clock=FakeClock(START, frozen=True))
    with make_client(fake) as client:
        yield client


def balance(sage: SageAccounting, account: str) -> tuple[str, str]:
    details = the(sage.ledger_accounts.get(account).balance_details)
    return str(the(details.debits)), str(the(details.credits_))


def ledger_totals(sage: SageAccounting) -> tuple[Decimal, Decimal]:
    entries = list(sage.ledger_entries.list(attributes="all"))
    debits = sum((the(e.debit) for e in entries), Decimal(0))
    return debits, sum((the(e.credit) for e in entries), Decimal(0))


def account_named(sage: SageAccounting, control_name: str) -> str:
    found = sage.ledger_accounts.list(attributes="all")
    return next(the(a.id) for a in found if a.control_name == control_name)


def pay(
    sage: SageAccounting, chart: Chart, supplier: str, invoice: str, amount: str, discount: str
) -> str:
    payment = sage.contact_payments.create(
        {
            "transaction_type_id": "VENDOR_PAYMENT",
            "contact_id": supplier,
            "bank_account_id": chart.bank_account,
            "date": "2026-02-01",
            "total_amount": amount,
            "allocated_artefacts": [
                {"artefact_id": invoice, "amount": amount, "discount": discount}
            ],
        }
    )
    return the(payment.id)


def test_a_purchase_invoice_paid_in_two_payments_with_a_discount(sage: SageAccounting) -> None:
    chart = open_books(sage)
    supplier = the(
        sage.contacts.create({"name": "Timber Co", "contact_type_ids": [chart.vendor_type]}).id
    )
    lines = [
        {"description": "Oak boards", "ledger_account_id": chart.purchases, "quantity": "3",
         "unit_price": "150.00", "tax_rate_id": chart.standard_rate},
        {"description": "Glue", "ledger_account_id": chart.purchases, "quantity": "4",
         "unit_price": "10.00", "tax_rate_id": chart.standard_rate},
    ]  # fmt: skip
    invoice = sage.purchase_invoices.create(
        {"contact_id": supplier, "date": "2026-01-08", "due_date": "2026-02-07",
         "vendor_reference": "TC-88",
         "invoice_lines": lines}
    )  # fmt: skip
    key = the(invoice.id)
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        Decimal("490.00"),
        Decimal("98.00"),
        Decimal("588.00"),
    )
    assert sage.contacts.get(supplier).balance == Decimal("-588.00")  # what we owe shows negative

    pay(sage, chart, supplier, key, "300.00", "0")
    found = sage.purchase_invoices.get(key)
    assert (found.outstanding_amount, the(found.status).id) == (Decimal("288.00"), "PART_PAID")
    assert sage.contacts.get(supplier).balance == Decimal("-288.00")

    pay(sage, chart, supplier, key, "280.00", "8.00")  # the supplier allows 8.00 off
    found = sage.purchase_invoices.get(key)
    assert (found.outstanding_amount, the(found.status).id) == (Decimal("0.00"), "PAID")
    assert found.total_paid == Decimal("580.00")
    assert sage.contacts.get(supplier).balance == Decimal("0.00")

    assert balance(sage, chart.creditors) == ("588.00", "588.00")
    assert balance(sage, chart.purchases) == ("490.00", "0.00")
    assert balance(sage, chart.purchase_tax) == ("98.00", "0.00")
    assert balance(sage, chart.bank) == ("0.00", "580.00")
    assert balance(sage, chart.purchase_discount) == ("0.00", "8.00")
    assert ledger_totals(sage) == (Decimal("1176.00"), Decimal("1176.00"))


def test_a_journal_posts_its_lines_and_must_balance(sage: SageAccounting) -> None:
    chart = open_books(sage)
    capital = account_named(sage, "RETAINED_EARNINGS")
    lines = [
        {"ledger_account_id": chart.bank, "debit": "2500.00", "credit": "0", "details": "In"},
        {"ledger_account_id": capital, "debit": "0", "credit": "2500.00", "details": "In"},
    ]

    journal = sage.journals.create(
        {"date": "2026-01-02", "reference": "JNL-1", "journal_lines": lines}
    )

    assert balance(sage, chart.bank) == ("2500.00", "0.00")
    assert balance(sage, capital) == ("0.00", "2500.00")
    kinds = [the(t.transaction_type).id for t in sage.transactions.list(attributes="all")]
    assert kinds == ["JOURNAL"]

    unbalanced = [lines[0], {**lines[1], "credit": "2400.00"}]
    with pytest.raises(UnprocessableEntityError) as refused:
        sage.journals.create(
            {"date": "2026-01-03", "reference": "JNL-2", "journal_lines": unbalanced}
        )
    assert [e.source for e in refused.value.errors] == ["journal_lines"]

    sage.journals.delete(the(journal.id))
    assert balance(sage, chart.bank) == ("2500.00", "2500.00")
    assert ledger_totals(sage) == (Decimal("5000.00"), Decimal("5000.00"))


def other(
    sage: SageAccounting, chart: Chart, type_id: str, total: str, lines: list[dict[str, str]]
) -> Any:
    """An other payment or receipt through the current account, on 2026-01-15."""
    body = {"transaction_type_id": type_id, "bank_account_id": chart.bank_account,
            "date": "2026-01-15", "total_amount": total, "payment_lines": lines}  # fmt: skip
    return sage.other_payments.create(body)


def test_an_other_payment_and_receipt_move_the_bank_and_the_tax(sage: SageAccounting) -> None:
    chart = open_books(sage)
    charges = account_named(sage, "BANK_CHARGES")

    paid = other(sage, chart, "OTHER_PAYMENT", "150.00", [
        {"ledger_account_id": chart.purchases, "total_amount": "120.00",
         "tax_rate_id": chart.standard_rate, "details": "Stationery"},
        {"ledger_account_id": charges, "total_amount": "30.00", "details": "Fees"},
    ])  # fmt: skip
    assert (paid.net_amount, paid.tax_amount, paid.total_amount) == (
        Decimal("130.00"),
        Decimal("20.00"),
        Decimal("150.00"),
    )

    received = other(sage, chart, "OTHER_RECEIPT", "60.00", [
        {"ledger_account_id": chart.sales, "total_amount": "60.00",
         "tax_rate_id": chart.standard_rate, "details": "Scrap sold"},
    ])  # fmt: skip
    assert (received.net_amount, received.tax_amount) == (Decimal("50.00"), Decimal("10.00"))

    assert balance(sage, chart.bank) == ("60.00", "150.00")
    assert balance(sage, chart.purchases) == ("100.00", "0.00")
    assert balance(sage, charges) == ("30.00", "0.00")
    assert balance(sage, chart.purchase_tax) == ("20.00", "0.00")
    assert balance(sage, chart.sales) == ("0.00", "50.00")
    assert balance(sage, chart.sales_tax) == ("0.00", "10.00")
    assert ledger_totals(sage) == (Decimal("210.00"), Decimal("210.00"))
