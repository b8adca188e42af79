"""Which collections the books keep, and how each kind of record posts.

Transaction type ids are Sage's (`GET /transaction_types`; the payments guide filters
`contact_payments` by CUSTOMER_RECEIPT, CUSTOMER_REFUND, VENDOR_PAYMENT, VENDOR_REFUND).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._ledger import PURCHASE, SALES, ArtefactKind


@dataclass(frozen=True)
class Document:
    """A collection of documents with lines: where its lines are and how it posts (None:
    a quote or estimate, which has amounts but posts nothing)."""

    lines_key: str
    kind: ArtefactKind | None


DOCUMENTS = {
    "sales_invoices": Document("invoice_lines", ArtefactKind(SALES, 1, "SALES_INVOICE")),
    "sales_credit_notes": Document(
        "credit_note_lines", ArtefactKind(SALES, -1, "SALES_CREDIT_NOTE")
    ),
    "purchase_invoices": Document("invoice_lines", ArtefactKind(PURCHASE, 1, "PURCHASE_INVOICE")),
    "purchase_credit_notes": Document(
        "credit_note_lines", ArtefactKind(PURCHASE, -1, "PURCHASE_CREDIT_NOTE")
    ),
    "sales_quotes": Document("quote_lines", None),
    "sales_estimates": Document("estimate_lines", None),
}

#: Quick entries: one amount each; `quick_entry_type_id` INVOICE or CREDIT_NOTE.
QUICK_ENTRIES = {"sales_quick_entries": SALES, "purchase_quick_entries": PURCHASE}


def quick_entry_kind(side: str, quick_entry_type: str | None) -> ArtefactKind:
    sign = -1 if quick_entry_type == "CREDIT_NOTE" else 1
    prefix = "SALES" if side == SALES else "PURCHASE"
    suffix = "CREDIT_NOTE" if sign < 0 else "INVOICE"
    return ArtefactKind(side, sign, f"{prefix}_QUICK_ENTRY_{suffix}")


#: Collections whose records payments and allocations settle.
ARTEFACT_COLLECTIONS = (
    *(name for name, document in DOCUMENTS.items() if document.kind is not None),
    *QUICK_ENTRIES,
)
CONTACT_PAYMENTS = "contact_payments"
CONTACT_ALLOCATIONS = "contact_allocations"
OTHER_PAYMENTS = "other_payments"
JOURNALS = "journals"

#: Every collection whose creates, updates and deletes go through the books.
KEPT = frozenset(
    {*DOCUMENTS, *QUICK_ENTRIES, CONTACT_PAYMENTS, CONTACT_ALLOCATIONS, OTHER_PAYMENTS, JOURNALS}
)
