"""Seeded documents add up like the ones the books make, and the books take them over the
moment a payment, an allocation or a void uses them (until then they are opening history,
outside the ledger)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from sage_accounting import SageAccounting
from sage_accounting.testing import FakeClock, SageEmulator
from tests.clients import make_client
from tests.testing.books.books_chart import START, open_books, receipt, the

CENT = Decimal("0.01")
LINES = {
    "sales_invoices": "invoice_lines",
    "sales_credit_notes": "credit_note_lines",
    "purchase_invoices": "invoice_lines",
    "purchase_credit_notes": "credit_note_lines",
    "sales_quotes": "quote_lines",
    "sales_estimates": "estimate_lines",
}
QUICK_ENTRIES = ("sales_quick_entries", "purchase_quick_entries")
BASE_CURRENCY = {"GB": "GBP", "IE": "EUR", "CA": "CAD", "US": "USD"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(record: dict[str, Any], name: str) -> Decimal:
    return Decimal(str(record[name]))


def percentage(rates: dict[str, dict[str, Any]], item: dict[str, Any], on: str) -> Decimal:
    """The item's tax rate on the document's date, read from the business's own tax rates."""
    link = item.get("tax_rate")
    if not link:
        return Decimal(0)
    rate = rates[link["id"]]
    for period in rate["percentages"]:
        if (period["from_date"] or "") <= on <= (period["to_date"] or "9999-12-31"):
            return Decimal(period["percentage"])
    return Decimal(rate["percentage"])


def emulator(country: str) -> SageEmulator:
    fake = SageEmulator(seed=3, clock=FakeClock(START, frozen=True), country=country)
    fake.seed("contacts", 4)
    return fake


@pytest.mark.parametrize("country", ["GB", "CA", "US"])
@pytest.mark.parametrize("collection", [*LINES, *QUICK_ENTRIES])
def test_seeded_documents_of_every_kind_add_up(country: str, collection: str) -> None:
    fake = emulator(country)
    rates = {r["id"]: r for r in fake.records("tax_rates")}
    accounts = {r["id"] for r in fake.records("ledger_accounts")}
    foreign = discounted = 0

    for document in fake.seed(collection, 25):
        rate = money(document, "exchange_rate")
        if document["currency"]["id"] == BASE_CURRENCY[country]:
            assert rate == 1
        else:
            assert Decimal("0.5") <= rate <= 2
            foreign += 1
        if collection in QUICK_ENTRIES:
            net = money(document, "net_amount")
            lines = [(net, cents(net * percentage(rates, document, document["date"]) / 100))]
        else:
            seeded_lines = document[LINES[collection]]
            assert all(line["ledger_account"]["id"] in accounts for line in seeded_lines)
            lines = [line_adds_up(line, rates, document["date"], rate) for line in seeded_lines]
            discounted += sum(money(line, "discount_amount") > 0 for line in seeded_lines)
        net = sum((n for n, _ in lines), Decimal(0))
        tax = sum((t for _, t in lines), Decimal(0))
        assert (money(document, "net_amount"), money(document, "tax_amount")) == (net, tax)
        assert money(document, "total_amount") == net + tax
        base = sum((cents(n / rate) + cents(t / rate) for n, t in lines), Decimal(0))
        assert money(document, "base_currency_total_amount") == base
        if collection in ("sales_quotes", "sales_estimates"):
            continue  # quotes and estimates are never owed
        assert money(document, "outstanding_amount") == net + tax
        assert money(document, "base_currency_outstanding_amount") == cents((net + tax) / rate)
        assert document["status"]["id"] == "UNPAID"
        assert "transaction" not in document  # opening history: not in the ledger yet
    assert foreign  # some documents are in another currency: base amounts through the rate
    assert discounted or collection in QUICK_ENTRIES  # and some lines carry a discount
    assert list(fake.records("ledger_entries")) == []


def line_adds_up(
    line: dict[str, Any], rates: dict[str, dict[str, Any]], on: str, rate: Decimal
) -> tuple[Decimal, Decimal]:
    """The line's net and tax as a user works them out: quantity x price, less the discount,
    tax at the rate in force on the document's date, each rounded to the cent."""
    gross = cents(Decimal(line["quantity"]) * Decimal(line["unit_price"]))
    discount = cents(gross * Decimal(line["discount_percentage"] or 0) / 100)
    net = gross - discount
    tax = cents(net * percentage(rates, line, on) / 100)
    assert (money(line, "net_amount"), money(line, "tax_amount")) == (net, tax)
    assert money(line, "total_amount") == net + tax
    assert money(line, "discount_amount") == discount
    assert money(line, "base_currency_net_amount") == cents(net / rate)
    return net, tax


def test_seeding_is_the_same_for_the_same_seed_and_contacts_owe_nothing_yet() -> None:
    first, second = emulator("GB"), emulator("GB")
    assert first.seed("sales_invoices", 5) == second.seed("sales_invoices", 5)
    assert {contact["balance"] for contact in first.records("contacts")} == {"0.00"}


@pytest.fixture
def fake() -> SageEmulator:
    return emulator("GB")


@pytest.fixture
def sage(fake: SageEmulator) -> Iterator[SageAccounting]:
    with make_client(fake) as client:
        yield client


def in_base_currency(fake: SageEmulator, collection: str) -> dict[str, Any]:
    return next(d for d in fake.seed(collection, 10) if d["exchange_rate"] == "1.000000")


def totals(sage: SageAccounting) -> tuple[Decimal, Decimal]:
    entries = list(sage.ledger_entries.list(attributes="all"))
    return sum((the(e.debit) for e in entries), Decimal(0)), sum(
        (the(e.credit) for e in entries), Decimal(0)
    )


def test_a_receipt_against_a_seeded_invoice_settles_it_and_the_ledger_follows(
    fake: SageEmulator, sage: SageAccounting
) -> None:
    chart = open_books(sage)
    seeded = in_base_currency(fake, "sales_invoices")
    total, customer = money(seeded, "total_amount"), seeded["contact"]["id"]
    part = cents(total / 3)

    receipt(sage, chart, customer, seeded["id"], str(part))

    invoice = sage.sales_invoices.get(seeded["id"])
    assert (invoice.outstanding_amount, the(invoice.status).id) == (total - part, "PART_PAID")
    # The ledger now holds the invoice (posted as on its date) and the receipt.
    assert sage.contacts.get(customer).balance == total - part
    details = the(sage.ledger_accounts.get(chart.debtors).balance_details)
    assert (details.debits, details.credits_) == (total, part)
    assert the(invoice.transaction).id
    kinds = {the(t.transaction_type).id for t in sage.transactions.list(attributes="all")}
    assert kinds == {"SALES_INVOICE", "CUSTOMER_RECEIPT"}
    debits, credits = totals(sage)
    assert debits == credits == total + part  # the invoice's posting and the receipt's


def test_a_payment_against_a_seeded_purchase_invoice_pays_it(
    fake: SageEmulator, sage: SageAccounting
) -> None:
    chart = open_books(sage)
    seeded = in_base_currency(fake, "purchase_invoices")
    total, supplier = money(seeded, "total_amount"), seeded["contact"]["id"]

    sage.contact_payments.create(
        {
            "transaction_type_id": "VENDOR_PAYMENT",
            "contact_id": supplier,
            "bank_account_id": chart.bank_account,
            "date": "2026-01-20",
            "total_amount": str(total),
            "allocated_artefacts": [{"artefact_id": seeded["id"], "amount": str(total)}],
        }
    )

    invoice = sage.purchase_invoices.get(seeded["id"])
    assert (invoice.outstanding_amount, the(invoice.status).id) == (Decimal("0.00"), "PAID")
    assert sage.contacts.get(supplier).balance == Decimal("0.00")
    details = the(sage.ledger_accounts.get(chart.creditors).balance_details)
    assert (details.debits, details.credits_) == (total, total)
    debits, credits = totals(sage)
    assert debits == credits


def test_voiding_a_seeded_invoice_posts_it_and_reverses_it(
    fake: SageEmulator, sage: SageAccounting
) -> None:
    open_books(sage)
    seeded = fake.seed("sales_invoices", 1)[0]

    sage.sales_invoices.delete(seeded["id"], void_reason="Raised in error")

    invoice = sage.sales_invoices.get(seeded["id"])
    assert (invoice.outstanding_amount, the(invoice.status).id) == (Decimal("0.00"), "VOID")
    assert sage.contacts.get(seeded["contact"]["id"]).balance == Decimal("0.00")
    debits, credits = totals(sage)
    assert debits == credits == 2 * money(seeded, "base_currency_total_amount")


def test_a_receipt_against_a_seeded_quick_entry_settles_it(
    fake: SageEmulator, sage: SageAccounting
) -> None:
    chart = open_books(sage)
    seeded = next(
        entry
        for entry in fake.seed("sales_quick_entries", 10)
        if entry["exchange_rate"] == "1.000000" and entry["quick_entry_type"]["id"] == "INVOICE"
    )
    total, customer = money(seeded, "total_amount"), seeded["contact"]["id"]

    receipt(sage, chart, customer, seeded["id"], str(total))

    entry = sage.sales_quick_entries.get(seeded["id"])
    assert (entry.outstanding_amount, the(entry.status).id) == (Decimal("0.00"), "PAID")
    assert sage.contacts.get(customer).balance == Decimal("0.00")
    assert balance_of(sage, chart.sales_tax) == money(seeded, "tax_amount")
    debits, credits = totals(sage)
    assert debits == credits == 2 * total


def balance_of(sage: SageAccounting, account: str) -> Decimal:
    """What the account holds on its credit side less its debits (a liability's balance)."""
    details = the(sage.ledger_accounts.get(account).balance_details)
    return the(details.credits_) - the(details.debits)
