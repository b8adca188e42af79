"""What is still owed on an invoice or credit note, its status, and a contact's balance.

Sage's artefact statuses (developer.sage.com/accounting/guides/concepts/artefact_statuses:
"a Sales Invoice can be unpaid, part paid or paid and it is the influence of processing
payments which creates the change in status"; ids as the API filters them with `status_id`):
UNPAID, PART_PAID, PAID, VOID (and DRAFT, which posts nothing); the ids as a public C#
client of the live API spells them (github.com/ledgerscope/SageOneApi, ArtefactStatus.cs).
The status is not writable: "it only changes through payments" (a Sage engineer,
Sage/sageone_api_php_sample#12).

Allocations (a receipt's or payment's `allocated_artefacts`, or a contact allocation's) settle
artefacts of the payment's contact and side. An allocation's amount is read by its size: it
settles that much of the artefact, and counts for the payment with the artefact's direction
(an invoice +, a credit note - on a receipt; the other way round on a refund). No artefact is
settled past what it has outstanding: outstanding never goes below zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._money import ZERO, BookError, Problem, cents, decimal_of, wire

DRAFT, UNPAID, PART_PAID, PAID, VOID = "DRAFT", "UNPAID", "PART_PAID", "PAID", "VOID"
STATUS_NAMES = {
    DRAFT: "Draft",
    UNPAID: "Unpaid",
    PART_PAID: "Part Paid",
    PAID: "Paid",
    VOID: "Void",
}


@dataclass(frozen=True)
class Artefact:
    """What settlement needs of an invoice or credit note."""

    id: str
    side: str  # "sales" or "purchase"
    sign: int  # +1 an invoice, -1 a credit note
    contact_id: str | None
    total: Decimal
    outstanding: Decimal
    void: bool = False


@dataclass(frozen=True)
class Allocation:
    artefact_id: str
    amount: Decimal  # settled, never negative
    discount: Decimal
    signed: Decimal  # what it counts for the payment: + settles toward it, - offsets
    signed_discount: Decimal = ZERO  # the discount x the artefact's sign (how it posts)


def status_of(total: Decimal, outstanding: Decimal, void: bool = False) -> str:
    if void:
        return VOID
    if outstanding <= 0:
        return PAID
    return UNPAID if outstanding >= total else PART_PAID


def settled_fields(
    total: Decimal,
    allocated: Iterable[tuple[Decimal, Decimal]],
    exchange_rate: Decimal,
    void: bool = False,
) -> dict[str, Any]:
    """The fields an artefact shows after allocations of (amount, discount)."""
    pairs = list(allocated)
    paid = sum((amount for amount, _ in pairs), ZERO)
    discount = sum((d for _, d in pairs), ZERO)
    outstanding = ZERO if void else total - paid - discount
    status = status_of(total, outstanding, void)
    return {
        "total_paid": wire(paid),
        "payments_allocations_total_amount": wire(paid),
        "payments_allocations_total_discount": wire(discount),
        "outstanding_amount": wire(outstanding),
        "base_currency_outstanding_amount": wire(cents(outstanding / exchange_rate)),
        "status": {
            "id": status,
            "displayed_as": STATUS_NAMES[status],
            "$path": f"/artefact_statuses/{status}",
        },
    }


def read_allocations(
    items: Any,
    artefacts: Mapping[str, Artefact],
    *,
    contact_id: str | None,
    side: str,
    direction: int,
    key: str = "allocated_artefacts",
) -> list[Allocation]:
    """A body's allocations checked against the artefacts they name.

    `direction` is +1 when the allocation settles invoices (a receipt or a payment) and -1
    when it settles credit notes (a refund). Problems are 422s naming the item."""
    if items in (None, ""):
        return []
    if not isinstance(items, list):
        raise BookError.one("RecordInvalid", "must be a list", key)
    problems: list[Problem] = []
    allocations: list[Allocation] = []
    taken: dict[str, Decimal] = {}
    for index, item in enumerate(items):
        source = f"{key}[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem("RecordInvalid", "must be an object", source))
            continue
        artefact_id = item.get("artefact_id") or (item.get("artefact") or {}).get("id")
        artefact = artefacts.get(str(artefact_id)) if artefact_id else None
        if artefact is None:
            problems.append(
                Problem("RecordInvalid", "Couldn't find Artefact.", f"{source}.artefact_id")
            )
            continue
        amount = abs(cents(decimal_of(item.get("amount"), f"{source}.amount")))
        discount = abs(cents(decimal_of(item.get("discount"), f"{source}.discount", ZERO)))
        problem = _refusal(
            artefact, contact_id, side, amount + discount + taken.get(artefact.id, ZERO)
        )
        if problem:
            problems.append(Problem("RecordInvalid", problem, f"{source}.amount"))
            continue
        taken[artefact.id] = taken.get(artefact.id, ZERO) + amount + discount
        allocations.append(
            Allocation(
                artefact.id,
                amount,
                discount,
                direction * artefact.sign * amount,
                artefact.sign * discount,
            )
        )
    if problems:
        raise BookError(problems)
    return allocations


def check_payment_covers(allocations: list[Allocation], total: Decimal) -> None:
    """A payment settles at most its total; what is left of it stays on the contact's account."""
    used = sum((a.signed for a in allocations), ZERO)
    if used > total:
        message = f"The allocated amounts ({used}) exceed the payment's total ({total})"
        raise BookError.one("RecordInvalid", message, "allocated_artefacts")
    if used < 0:
        message = "The allocations leave the payment with a negative amount"
        raise BookError.one("RecordInvalid", message, "allocated_artefacts")


def check_allocation_balances(allocations: list[Allocation]) -> None:
    """A contact allocation moves no money: what it settles on one side it takes from the other."""
    used = sum((a.signed for a in allocations), ZERO)
    if used != 0:
        message = f"The allocated amounts must add up to zero (they add up to {used})"
        raise BookError.one("RecordInvalid", message, "allocated_artefacts")


def contact_balance(
    entries: Iterable[Mapping[str, Any]], contact_id: str, controls: Iterable[str]
) -> Decimal:
    """What a contact owes (positive) or is owed (negative) on the control accounts, in base
    currency: debits less credits of the entries that name it (a supplier we owe shows negative)."""
    accounts = set(controls)
    balance = ZERO
    for entry in entries:
        if entry.get("deleted") or entry.get("contact_id") != contact_id:
            continue
        if entry.get("ledger_account_id") in accounts:
            balance += Decimal(str(entry.get("debit") or 0)) - Decimal(
                str(entry.get("credit") or 0)
            )
    return balance


def _refusal(artefact: Artefact, contact_id: str | None, side: str, wanted: Decimal) -> str:
    if artefact.void:
        return "can't be allocated to a void artefact"
    if artefact.side != side:
        return f"can't settle a {artefact.side} artefact"
    if contact_id is not None and artefact.contact_id not in (None, contact_id):
        return "belongs to another contact"
    if wanted > artefact.outstanding:
        return f"exceeds the outstanding amount ({artefact.outstanding})"
    return ""
