"""Posting rules: which ledger accounts each document debits and credits, in base currency.

Double entry as Sage's ledgers keep it (the account names are Sage's defaults for a GB
business; the ids come from the business's chart through `Controls`):
- sales invoice: debit Debtors Control (the total), credit each line's sales account (its
  net) and Sales Tax Control (the tax); a sales credit note posts the same reversed.
- purchase invoice: debit each line's purchase/expense account and Purchase Tax Control,
  credit Creditors Control; a purchase credit note reversed.
- customer receipt: debit the bank's ledger account, credit Debtors Control; a vendor
  payment debits Creditors Control and credits the bank; refunds go the other way.
- other receipt/payment: bank against each line's account and the tax control, no contact
  control account (no invoice is settled).
- a discount on an allocation (`allocated_artefacts[].discount`): settles the artefact
  without money, so it posts as Sage posts a Sales Discount (SD) or Purchase Discount (PD)
  transaction: debit Discounts Allowed (`SALES_DISCOUNT`), credit Debtors Control for a
  customer; debit Creditors Control, credit Discounts Taken (`PURCHASE_DISCOUNT`) for a
  supplier. No tax is adjusted (Sage's "discount inc. VAT" option is not in the v3.1 API).
  Source: Sage's "Post a sales or purchase discount" (gb-kb.sage.com, k2dockey
  200427112205977: "The Sales Receipt (SR) and Sales Discount (SD) transactions post to the
  customer's account"); the accounts are the chart's discount control accounts. The entries
  go in the payment's own transaction (the API has no discount transaction type).
- journal: its lines as given, refused unless they balance.
- a void or a deletion posts the reversal of what was posted (`reverse`), so every
  business's debits equal its credits after any sequence of operations.
Every posting is built balanced and `Posting.__post_init__` refuses one that is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ._amounts import Line, ref_id
from ._money import ZERO, BookError, cents, decimal_of
from ._settlement import Allocation

SALES, PURCHASE = "sales", "purchase"


@dataclass(frozen=True)
class Controls:
    """The business's control accounts (ledger account ids) postings go to."""

    debtors: str
    creditors: str
    sales_tax: str
    purchase_tax: str
    sales: str  # the default sales account: where a sales document's shipping goes
    purchases: str  # the default purchases account: a purchase document's shipping
    sales_discount: str | None = None  # discounts allowed (None: the sales account)
    purchase_discount: str | None = None  # discounts taken (None: the purchases account)


@dataclass(frozen=True)
class Entry:
    ledger_account_id: str
    debit: Decimal
    credit: Decimal
    contact_id: str | None = None
    tax_rate_id: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Posting:
    """A transaction: its type (Sage's transaction type id) and entries that balance."""

    transaction_type_id: str
    date: str
    reference: str
    contact_id: str | None
    entries: tuple[Entry, ...]
    total_in_transaction_currency: Decimal | None = None
    deleted: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if self.debits != self.credits:
            raise ValueError(f"unbalanced posting: {self.debits} != {self.credits}")

    @property
    def debits(self) -> Decimal:
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((e.credit for e in self.entries), ZERO)

    @property
    def total(self) -> Decimal:
        """The transaction's total in base currency (its debits)."""
        return self.debits


@dataclass(frozen=True)
class ArtefactKind:
    """How one kind of invoice or credit note posts."""

    side: str  # SALES or PURCHASE
    sign: int  # +1 an invoice (the contact owes more), -1 a credit note
    transaction_type_id: str


def _entry(account: str, amount: Decimal, **details: Any) -> Entry:
    """A debit for a positive amount, a credit for a negative one."""
    if amount >= 0:
        return Entry(account, amount, ZERO, **details)
    return Entry(account, ZERO, -amount, **details)


def _posting(
    type_id: str,
    document: dict[str, Any],
    contact_id: str | None,
    entries: Iterable[Entry],
    in_currency: Decimal | None,
) -> Posting:
    kept = tuple(e for e in entries if e.debit or e.credit)
    return Posting(
        transaction_type_id=type_id,
        date=str(document.get("date") or ""),
        reference=str(document.get("reference") or ""),
        contact_id=contact_id,
        entries=kept,
        total_in_transaction_currency=in_currency,
    )


def post_artefact(
    kind: ArtefactKind, document: dict[str, Any], lines: list[Line], controls: Controls
) -> Posting:
    """An invoice's, credit note's or quick entry's posting (lines as `_amounts` made them)."""
    contact = ref_id(document, "contact")
    # The side of the books the lines go to: sales lines are credited for an invoice.
    line_sign = -kind.sign if kind.side == SALES else kind.sign
    control = controls.debtors if kind.side == SALES else controls.creditors
    tax_control = controls.sales_tax if kind.side == SALES else controls.purchase_tax
    default = controls.sales if kind.side == SALES else controls.purchases
    entries: list[Entry] = []
    for line in lines:
        account = line.ledger_account_id or default
        entries.append(_entry(account, line_sign * line.base_net, tax_rate_id=line.tax_rate_id))
        entries.append(_entry(tax_control, line_sign * line.base_tax, tax_rate_id=line.tax_rate_id))
    base_total = sum((line.base_total for line in lines), ZERO)
    entries.insert(0, _entry(control, -line_sign * base_total, contact_id=contact))
    in_currency = sum((line.total for line in lines), ZERO)
    return _posting(kind.transaction_type_id, document, contact, entries, in_currency)


# transaction type: (side, +1 when money comes into the bank)
CONTACT_PAYMENT_TYPES = {
    "CUSTOMER_RECEIPT": (SALES, 1),
    "CUSTOMER_REFUND": (SALES, -1),
    "VENDOR_PAYMENT": (PURCHASE, -1),
    "VENDOR_REFUND": (PURCHASE, 1),
}
OTHER_PAYMENT_TYPES = {"OTHER_RECEIPT": 1, "OTHER_PAYMENT": -1}


def payment_side(payment: dict[str, Any]) -> tuple[str, int]:
    type_id = ref_id(payment, "transaction_type") or ""
    found = CONTACT_PAYMENT_TYPES.get(type_id)
    if found is None:
        known = ", ".join(CONTACT_PAYMENT_TYPES)
        raise BookError.one("RecordInvalid", f"must be one of {known}", "transaction_type_id")
    return found


def base_amount(document: dict[str, Any], name: str = "total_amount") -> Decimal:
    rate = decimal_of(document.get("exchange_rate"), "exchange_rate", Decimal(1))
    return cents(decimal_of(document.get(name), name) / rate)


def post_contact_payment(
    payment: dict[str, Any],
    bank_ledger: str,
    controls: Controls,
    allocations: Iterable[Allocation] = (),
) -> Posting:
    side, into_bank = payment_side(payment)
    contact = ref_id(payment, "contact")
    control = controls.debtors if side == SALES else controls.creditors
    amount = base_amount(payment)
    entries = [
        _entry(bank_ledger, into_bank * amount),
        _entry(control, -into_bank * amount, contact_id=contact),
        *_discount_entries(payment, side, allocations, controls),
    ]
    in_currency = cents(decimal_of(payment.get("total_amount"), "total_amount"))
    type_id = ref_id(payment, "transaction_type") or ""
    return _posting(type_id, payment, contact, entries, in_currency)


def _discount_entries(
    document: dict[str, Any], side: str, allocations: Iterable[Allocation], controls: Controls
) -> list[Entry]:
    """The discounts given on allocations, in base currency (see the module's rules)."""
    signed = sum((a.signed_discount for a in allocations), ZERO)
    rate = decimal_of(document.get("exchange_rate"), "exchange_rate", Decimal(1))
    discount = cents(signed / rate)
    contact = ref_id(document, "contact")
    if side == SALES:
        account = controls.sales_discount or controls.sales
        return [_entry(account, discount), _entry(controls.debtors, -discount, contact_id=contact)]
    account = controls.purchase_discount or controls.purchases
    return [_entry(controls.creditors, discount, contact_id=contact), _entry(account, -discount)]


def post_discounts(
    type_id: str,
    allocation: dict[str, Any],
    side: str,
    allocations: Iterable[Allocation],
    controls: Controls,
) -> tuple[Posting, ...]:
    """A contact allocation's posting: only its discounts move the ledger (none: nothing)."""
    entries = _discount_entries(allocation, side, allocations, controls)
    if not any(e.debit or e.credit for e in entries):
        return ()
    contact = ref_id(allocation, "contact")
    return (_posting(type_id, allocation, contact, entries, None),)


def post_other_payment(
    payment: dict[str, Any], lines: list[Line], bank_ledger: str, controls: Controls
) -> Posting:
    type_id = ref_id(payment, "transaction_type") or ""
    into_bank = OTHER_PAYMENT_TYPES.get(type_id)
    if into_bank is None:
        known = ", ".join(OTHER_PAYMENT_TYPES)
        raise BookError.one("RecordInvalid", f"must be one of {known}", "transaction_type_id")
    tax_control = controls.sales_tax if into_bank > 0 else controls.purchase_tax
    entries: list[Entry] = []
    for line in lines:
        account = line.ledger_account_id or (
            controls.sales if into_bank > 0 else controls.purchases
        )
        entries.append(_entry(account, -into_bank * line.base_net, tax_rate_id=line.tax_rate_id))
        entries.append(_entry(tax_control, -into_bank * line.base_tax))
    base_total = sum((line.base_total for line in lines), ZERO)
    entries.insert(0, _entry(bank_ledger, into_bank * base_total))
    in_currency = sum((line.total for line in lines), ZERO)
    return _posting(type_id, payment, ref_id(payment, "contact"), entries, in_currency)


def post_journal(journal: dict[str, Any]) -> Posting:
    """A journal's lines as given; Sage refuses a journal whose debits and credits differ."""
    lines = journal.get("journal_lines")
    if not isinstance(lines, list) or len(lines) < 2:
        raise BookError.one("RecordInvalid", "must have at least two lines", "journal_lines")
    entries: list[Entry] = []
    for index, line in enumerate(lines):
        source = f"journal_lines[{index}]"
        debit = cents(decimal_of(line.get("debit"), f"{source}.debit", ZERO))
        credit = cents(decimal_of(line.get("credit"), f"{source}.credit", ZERO))
        if debit < 0 or credit < 0 or (debit and credit):
            message = "must be a debit or a credit, not both, and not negative"
            raise BookError.one("RecordInvalid", message, f"{source}.debit")
        account = ref_id(line, "ledger_account")
        if account is None:
            raise BookError.one("RecordInvalid", "can't be blank", f"{source}.ledger_account_id")
        entries.append(Entry(account, debit, credit, description=str(line.get("details") or "")))
    debits = sum((e.debit for e in entries), ZERO)
    credits = sum((e.credit for e in entries), ZERO)
    if debits != credits:
        message = f"The journal does not balance: debits {debits}, credits {credits}"
        raise BookError.one("RecordInvalid", message, "journal_lines")
    return _posting("JOURNAL", journal, None, entries, debits)


def reverse(posting: Posting, date: str | None = None) -> Posting:
    """What undoes `posting`: every debit a credit and every credit a debit."""
    flipped = tuple(replace(e, debit=e.credit, credit=e.debit) for e in posting.entries)
    return replace(posting, entries=flipped, date=date or posting.date)
