"""A discount on an allocation settles the artefact without money and posts, as Sage posts a
Sales Discount (SD) or Purchase Discount (PD): the contact's control account against the
chart's discounts allowed or taken, so the contact's balance stays what its artefacts owe."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from sage_accounting.testing.books import Controls
from sage_accounting.testing.books._book import Book
from tests.testing.books.test_book_ledger import CONTROLS as PLAIN

CONTROLS = replace(PLAIN, sales_discount="DISCOUNT_ALLOWED", purchase_discount="DISCOUNT_TAKEN")
RATES = {"STANDARD": {"id": "STANDARD", "percentage": "20.00"}}


class Ledger:
    """A book and the entries its writes posted, per account and contact."""

    def __init__(self, controls: Controls = CONTROLS) -> None:
        self.book = Book(controls, RATES.get, {"CURRENT": "BANK"}.get)
        self.entries: list[tuple[str, str | None, Decimal]] = []  # account, contact, debit-credit
        self.records: dict[str, dict[str, Any]] = {}

    def write(self, collection: str, key: str, body: dict[str, Any]) -> None:
        prepared = self.book.prepare(collection, {"date": "2026-03-01", **body})
        self.records[key] = prepared.body
        self.apply(self.book.commit(prepared, key))

    def apply(self, effects: Any) -> None:
        for posting, _ in effects.postings:
            self.entries += [
                (e.ledger_account_id, e.contact_id, e.debit - e.credit) for e in posting.entries
            ]
        for (_, key), fields in effects.updates.items():
            self.records[key] = {**self.records[key], **fields}

    def balance(self, account: str, contact: str | None = None) -> Decimal:
        return sum(
            (amount for a, c, amount in self.entries if a == account and contact in (None, c)),
            Decimal(0),
        )


def document(lines_key: str, price: str) -> dict[str, Any]:
    line = {"ledger_account_id": "SALES", "unit_price": price, "tax_rate_id": "STANDARD"}
    return {"contact_id": "ACME", lines_key: [line]}


def payment(type_id: str, total: str, key: str, amount: str, discount: str) -> dict[str, Any]:
    allocation = {"artefact_id": key, "amount": amount, "discount": discount}
    return {"transaction_type_id": type_id, "contact_id": "ACME", "bank_account_id": "CURRENT",
            "total_amount": total, "allocated_artefacts": [allocation]}  # fmt: skip


def test_a_receipt_with_a_discount_settles_the_invoice_and_posts_the_discount_allowed() -> None:
    books = Ledger()
    books.write("sales_invoices", "SI", document("invoice_lines", "100.00"))  # 120.00

    books.write("contact_payments", "SR", payment("CUSTOMER_RECEIPT", "108.00", "SI", "108", "12"))

    assert books.records["SI"]["outstanding_amount"] == "0.00"
    assert books.records["SI"]["status"]["id"] == "PAID"
    assert books.balance("BANK") == Decimal("108.00")
    assert books.balance("DISCOUNT_ALLOWED") == Decimal("12.00")  # a debit: an expense
    assert books.balance("DEBTORS", "ACME") == Decimal("0.00")
    assert sum(amount for _, _, amount in books.entries) == 0


def test_a_supplier_payment_with_a_discount_posts_the_discount_taken() -> None:
    books = Ledger()
    books.write("purchase_invoices", "PI", document("invoice_lines", "50.00"))  # 60.00

    books.write("contact_payments", "PP", payment("VENDOR_PAYMENT", "55.00", "PI", "55", "5"))

    assert books.records["PI"]["status"]["id"] == "PAID"
    assert books.balance("BANK") == Decimal("-55.00")
    assert books.balance("DISCOUNT_TAKEN") == Decimal("-5.00")  # a credit: income
    assert books.balance("CREDITORS", "ACME") == Decimal("0.00")


def test_a_refund_with_a_discount_clears_the_credit_note_and_the_customers_credit() -> None:
    books = Ledger()
    books.write("sales_credit_notes", "SC", document("credit_note_lines", "10.00"))  # 12.00

    books.write("contact_payments", "RF", payment("CUSTOMER_REFUND", "10.00", "SC", "10", "2"))

    assert books.records["SC"]["status"]["id"] == "PAID"
    assert books.balance("DEBTORS", "ACME") == Decimal("0.00")
    assert books.balance("DISCOUNT_ALLOWED") == Decimal("-2.00")


def test_a_contact_allocation_with_a_discount_posts_it_and_deleting_gives_it_back() -> None:
    books = Ledger()
    books.write("sales_invoices", "SI", document("invoice_lines", "100.00"))  # 120.00
    books.write("sales_credit_notes", "SC", document("credit_note_lines", "50.00"))  # 60.00
    items = [
        {"artefact_id": "SI", "amount": "60.00", "discount": "6.00"},
        {"artefact_id": "SC", "amount": "-60.00"},
    ]
    allocation = {"transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": "ACME",
                  "allocated_artefacts": items}  # fmt: skip

    books.write("contact_allocations", "CA", allocation)

    assert books.records["SI"]["outstanding_amount"] == "54.00"
    assert books.balance("DEBTORS", "ACME") == Decimal("54.00")
    assert books.balance("DISCOUNT_ALLOWED") == Decimal("6.00")

    books.apply(books.book.remove("contact_allocations", "CA", "2026-03-02"))

    assert books.records["SI"]["outstanding_amount"] == "120.00"
    assert books.balance("DEBTORS", "ACME") == Decimal("60.00")  # 120.00 less the note's 60.00
    assert books.balance("DISCOUNT_ALLOWED") == Decimal("0.00")


def test_without_discount_accounts_in_the_chart_a_discount_goes_to_sales() -> None:
    books = Ledger(PLAIN)  # a chart without discount accounts
    books.write("sales_invoices", "SI", document("invoice_lines", "100.00"))

    books.write("contact_payments", "SR", payment("CUSTOMER_RECEIPT", "110.00", "SI", "110", "10"))

    assert books.balance("SALES") == Decimal("-90.00")  # 100.00 sold, 10.00 given back
    assert books.balance("DEBTORS", "ACME") == Decimal("0.00")
