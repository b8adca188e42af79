"""One business's books: each create, update, void or delete of a document, payment,
allocation or journal, worked out before the store keeps it.

The store keeps the records; the book keeps only what it must look up fast: the artefacts it
has seen with what is allocated to each, and what each record posted (to reverse it). A write
is two steps, so nothing changes when the books refuse it: `prepare` checks and computes
(raising `BookError`, a 422), the store writes the prepared body under its new id, and
`commit` records it and answers the `Effects`: the postings to keep as transactions and
ledger entries, and the fields to set on other records (an invoice a receipt settled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ._amounts import (
    Line,
    RateLookup,
    document_amounts,
    exchange_rate_of,
    payment_line_amounts,
    quick_entry_amounts,
    ref_id,
)
from ._kinds import (
    CONTACT_ALLOCATIONS,
    CONTACT_PAYMENTS,
    DOCUMENTS,
    JOURNALS,
    OTHER_PAYMENTS,
    QUICK_ENTRIES,
    quick_entry_kind,
)
from ._ledger import (
    ArtefactKind,
    Controls,
    Posting,
    payment_side,
    post_artefact,
    post_contact_payment,
    post_discounts,
    post_journal,
    post_other_payment,
    reverse,
)
from ._money import ZERO, BookError, cents, decimal_of
from ._settlement import (
    Allocation,
    Artefact,
    check_allocation_balances,
    check_payment_covers,
    read_allocations,
    settled_fields,
)

BankLedger = Callable[[str], "str | None"]  # a bank account's ledger account id, None: unknown
Origin = tuple[str, str]  # (collection, key) of the record a posting belongs to


@dataclass
class _Held:
    """An invoice or credit note the book knows, with what is allocated to it, by origin."""

    collection: str
    kind: ArtefactKind
    contact_id: str | None
    total: Decimal
    exchange_rate: Decimal
    void: bool = False
    allocated: dict[Origin, tuple[Decimal, Decimal]] = field(default_factory=dict)

    def outstanding(self, ignoring: Origin | None = None) -> Decimal:
        taken = sum((a + d for o, (a, d) in self.allocated.items() if o != ignoring), ZERO)
        return ZERO if self.void else self.total - taken


@dataclass(frozen=True)
class Prepared:
    collection: str
    body: dict[str, Any]  # the body to store, computed fields replaced
    postings: tuple[Posting, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    artefact: _Held | None = None


@dataclass
class Effects:
    postings: list[tuple[Posting, Origin]] = field(default_factory=list)
    updates: dict[Origin, dict[str, Any]] = field(default_factory=dict)


class Book:
    def __init__(self, controls: Controls, rates: RateLookup, bank_ledger: BankLedger) -> None:
        self.controls = controls
        self.rates = rates
        self.bank_ledger = bank_ledger
        self._artefacts: dict[str, _Held] = {}
        self._posted: dict[Origin, list[Posting]] = {}
        self._settles: dict[Origin, set[str]] = {}  # what each payment or allocation settles

    # --- writes ------------------------------------------------------------------------------

    def prepare(self, collection: str, body: dict[str, Any], key: str | None = None) -> Prepared:
        """Check and compute a create (`key` None) or an update of the record `key`, whose
        `body` is the stored record with the request's fields written over it."""
        origin = (collection, key or "")
        if collection in DOCUMENTS:
            return self._document(collection, body, key)
        if collection in QUICK_ENTRIES:
            computed, lines = quick_entry_amounts(body, self.rates)
            kind = quick_entry_kind(QUICK_ENTRIES[collection], ref_id(body, "quick_entry_type"))
            return self._artefact(collection, computed, lines, kind, key)
        if collection == CONTACT_PAYMENTS:
            side, into_bank = payment_side(body)
            allocations = self._allocations(
                body, side, into_bank * (1 if side == "sales" else -1), origin
            )
            total = cents(decimal_of(body.get("total_amount"), "total_amount"))
            check_payment_covers(allocations, total)
            posting = post_contact_payment(body, self._bank(body), self.controls, allocations)
            return Prepared(collection, body, (posting,), tuple(allocations))
        if collection == CONTACT_ALLOCATIONS:
            type_id = ref_id(body, "transaction_type") or ""
            side = "purchase" if type_id.startswith("VENDOR") else "sales"
            allocations = self._allocations(body, side, 1, origin)
            check_allocation_balances(allocations)
            discounts = post_discounts(type_id, body, side, allocations, self.controls)
            return Prepared(collection, body, discounts, tuple(allocations))
        if collection == OTHER_PAYMENTS:
            computed, lines = payment_line_amounts(body, self.rates)
            posting = post_other_payment(computed, lines, self._bank(body), self.controls)
            return Prepared(collection, computed, (posting,))
        if collection == JOURNALS:
            return Prepared(collection, body, (post_journal(body),))
        return Prepared(collection, body)

    def commit(self, prepared: Prepared, key: str) -> Effects:
        """Record a prepared write stored under `key`: reverse what the record posted before,
        post anew, and move the outstanding amounts of the artefacts it settles."""
        origin = (prepared.collection, key)
        effects = self._unpost(origin)
        touched = self._release(origin)
        for posting in prepared.postings:
            self._posted.setdefault(origin, []).append(posting)
            effects.postings.append((posting, origin))
        for allocation in prepared.allocations:
            if not allocation.amount and not allocation.discount:
                continue  # settles nothing, so nothing to give back later
            held = self._artefacts[allocation.artefact_id]
            amount, discount = held.allocated.get(origin, (ZERO, ZERO))
            held.allocated[origin] = (amount + allocation.amount, discount + allocation.discount)
            self._settles.setdefault(origin, set()).add(allocation.artefact_id)
            touched.add(allocation.artefact_id)
        if prepared.artefact is not None:
            known = self._artefacts.get(key)
            if known is not None:
                prepared.artefact.allocated = known.allocated
            self._artefacts[key] = prepared.artefact
            touched.add(key)
        for artefact_id in touched:
            effects.updates[(self._artefacts[artefact_id].collection, artefact_id)] = self.settled(
                artefact_id
            )
        return effects

    def void(self, collection: str, key: str, date: str) -> Effects:
        """Void an invoice or credit note: its postings reversed, nothing left outstanding."""
        held = self._artefacts.get(key)
        if held is None:
            return Effects()
        if held.allocated:
            message = "can't be voided while payments or credit notes are allocated to it"
            raise BookError.one("RecordInvalid", message, "void_reason")
        effects = self._unpost((collection, key), date)
        held.void = True
        effects.updates[(collection, key)] = self.settled(key)
        return effects

    def remove(self, collection: str, key: str, date: str) -> Effects:
        """Delete a payment, allocation, journal or quick entry: reverse its postings and give
        back what it allocated."""
        origin = (collection, key)
        held = self._artefacts.get(key)
        if held is not None and held.allocated:
            message = "can't be deleted while payments or credit notes are allocated to it"
            raise BookError.one("RecordInvalid", message, "id")
        effects = self._unpost(origin, date)
        for artefact_id in self._release(origin):
            effects.updates[(self._artefacts[artefact_id].collection, artefact_id)] = self.settled(
                artefact_id
            )
        self._artefacts.pop(key, None)
        return effects

    # --- reads -------------------------------------------------------------------------------

    def settled(self, artefact_id: str) -> dict[str, Any]:
        held = self._artefacts[artefact_id]
        return settled_fields(held.total, held.allocated.values(), held.exchange_rate, held.void)

    def outstanding(self, artefact_id: str) -> Decimal | None:
        held = self._artefacts.get(artefact_id)
        return None if held is None else held.outstanding()

    def posted(self, collection: str, key: str) -> list[Posting]:
        return list(self._posted.get((collection, key), ()))

    # --- internals ---------------------------------------------------------------------------

    def _document(self, collection: str, body: dict[str, Any], key: str | None) -> Prepared:
        document = DOCUMENTS[collection]
        computed, lines = document_amounts(body, document.lines_key, self.rates)
        if document.kind is None:
            return Prepared(collection, computed)
        return self._artefact(collection, computed, lines, document.kind, key)

    def _artefact(
        self,
        collection: str,
        computed: dict[str, Any],
        lines: list[Line],
        kind: ArtefactKind,
        key: str | None,
    ) -> Prepared:
        total = decimal_of(computed["total_amount"], "total_amount")
        held = _Held(
            collection, kind, ref_id(computed, "contact"), total, exchange_rate_of(computed)
        )
        known = self._artefacts.get(key) if key else None
        if known is not None:
            allocated = sum((a + d for a, d in known.allocated.values()), ZERO)
            if total < allocated:
                message = f"can't be less than what is already allocated to it ({allocated})"
                raise BookError.one("RecordInvalid", message, "total_amount")
            held.void = known.void
        posting = post_artefact(kind, computed, lines, self.controls)
        computed.update(
            settled_fields(total, known.allocated.values() if known else (), held.exchange_rate)
        )
        return Prepared(collection, computed, (posting,), (), held)

    def _allocations(
        self, body: dict[str, Any], side: str, direction: int, origin: Origin
    ) -> list[Allocation]:
        items = body.get("allocated_artefacts")
        named = {
            str(item.get("artefact_id"))
            for item in (items if isinstance(items, list) else ())
            if isinstance(item, dict)
        }
        views = {
            key: Artefact(
                key,
                held.kind.side,
                held.kind.sign,
                held.contact_id,
                held.total,
                held.outstanding(origin),
                held.void,
            )
            for key, held in self._artefacts.items()
            if key in named
        }
        return read_allocations(
            body.get("allocated_artefacts"),
            views,
            contact_id=ref_id(body, "contact"),
            side=side,
            direction=direction,
        )

    def _bank(self, body: dict[str, Any]) -> str:
        bank_id = ref_id(body, "bank_account")
        ledger = self.bank_ledger(bank_id) if bank_id else None
        if ledger is None:
            raise BookError.one("RecordInvalid", "Couldn't find Bank Account.", "bank_account_id")
        return ledger

    def _unpost(self, origin: Origin, date: str | None = None) -> Effects:
        effects = Effects()
        for posting in self._posted.pop(origin, []):
            effects.postings.append((reverse(posting, date), origin))
        return effects

    def _release(self, origin: Origin) -> set[str]:
        released = set()
        for artefact_id in self._settles.pop(origin, set()):
            held = self._artefacts.get(artefact_id)
            if held is not None and held.allocated.pop(origin, None) is not None:
                released.add(artefact_id)
        return released
