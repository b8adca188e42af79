"""Posting rules: each document debits and credits the accounts Sage would, and balances."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sage_accounting.testing.books import (
    ArtefactKind,
    BookError,
    Controls,
    Posting,
    document_amounts,
    post_artefact,
    post_contact_payment,
    post_journal,
    post_other_payment,
    reverse,
)
from sage_accounting.testing.books._amounts import payment_line_amounts

CONTROLS = Controls(
    debtors="DEBTORS",
    creditors="CREDITORS",
    sales_tax="VAT_OUT",
    purchase_tax="VAT_IN",
    sales="SALES",
    purchases="PURCHASES",
)
RATES = {"GB_STANDARD": {"id": "GB_STANDARD", "percentage": "20.00"}}
SALES_INVOICE = ArtefactKind("sales", 1, "SALES_INVOICE")
SALES_CREDIT_NOTE = ArtefactKind("sales", -1, "SALES_CREDIT_NOTE")
PURCHASE_INVOICE = ArtefactKind("purchase", 1, "PURCHASE_INVOICE")


def by_account(posting: Posting) -> dict[str, tuple[str, str]]:
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for entry in posting.entries:
        debit, credit = totals.get(entry.ledger_account_id, (Decimal(0), Decimal(0)))
        totals[entry.ledger_account_id] = (debit + entry.debit, credit + entry.credit)
    return {account: (str(d), str(c)) for account, (d, c) in totals.items()}


def sales_invoice(**fields: str) -> dict[str, object]:
    return {
        "contact_id": "ACME",
        "date": "2026-05-02",
        "reference": "SI-1",
        "invoice_lines": [
            {
                "description": "Chairs",
                "ledger_account_id": "SALES",
                "quantity": "2",
                "unit_price": "600.00",
                "tax_rate_id": "GB_STANDARD",
            },
            {
                "description": "Delivery",
                "ledger_account_id": "OTHER_SALES",
                "unit_price": "50.00",
                "tax_rate_id": "GB_STANDARD",
            },
        ],
        **fields,
    }


def test_a_sales_invoice_debits_debtors_and_credits_sales_and_vat() -> None:
    document = sales_invoice()
    computed, lines = document_amounts(document, "invoice_lines", RATES.get)

    posting = post_artefact(SALES_INVOICE, computed, lines, CONTROLS)

    assert by_account(posting) == {
        "DEBTORS": ("1500.00", "0.00"),
        "SALES": ("0.00", "1200.00"),
        "VAT_OUT": ("0.00", "250.00"),
        "OTHER_SALES": ("0.00", "50.00"),
    }
    assert posting.total == Decimal("1500.00")
    assert posting.transaction_type_id == "SALES_INVOICE"
    assert [e.contact_id for e in posting.entries if e.ledger_account_id == "DEBTORS"] == ["ACME"]


def test_a_credit_note_posts_the_other_way_round() -> None:
    document = sales_invoice()
    computed, lines = document_amounts(document, "invoice_lines", RATES.get)

    posting = post_artefact(SALES_CREDIT_NOTE, computed, lines, CONTROLS)

    assert by_account(posting)["DEBTORS"] == ("0.00", "1500.00")
    assert by_account(posting)["VAT_OUT"] == ("250.00", "0.00")


def test_a_purchase_invoice_debits_costs_and_input_vat_and_credits_creditors() -> None:
    document = sales_invoice()
    computed, lines = document_amounts(document, "invoice_lines", RATES.get)

    posting = post_artefact(PURCHASE_INVOICE, computed, lines, CONTROLS)

    assert by_account(posting) == {
        "CREDITORS": ("0.00", "1500.00"),
        "SALES": ("1200.00", "0.00"),
        "VAT_IN": ("250.00", "0.00"),
        "OTHER_SALES": ("50.00", "0.00"),
    }


def test_a_foreign_invoice_posts_in_base_currency() -> None:
    computed, lines = document_amounts(
        sales_invoice(exchange_rate="1.25"), "invoice_lines", RATES.get
    )

    posting = post_artefact(SALES_INVOICE, computed, lines, CONTROLS)

    assert by_account(posting)["DEBTORS"] == ("1200.00", "0.00")
    assert posting.total_in_transaction_currency == Decimal("1500.00")


@pytest.mark.parametrize(
    ("type_id", "bank", "control"),
    [
        ("CUSTOMER_RECEIPT", ("100.00", "0.00"), ("DEBTORS", ("0.00", "100.00"))),
        ("CUSTOMER_REFUND", ("0.00", "100.00"), ("DEBTORS", ("100.00", "0.00"))),
        ("VENDOR_PAYMENT", ("0.00", "100.00"), ("CREDITORS", ("100.00", "0.00"))),
        ("VENDOR_REFUND", ("100.00", "0.00"), ("CREDITORS", ("0.00", "100.00"))),
    ],
)
def test_contact_payments_move_money_between_the_bank_and_a_control_account(
    type_id: str, bank: tuple[str, str], control: tuple[str, tuple[str, str]]
) -> None:
    payment = {
        "transaction_type_id": type_id,
        "contact_id": "ACME",
        "date": "2026-05-03",
        "total_amount": "100",
    }

    posting = post_contact_payment(payment, "BANK", CONTROLS)

    assert by_account(posting) == {"BANK": bank, control[0]: control[1]}


def test_an_other_payment_debits_the_expense_and_input_vat_and_credits_the_bank() -> None:
    payment = {
        "transaction_type_id": "OTHER_PAYMENT",
        "date": "2026-05-03",
        "payment_lines": [
            {"ledger_account_id": "TRAVEL", "total_amount": "60.00", "tax_rate_id": "GB_STANDARD"}
        ],
    }
    computed, lines = payment_line_amounts(payment, RATES.get)

    posting = post_other_payment(computed, lines, "BANK", CONTROLS)

    assert by_account(posting) == {
        "BANK": ("0.00", "60.00"),
        "TRAVEL": ("50.00", "0.00"),
        "VAT_IN": ("10.00", "0.00"),
    }


def test_a_journal_posts_as_given_and_must_balance() -> None:
    lines = [
        {"ledger_account_id": "RENT", "debit": "500.00", "credit": "0"},
        {"ledger_account_id": "BANK", "debit": "0", "credit": "500.00"},
    ]
    posting = post_journal({"date": "2026-05-03", "reference": "J1", "journal_lines": lines})
    assert by_account(posting) == {"RENT": ("500.00", "0.00"), "BANK": ("0.00", "500.00")}

    lines[1]["credit"] = "499.99"
    with pytest.raises(BookError) as refused:
        post_journal({"date": "2026-05-03", "reference": "J1", "journal_lines": lines})
    assert refused.value.problems[0].source == "journal_lines"


def test_reversing_a_posting_undoes_it() -> None:
    computed, lines = document_amounts(sales_invoice(), "invoice_lines", RATES.get)
    posting = post_artefact(SALES_INVOICE, computed, lines, CONTROLS)

    undone = reverse(posting, "2026-06-01")

    assert by_account(undone)["DEBTORS"] == ("0.00", "1500.00")
    assert undone.date == "2026-06-01"


def test_an_unbalanced_posting_cannot_be_made() -> None:
    from sage_accounting.testing.books import Entry

    with pytest.raises(ValueError, match="unbalanced"):
        Posting("JOURNAL", "2026-01-01", "", None, (Entry("A", Decimal(1), Decimal(0)),))


def test_a_payment_of_an_unknown_type_is_refused_naming_the_field() -> None:
    with pytest.raises(BookError) as refused:
        post_contact_payment({"transaction_type_id": "GIFT", "total_amount": "1"}, "BANK", CONTROLS)

    assert refused.value.problems[0].source == "transaction_type_id"
