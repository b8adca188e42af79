"""Random invoices, receipts, credit notes, allocations, deletions and voids through the client,
in any order, on top of seeded invoices: the business's ledger balances, each invoice owes its
total less what was allocated to it, never below zero, and each customer's balance is what its
invoices in the ledger still owe less its credit notes' (a seeded invoice joins the ledger the
moment a receipt, an allocation or a void uses it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sage_accounting.errors import UnprocessableEntityError
from sage_accounting.testing import FakeClock, SageEmulator
from tests.clients import make_client
from tests.testing.books.books_chart import START, open_books, the

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("invoice"),
            st.lists(st.tuples(amounts, st.integers(1, 5)), min_size=1, max_size=3),
            st.none(),
        ),
        st.tuples(st.just("receipt"), st.integers(0, 9), st.fractions(0, 1)),
        st.tuples(st.just("credit"), st.integers(0, 9), amounts),
        st.tuples(st.just("unpay"), st.integers(0, 9), st.none()),
        st.tuples(st.just("void"), st.integers(0, 9), st.none()),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_any_order_of_documents_and_payments_keeps_the_books_true(plan: list[Any]) -> None:
    fake = SageEmulator(seed=5, clock=FakeClock(START, frozen=True))
    with make_client(fake) as sage:
        chart = open_books(sage)
        fake.seed("contacts", 2)
        customer = the(
            sage.contacts.create({"name": "Acme", "contact_type_ids": [chart.customer_type]}).id
        )
        seeded = [i for i in fake.seed("sales_invoices", 4) if i["exchange_rate"] == "1.000000"]
        assert seeded
        owner = {i["id"]: i["contact"]["id"] for i in seeded}  # invoice -> customer
        invoices: list[str] = list(owner)
        in_ledger: set[str] = set()
        notes: dict[str, str] = {}  # credit note -> customer
        payments: list[tuple[str, str, Decimal]] = []  # (payment, invoice, amount)
        taken: dict[str, Decimal] = {}

        def allocate(invoice: str, amount: Decimal) -> str:
            payment = sage.contact_payments.create(
                {
                    "transaction_type_id": "CUSTOMER_RECEIPT",
                    "contact_id": owner[invoice],
                    "bank_account_id": chart.bank_account,
                    "date": "2026-02-01",
                    "total_amount": str(amount),
                    "allocated_artefacts": [{"artefact_id": invoice, "amount": str(amount)}],
                }
            )
            return the(payment.id)

        for name, first, second in plan:
            pick = invoices[first % len(invoices)] if invoices and name != "invoice" else None
            outstanding = (
                the(sage.sales_invoices.get(pick).outstanding_amount) if pick else Decimal(0)
            )
            if name == "invoice":
                lines = [
                    {"description": "x", "ledger_account_id": chart.sales, "unit_price": str(price),
                     "quantity": str(quantity), "tax_rate_id": chart.standard_rate}
                    for price, quantity in first
                ]  # fmt: skip
                body = {"contact_id": customer, "date": "2026-01-10", "invoice_lines": lines}
                invoices.append(the(sage.sales_invoices.create(body).id))
                owner[invoices[-1]] = customer
                in_ledger.add(invoices[-1])
            elif name == "receipt" and pick and outstanding:
                amount = (outstanding * second.numerator / second.denominator).quantize(
                    Decimal("0.01")
                )
                if amount > 0:
                    payments.append((allocate(pick, amount), pick, amount))
                    taken[pick] = taken.get(pick, Decimal(0)) + amount
                    in_ledger.add(pick)
            elif name == "credit" and pick:
                line = {
                    "description": "back",
                    "ledger_account_id": chart.sales,
                    "unit_price": str(second),
                }
                note = sage.sales_credit_notes.create(
                    {"contact_id": owner[pick], "date": "2026-01-11", "credit_note_lines": [line]}
                )
                notes[the(note.id)] = owner[pick]
                amount = min(outstanding, the(note.total_amount))
                in_ledger.add(pick)
                try:
                    sage.contact_allocations.create(
                        {
                            "transaction_type_id": "CUSTOMER_ALLOCATION",
                            "contact_id": owner[pick],
                            "allocated_artefacts": [
                                {"artefact_id": pick, "amount": str(amount)},
                                {"artefact_id": the(note.id), "amount": str(-amount)},
                            ],
                        }
                    )
                    taken[pick] = taken.get(pick, Decimal(0)) + amount
                except UnprocessableEntityError:
                    assert amount == 0  # an allocation of nothing is refused by nothing else
            elif name == "unpay" and payments:
                payment, invoice, amount = payments.pop(first % len(payments))
                sage.contact_payments.delete(payment)
                taken[invoice] -= amount
            elif name == "void" and pick:
                in_ledger.add(pick)
                try:
                    sage.sales_invoices.delete(pick, void_reason="test")
                except UnprocessableEntityError:
                    assert taken.get(pick, Decimal(0)) > 0  # only an invoice with allocations

        entries = list(sage.ledger_entries.list(attributes="all"))
        assert sum(the(e.debit) for e in entries) == sum(the(e.credit) for e in entries)
        owed: dict[str, Decimal] = dict.fromkeys({*owner.values(), *notes.values()}, Decimal(0))
        for key in invoices:
            found = sage.sales_invoices.get(key)
            outstanding = the(found.outstanding_amount)
            assert outstanding >= 0
            if the(found.status).id == "VOID":
                assert outstanding == 0
            else:
                assert outstanding == the(found.total_amount) - taken.get(key, Decimal(0))
            if key in in_ledger:
                owed[owner[key]] += outstanding
            else:  # opening history, untouched: unpaid and outside the ledger
                assert (outstanding, the(found.status).id) == (the(found.total_amount), "UNPAID")
        for key, contact in notes.items():
            owed[contact] -= the(sage.sales_credit_notes.get(key).outstanding_amount)
        for contact, amount in owed.items():
            on_debtors = [e for e in entries if the(e.ledger_account).id == chart.debtors
                          and e.contact and e.contact.id == contact]  # fmt: skip
            in_ledger_balance = sum((the(e.debit) - the(e.credit) for e in on_debtors), Decimal(0))
            assert sage.contacts.get(contact).balance == in_ledger_balance == amount
