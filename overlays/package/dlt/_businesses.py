"""Which businesses a sync reads (`businesses="all"`, a list of ids, or the client's own) and
what is known of each: name, and the country and edition that decide its collections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._business import profile_of
from ._table import SyncError
from ._tally import Business

if TYPE_CHECKING:
    from .. import SageAccounting

ALL = "all"


def chosen_businesses(
    sage: SageAccounting, businesses: str | Sequence[str] | None
) -> list[Business]:
    """`None`: the client's business (asked for: its country, edition, or the lead's id); `"all"`:
    every business the login reaches (GET /businesses); else those ids, each one it reaches."""
    if businesses is None:
        if sage.business_id is None:
            return [business_of(sage.lead_business())]
        profile = sage.business_profile()  # its country and edition: what it is offered
        return [Business(sage.business_id, profile.name or "", profile.country, profile.edition)]
    if isinstance(businesses, str) and businesses != ALL:
        raise SyncError(f"businesses={businesses!r}: give 'all' or a list of business ids")
    reached = [business_of(model) for model in sage.list_businesses()]
    if businesses == ALL:
        return reached
    wanted = list(dict.fromkeys(businesses))
    by_id = {business.id: business for business in reached}
    unknown = [key for key in wanted if key not in by_id]
    if unknown:
        known = ", ".join(business.label for business in reached) or "none"
        raise SyncError(
            f"not a business this login reaches: {', '.join(unknown)} (it reaches: {known})"
        )
    return [by_id[key] for key in wanted]


def business_of(model: Any) -> Business:
    """What the sync needs of a `Business` answer: id, name, country code and edition."""
    profile = profile_of(model)
    return Business(
        id=str(model.id),
        name=profile.name or "",
        country=profile.country,
        edition=profile.edition,
    )
