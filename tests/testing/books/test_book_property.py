"""Random documents, payments, allocations, voids and deletions in any order: the books balance
and every artefact's outstanding amount is its total less what is allocated, never negative."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sage_accounting.testing.books import BookError, Controls
from sage_accounting.testing.books._book import Book, Effects

CONTROLS = Controls("DEBTORS", "CREDITORS", "VAT_OUT", "VAT_IN", "SALES", "PURCHASES")
RATES = {
    "STANDARD": {"id": "STANDARD", "percentage": "20.00"},
    "REDUCED": {"id": "REDUCED", "percentage": "5.00"},
    "ZERO": {"id": "ZERO", "percentage": "0.00"},
}
BANKS = {"CURRENT": "BANK"}

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=3)
quantities = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("20"), places=1)
lines = st.lists(
    st.fixed_dictionaries(
        {
            "description": st.just("item"),
            "ledger_account_id": st.sampled_from(["SALES", "SERVICES"]),
            "unit_price": prices.map(str),
            "quantity": quantities.map(str),
            "tax_rate_id": st.sampled_from(sorted(RATES)),
            "unit_price_includes_tax": st.booleans(),
        }
    ),
    min_size=1,
    max_size=4,
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), lines, st.sampled_from(["1", "1.25", "0.8"])),
        st.tuples(st.just("credit_note"), lines, st.just("1")),
        st.tuples(st.just("receipt"), st.integers(0, 50), st.fractions(0, 1)),
        st.tuples(st.just("offset"), st.integers(0, 50), st.integers(0, 50)),
        st.tuples(st.just("delete_payment"), st.integers(0, 50), st.none()),
        st.tuples(st.just("void"), st.integers(0, 50), st.none()),
    ),
    max_size=25,
)


class Books:
    """The book and what a store would keep of its effects."""

    def __init__(self) -> None:
        self.book = Book(CONTROLS, RATES.get, BANKS.get)
        self.entries: list[tuple[Decimal, Decimal]] = []
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.allocated: dict[tuple[str, str], list[tuple[str, Decimal]]] = {}
        self.count = 0

    def write(self, collection: str, body: dict[str, Any]) -> str | None:
        try:
            prepared = self.book.prepare(collection, body)
        except BookError:
            return None
        self.count += 1
        key = f"K{self.count}"
        self.records[(collection, key)] = prepared.body
        self.allocated[(collection, key)] = [
            (a.artefact_id, a.amount + a.discount) for a in prepared.allocations
        ]
        self.apply(self.book.commit(prepared, key))
        return key

    def apply(self, effects: Effects) -> None:
        for posting, _origin in effects.postings:
            self.entries += [(e.debit, e.credit) for e in posting.entries]
        for origin, fields in effects.updates.items():
            self.records[origin] = {**self.records[origin], **fields}

    def artefacts(self, collection: str) -> list[str]:
        return [key for (c, key) in self.records if c == collection]


def contact(**fields: Any) -> dict[str, Any]:
    return {"contact_id": "ACME", "date": "2026-03-01", **fields}


@settings(max_examples=150, deadline=None)
@given(operations)
def test_random_operations_keep_the_books_balanced_and_outstanding_true(ops: list[Any]) -> None:
    books = Books()
    for name, first, second in ops:
        invoices = books.artefacts("sales_invoices")
        notes = books.artefacts("sales_credit_notes")
        if name == "invoice":
            books.write("sales_invoices", contact(invoice_lines=first, exchange_rate=second))
        elif name == "credit_note":
            books.write("sales_credit_notes", contact(credit_note_lines=first))
        elif name == "receipt" and invoices:
            key = invoices[first % len(invoices)]
            outstanding = books.book.outstanding(key) or Decimal(0)
            amount = (outstanding * second.numerator / second.denominator).quantize(Decimal("0.01"))
            books.write(
                "contact_payments",
                contact(
                    transaction_type_id="CUSTOMER_RECEIPT",
                    bank_account_id="CURRENT",
                    total_amount=str(amount + 5),
                    allocated_artefacts=[{"artefact_id": key, "amount": str(amount)}],
                ),
            )
        elif name == "offset" and invoices and notes:
            invoice, note = invoices[first % len(invoices)], notes[second % len(notes)]
            amount = min(books.book.outstanding(invoice) or 0, books.book.outstanding(note) or 0)
            books.write(
                "contact_allocations",
                contact(
                    transaction_type_id="CUSTOMER_ALLOCATION",
                    allocated_artefacts=[
                        {"artefact_id": invoice, "amount": str(amount)},
                        {"artefact_id": note, "amount": str(-amount)},
                    ],
                ),
            )
        elif name == "delete_payment":
            payments = books.artefacts("contact_payments")
            if payments:
                key = payments[first % len(payments)]
                books.apply(books.book.remove("contact_payments", key, "2026-03-02"))
                del books.records[("contact_payments", key)]
                del books.allocated[("contact_payments", key)]
        elif name == "void" and invoices:
            key = invoices[first % len(invoices)]
            try:
                books.apply(books.book.void("sales_invoices", key, "2026-03-02"))
            except BookError:
                assert books.book.outstanding(key) != Decimal(
                    books.records[("sales_invoices", key)]["total_amount"]
                )

        assert sum(d for d, _ in books.entries) == sum(c for _, c in books.entries)
        for collection in ("sales_invoices", "sales_credit_notes"):
            for key in books.artefacts(collection):
                record = books.records[(collection, key)]
                taken = sum(
                    (
                        amount
                        for allocs in books.allocated.values()
                        for target, amount in allocs
                        if target == key
                    ),
                    Decimal(0),
                )
                outstanding = Decimal(record["outstanding_amount"])
                assert outstanding >= 0
                if record["status"]["id"] == "VOID":
                    assert outstanding == 0
                else:
                    assert outstanding == Decimal(record["total_amount"]) - taken
