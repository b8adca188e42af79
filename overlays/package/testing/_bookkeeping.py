"""The seam between the API and the books: each business's `books.Book`, fed from the store.

The books keep a business whose chart has the control accounts (ledger accounts with
`control_name` DEBTORS, CREDITORS, SALES_TAX, PURCHASE_TAX, SALES and PURCHASES): every new
business of Sage's reference data (testing/data/) has them. For such a business a write:
1. names only records the business holds (`check`: a 422 naming each field that does not),
2. is computed by the books (`prepare`: amounts replaced, or a 422),
3. is stored, then `commit` keeps its postings as `transactions` and `ledger_entries`, and
   writes what moved onto the records it touched (invoices' outstanding amounts and status,
   ledger accounts' and contacts' balances), so their `updated_at` moves and change tracking
   (`updated_or_created_since`) finds them.
Seeded documents (`fake.seed`, made to add up by `_seeded.py`) are opening history, not in
the ledger: the books adopt one (post it as on its date) when a write first uses it.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from . import _reference as reference
from ._http import Response, sage_errors
from ._store import Business, Record, Store
from .books import BookError, Controls, Entry, Posting, Problem, missing
from .books._book import Book, Effects, Prepared
from .books._kinds import ARTEFACT_COLLECTIONS, DOCUMENTS, KEPT
from .books._money import ZERO, wire

_CONTROLS = ("DEBTORS", "CREDITORS", "SALES_TAX", "PURCHASE_TAX", "SALES", "PURCHASES")
_DISCOUNTS = ("SALES_DISCOUNT", "PURCHASE_DISCOUNT")  # optional: else the sales or purchases one
#: Collections whose DELETE voids (the spec: "Voids a Sales Invoice"), keeping the record.
VOIDED_BY_DELETE = frozenset({"sales_invoices", "sales_credit_notes", "sales_corrective_invoices"})


class Bookkeeping:
    """The books of every business of one store (the store's lock guards them too)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock: threading.RLock = store.lock
        self._books: dict[str, Book] = {}
        self._balances: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
        self._used: dict[str, set[tuple[str, str]]] = {}

    def book(self, business: Business) -> Book | None:
        """The business's book, made once its chart has every control account."""
        with self.lock:
            found = self._books.get(business.id)
            if found is None:
                controls = self._controls(business)
                if controls is None:
                    return None
                found = Book(
                    controls,
                    lambda key: self._data(business, "tax_rates", key),
                    lambda key: _link_id(
                        (self._data(business, "bank_accounts", key) or {}).get("ledger_account")
                    ),
                )
                self._books[business.id] = found
            return found

    # --- the steps of a write ------------------------------------------------------------------

    def write(
        self,
        business: Business,
        collection: str,
        fields: dict[str, Any],
        record: Record | None = None,
    ) -> Record:
        """Store a create (`record` None) or an update as the books make it (`BookError`: a 422,
        and nothing is stored)."""
        with self.lock:
            prepared = self.keep(business, collection, fields, record)
            body = fields if prepared is None else prepared.body
            if record is None:
                record = self.store.create(business, collection, body)
            else:
                self.store.update(business, record, body)
            if prepared is not None:
                self.commit(business, prepared, record)
            return record

    def keep(
        self, business: Business, collection: str, fields: dict[str, Any], record: Record | None
    ) -> Prepared | None:
        """What the books make of a create (`record` None) or an update: None when they keep
        nothing of it; `BookError` (a 422) for a reference to a record the business lacks or a
        document they refuse."""
        problems = self.check(business, fields)
        if problems:
            raise BookError(problems)
        return self.prepare(business, collection, fields, record)

    def delete(self, business: Business, record: Record, void_reason: str | None) -> bool:
        """Before a DELETE: True when it voids the record in place (an invoice or credit note
        the books keep), else the books let go of it (or refuse with `BookError`)."""
        if record.collection in VOIDED_BY_DELETE and self.void(business, record, void_reason):
            return True
        self.remove(business, record)
        return False

    def check(self, business: Business, body: dict[str, Any]) -> list[Problem]:
        """Every reference of `body` to a record the business does not hold."""
        if self.book(business) is None:
            return []

        from_data = reference.collections(business.country)

        def exists(name: str, key: str) -> bool | None:
            collection = self.store.values.collection_for(name)
            found = self.store.spec.collections.get(collection or "")
            # A read-only collection without a data file holds generated ids no client could
            # know (Sage's real ones are not public): those references are not checked.
            if found is None or (found.create_op is None and found.name not in from_data):
                return None
            return self.store.get(business, found.name, key) is not None

        return missing(body, exists)

    def prepare(
        self,
        business: Business,
        collection: str,
        body: dict[str, Any],
        record: Record | None = None,
    ) -> Prepared | None:
        """The body to store (computed fields replaced), or None when the books keep nothing of
        it; `BookError` when they refuse it. For an update, `body` is the request's fields."""
        book = self.book(business)
        if book is None or collection not in KEPT:
            return None
        self._adopt_named(business, book, body)
        if record is None:
            return book.prepare(collection, body)
        stored = _as_sent(self.store.materialize(business, record), collection)
        return book.prepare(collection, {**stored, **body}, record.id)

    def _adopt_named(self, business: Business, book: Book, body: dict[str, Any]) -> None:
        """Artefacts a body allocates to that the books did not make (seeded ones) are adopted
        first, so a payment can settle them."""
        items = body.get("allocated_artefacts")
        for item in items if isinstance(items, list) else ():
            key = item.get("artefact_id") if isinstance(item, dict) else None
            if not isinstance(key, str) or book.outstanding(key) is not None:
                continue
            for collection in ARTEFACT_COLLECTIONS:
                found = self.store.get(business, collection, key)
                if found is not None:
                    self.adopt(business, book, found)
                    break

    def adopt(self, business: Business, book: Book, record: Record) -> None:
        """Post a seeded invoice, credit note or quick entry as on its date, as it stands (its
        amounts already add up: `_seeded.py`), so the ledger holds what it says is owed."""
        stored = _as_sent(self.store.materialize(business, record), record.collection)
        self.commit(business, book.prepare(record.collection, stored, record.id), record)

    def commit(self, business: Business, prepared: Prepared, record: Record) -> None:
        book = self.book(business)
        assert book is not None
        self._apply(business, book.commit(prepared, record.id), record)

    def void(self, business: Business, record: Record, reason: str | None) -> bool:
        """Void an invoice or credit note in place; False when the books do not keep it."""
        book = self.book(business)
        if book is None or record.collection not in ARTEFACT_COLLECTIONS:
            return False
        if book.outstanding(record.id) is None:
            try:
                self.adopt(business, book, record)
            except BookError:
                return False  # not a document the books can read: deleted as it stands
        effects = book.void(record.collection, record.id, self._today(business, record))
        self._apply(business, effects, record)
        self._write(business, record, {"void_reason": reason or ""})
        return True

    def remove(self, business: Business, record: Record) -> None:
        """Before a record is deleted: reverse its postings, give back its allocations, and
        refuse (a 422) to delete a record that documents or postings use."""
        if self.book(business) is None:
            return
        if (record.collection, record.id) in self._used.get(business.id, set()):
            message = f"{_singular(record.collection)} is in use and can't be deleted"
            raise BookError.one("RecordInvalid", message, "")
        book = self.book(business)
        assert book is not None
        if record.collection in KEPT:
            self._apply(
                business,
                book.remove(record.collection, record.id, self._today(business, record)),
                record,
            )

    def balance(self, business: Business, account_id: str) -> tuple[Decimal, Decimal]:
        with self.lock:
            return self._balances.get((business.id, account_id), (ZERO, ZERO))

    # --- internals ---------------------------------------------------------------------------

    def _controls(self, business: Business) -> Controls | None:
        found: dict[str, str] = {}
        for record in self.store.records(business, "ledger_accounts"):
            name = self.store.materialize(business, record).get("control_name")
            if isinstance(name, str) and name in (*_CONTROLS, *_DISCOUNTS) and name not in found:
                found[name] = record.id
        if any(name not in found for name in _CONTROLS):
            return None
        discounts = (found.get(name) for name in _DISCOUNTS)
        return Controls(*(found[name] for name in _CONTROLS), *discounts)

    def _data(self, business: Business, collection: str, key: str) -> dict[str, Any] | None:
        record = self.store.get(business, collection, key)
        return None if record is None else self.store.materialize(business, record)

    def _today(self, business: Business, record: Record) -> str:
        return str(self.store.materialize(business, record).get("date") or "")

    def _apply(self, business: Business, effects: Effects, origin: Record) -> None:
        with self.lock:
            touched: dict[str, Decimal] = {}
            for posting, _ in effects.postings:
                transaction = self._record_posting(business, posting, origin)
                self._write(business, origin, {"transaction": self.store.summary(transaction)})
                for entry in posting.entries:
                    if entry.contact_id:
                        touched[entry.contact_id] = ZERO
            for (collection, key), fields in effects.updates.items():
                target = self.store.get(business, collection, key)
                if target is not None:
                    self._write(business, target, fields)
            for contact_id in touched:
                self._write_contact_balance(business, contact_id)

    def _record_posting(self, business: Business, posting: Posting, origin: Record) -> Record:
        type_id = posting.transaction_type_id
        fields: dict[str, Any] = {
            "date": posting.date,
            "reference": posting.reference,
            "total": wire(posting.total),
            "deleted": False,
            "transaction_type_id": type_id,
            "contact_id": posting.contact_id,
        }
        if posting.total_in_transaction_currency is not None:
            fields["total_in_transaction_currency"] = wire(posting.total_in_transaction_currency)
        transaction = self.store.create(business, "transactions", fields)
        summary = self.store.summary(origin)
        self._write(
            business,
            transaction,
            {
                "origin": {key: summary[key] for key in ("id", "displayed_as", "$path")},
                "transaction_type": self.store.link(business, "transaction_types", type_id),
            },
        )
        used = self._used.setdefault(business.id, set())
        for entry in posting.entries:
            self.store.create(
                business,
                "ledger_entries",
                {
                    "date": posting.date,
                    "debit": wire(entry.debit),
                    "credit": wire(entry.credit),
                    "ledger_account_id": entry.ledger_account_id,
                    "transaction_id": transaction.id,
                    "contact_id": entry.contact_id,
                    "tax_rate_id": entry.tax_rate_id,
                    "description": entry.description or posting.reference,
                    "deleted": False,
                },
            )
            self._move_balance(business, entry)
            if entry.contact_id:
                self._add(business, f"{entry.ledger_account_id}/{entry.contact_id}", entry)
            used.add(("ledger_accounts", entry.ledger_account_id))
            if entry.contact_id:
                used.add(("contacts", entry.contact_id))
            if entry.tax_rate_id:
                used.add(("tax_rates", entry.tax_rate_id))
        return transaction

    def _add(self, business: Business, key: str, entry: Entry) -> tuple[Decimal, Decimal]:
        debits, credits = self._balances.get((business.id, key), (ZERO, ZERO))
        debits, credits = debits + entry.debit, credits + entry.credit
        self._balances[(business.id, key)] = (debits, credits)
        return debits, credits

    def _move_balance(self, business: Business, entry: Entry) -> None:
        """The account's running debits and credits, shown as its `balance_details`."""
        account_id = entry.ledger_account_id
        debits, credits = self._add(business, account_id, entry)
        account = self.store.get(business, "ledger_accounts", account_id)
        if account is not None:
            net = debits - credits
            details = {
                "balance": wire(abs(net)),
                "credit_or_debit": "debit" if net >= 0 else "credit",
                "debits": wire(debits),
                "credits": wire(credits),
            }
            self._write(business, account, {"balance_details": details})

    def _write_contact_balance(self, business: Business, contact_id: str) -> None:
        contact = self.store.get(business, "contacts", contact_id)
        book = self.book(business)
        if contact is None or book is None:
            return
        controls = (book.controls.debtors, book.controls.creditors)
        balance = sum(
            (self._contact_share(business, contact_id, account) for account in controls), ZERO
        )
        self._write(business, contact, {"balance": wire(balance)})

    def _contact_share(self, business: Business, contact_id: str, account: str) -> Decimal:
        debits, credits = self._balances.get((business.id, f"{account}/{contact_id}"), (ZERO, ZERO))
        return debits - credits

    def _write(self, business: Business, record: Record, fields: dict[str, Any]) -> None:
        """Set computed fields as they are (links, nested objects): the books made them."""
        with self.lock:
            self.store.touch(business, record)
            self.store.materialize(business, record).update(fields)


def _as_sent(data: dict[str, Any], collection: str) -> dict[str, Any]:
    """A stored record in the form a client sends: its lines' links as `x_id`."""
    document = DOCUMENTS.get(collection)
    key = document.lines_key if document else "payment_lines"
    lines = data.get(key)
    if not isinstance(lines, list):
        return dict(data)
    sent = [
        {
            **{k: v for k, v in line.items() if not isinstance(v, dict)},
            **{f"{k}_id": v["id"] for k, v in line.items() if isinstance(v, dict) and "id" in v},
        }
        for line in lines
        if isinstance(line, dict)
    ]
    return {**data, key: sent}


def _link_id(link: Any) -> str | None:
    return str(link["id"]) if isinstance(link, dict) and link.get("id") else None


def _singular(collection: str) -> str:
    name = collection[:-3] + "y" if collection.endswith("ies") else collection.removesuffix("s")
    return " ".join(word.capitalize() for word in name.split("_"))


def refused_response(refused: BookError) -> Response:
    """The 422 Sage answers for what the books refuse: its error list, one entry a problem."""
    return sage_errors(422, [(p.code, p.message, p.source) for p in refused.problems])
