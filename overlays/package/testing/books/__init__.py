"""The emulator's books: the accounting rules, as plain functions over plain dicts.

Amounts (`_amounts`), the posting rules (`_ledger`), settlement and statuses (`_settlement`)
and the references a body names (`_references`). Decimal only; nothing here knows the store
or the HTTP layer: `_store.py` / `_api.py` call in and keep the records.
"""

from __future__ import annotations

from ._amounts import (
    Line,
    RateLookup,
    document_amounts,
    line_amounts,
    payment_line_amounts,
    quick_entry_amounts,
    ref_id,
)
from ._ledger import (
    ArtefactKind,
    Controls,
    Entry,
    Posting,
    post_artefact,
    post_contact_payment,
    post_journal,
    post_other_payment,
    reverse,
)
from ._money import BookError, Problem, cents
from ._rates import percentage_on
from ._references import Reference, check_references, missing, references
from ._settlement import (
    Allocation,
    Artefact,
    check_allocation_balances,
    check_payment_covers,
    contact_balance,
    read_allocations,
    settled_fields,
    status_of,
)

__all__ = [
    "Allocation",
    "Artefact",
    "ArtefactKind",
    "BookError",
    "Controls",
    "Entry",
    "Line",
    "Posting",
    "Problem",
    "RateLookup",
    "Reference",
    "cents",
    "check_allocation_balances",
    "check_payment_covers",
    "check_references",
    "contact_balance",
    "document_amounts",
    "line_amounts",
    "missing",
    "payment_line_amounts",
    "percentage_on",
    "post_artefact",
    "post_contact_payment",
    "post_journal",
    "post_other_payment",
    "quick_entry_amounts",
    "read_allocations",
    "ref_id",
    "references",
    "reverse",
    "settled_fields",
    "status_of",
]
