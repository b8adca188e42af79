"""Which businesses a sync reads (`businesses="all"`, a list of ids, or the client's own), what
is known of each (name, country, edition), and which collections their edition is offered."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..types import Unset
from ._source import Business, Offered
from ._table import SyncError

if TYPE_CHECKING:
    from .. import SageAccounting

ALL = "all"
_EDITIONS = ("plus", "standard", "start")


def chosen_businesses(sage: SageAccounting, businesses: str | Sequence[str] | None) -> list[Business]:
    """`None`: the client's business (the lead one, asked for, when it names none); `"all"`:
    every business the login reaches (GET /businesses); else those ids, each one it reaches."""
    if businesses is None:
        if sage.business_id is not None:
            return [Business(sage.business_id)]
        return [business_of(sage.lead_business())]
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
    name = _text(getattr(model, "name", None)) or ""
    country = getattr(model, "country", None)
    code = _text(getattr(country, "id", None))
    return Business(
        id=str(model.id),
        name=name,
        country=code.upper() if code else None,
        edition=_edition(getattr(model, "subscriptions", None)),
    )


def _edition(subscriptions: Any) -> str | None:
    """The edition an active subscription names (`Accounting Plus`, ...), None if none does."""
    if not isinstance(subscriptions, list):
        return None
    for subscription in subscriptions:
        if getattr(subscription, "active", None) is False:
            continue
        words = " ".join(
            _text(getattr(subscription, attribute, None)) or ""
            for attribute in ("id", "displayed_as", "status")
        ).lower()
        for edition in _EDITIONS:
            if edition in words:
                return edition
    return None


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, Unset) else str(value)


def availability() -> Offered | None:
    """`sage_accounting.availability.offered`, when the package has the table (None if not)."""
    try:
        module = importlib.import_module("sage_accounting.availability")
    except ImportError:
        return None
    offered: Offered | None = getattr(module, "offered", None)
    return offered
