"""Allocations settle invoices and credit notes; status and outstanding follow, never below 0."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sage_accounting.testing.books import (
    Allocation,
    Artefact,
    BookError,
    check_allocation_balances,
    check_payment_covers,
    contact_balance,
    read_allocations,
    settled_fields,
    status_of,
)

INVOICE = Artefact("INV", "sales", 1, "ACME", Decimal("1440.00"), Decimal("1440.00"))
CREDIT = Artefact("CN", "sales", -1, "ACME", Decimal("240.00"), Decimal("240.00"))
BILL = Artefact("BILL", "purchase", 1, "ACME", Decimal("10.00"), Decimal("10.00"))
ARTEFACTS = {a.id: a for a in (INVOICE, CREDIT, BILL)}


def receipt_allocations(*items: dict[str, str]) -> list[Allocation]:
    return read_allocations(list(items), ARTEFACTS, contact_id="ACME", side="sales", direction=1)


def test_status_follows_what_is_outstanding() -> None:
    total = Decimal("100.00")
    assert status_of(total, total) == "UNPAID"
    assert status_of(total, Decimal("0.01")) == "PART_PAID"
    assert status_of(total, Decimal("0.00")) == "PAID"
    assert status_of(total, total, void=True) == "VOID"


def test_a_part_payment_leaves_the_rest_outstanding() -> None:
    fields = settled_fields(Decimal("1440.00"), [(Decimal("400.00"), Decimal("0"))], Decimal(1))

    assert fields["outstanding_amount"] == "1040.00"
    assert fields["total_paid"] == "400.00"
    assert fields["status"]["id"] == "PART_PAID"


def test_a_discount_settles_too() -> None:
    fields = settled_fields(Decimal("100.00"), [(Decimal("98.00"), Decimal("2.00"))], Decimal(1))

    assert (fields["outstanding_amount"], fields["status"]["id"]) == ("0.00", "PAID")


def test_a_foreign_invoice_shows_its_outstanding_in_base_currency_too() -> None:
    fields = settled_fields(Decimal("1200.00"), [(Decimal("200.00"), Decimal(0))], Decimal("1.25"))

    assert fields["base_currency_outstanding_amount"] == "800.00"


def test_a_void_invoice_has_nothing_outstanding() -> None:
    fields = settled_fields(Decimal("1440.00"), [], Decimal(1), void=True)

    assert (fields["outstanding_amount"], fields["status"]["id"]) == ("0.00", "VOID")


def test_a_receipt_may_settle_an_invoice_net_of_a_credit_note() -> None:
    allocations = receipt_allocations(
        {"artefact_id": "INV", "amount": "1440.00"}, {"artefact_id": "CN", "amount": "-240.00"}
    )

    check_payment_covers(allocations, Decimal("1200.00"))
    assert [a.amount for a in allocations] == [Decimal("1440.00"), Decimal("240.00")]


def test_a_receipt_cannot_allocate_more_than_its_total() -> None:
    allocations = receipt_allocations({"artefact_id": "INV", "amount": "500.00"})

    with pytest.raises(BookError) as refused:
        check_payment_covers(allocations, Decimal("499.99"))
    assert refused.value.problems[0].source == "allocated_artefacts"


def test_no_artefact_is_settled_past_its_outstanding_amount() -> None:
    with pytest.raises(BookError) as refused:
        receipt_allocations(
            {"artefact_id": "INV", "amount": "1000.00"}, {"artefact_id": "INV", "amount": "440.01"}
        )

    assert [p.source for p in refused.value.problems] == ["allocated_artefacts[1].amount"]


@pytest.mark.parametrize(
    ("artefact_id", "contact", "message"),
    [
        ("NOPE", "ACME", "Couldn't find Artefact."),
        ("BILL", "ACME", "can't settle a purchase artefact"),
        ("INV", "OTHER", "belongs to another contact"),
    ],
)
def test_an_allocation_must_name_an_artefact_of_the_contact_and_side(
    artefact_id: str, contact: str, message: str
) -> None:
    with pytest.raises(BookError) as refused:
        read_allocations(
            [{"artefact_id": artefact_id, "amount": "1"}],
            ARTEFACTS,
            contact_id=contact,
            side="sales",
            direction=1,
        )

    assert refused.value.problems[0].message == message


def test_a_contact_allocation_must_add_up_to_zero() -> None:
    balanced = receipt_allocations(
        {"artefact_id": "INV", "amount": "240"}, {"artefact_id": "CN", "amount": "-240"}
    )
    check_allocation_balances(balanced)

    with pytest.raises(BookError):
        check_allocation_balances(receipt_allocations({"artefact_id": "INV", "amount": "240"}))


def test_a_contacts_balance_is_what_its_control_entries_leave() -> None:
    entries: list[dict[str, Any]] = [
        {"ledger_account_id": "DEBTORS", "contact_id": "ACME", "debit": "1440.00", "credit": "0"},
        {"ledger_account_id": "SALES", "contact_id": None, "debit": "0", "credit": "1200.00"},
        {"ledger_account_id": "DEBTORS", "contact_id": "ACME", "debit": "0", "credit": "400.00"},
        {
            "ledger_account_id": "DEBTORS",
            "contact_id": "ACME",
            "debit": "0",
            "credit": "9.00",
            "deleted": True,
        },
        {"ledger_account_id": "DEBTORS", "contact_id": "OTHER", "debit": "7.00", "credit": "0"},
    ]

    assert contact_balance(entries, "ACME", ["DEBTORS", "CREDITORS"]) == Decimal("1040.00")
