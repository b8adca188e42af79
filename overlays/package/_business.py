"""What the client can learn of a business: its country and, where Sage says, its edition.

`GET /businesses/{id}` answers a `Business` whose `country` is a `{id, displayed_as}` with
the ISO code as `id` ("GB"), and whose `subscriptions` are `{id, displayed_as, active,
status}`. The spec has no edition field: the edition is read from an active subscription's
`displayed_as` when it names exactly one of "Plus", "Standard" or "Start" (Sage's product
names: "Accounting Plus", ...), else it is None, and the caller may say it
(`sage.business_profile(edition="start")`). docs/guides/businesses.md says the same.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .models import Business

_EDITION_WORD = re.compile(r"\b(plus|standard|start)\b", re.IGNORECASE)


@attrs.frozen
class BusinessProfile:
    """A business's country and edition as far as Sage's answer tells them.

    `country`: the ISO code ("GB"), None when the answer has none. `edition`: "plus",
    "standard" or "start", None when the subscriptions do not tell (`edition_from` says where
    it came from: "subscriptions", "given" or None). `subscribed`: whether a subscription is
    active (None: the answer does not say). `subscriptions`: each one's `displayed_as`.
    """

    id: str | None
    name: str | None
    country: str | None
    edition: str | None
    edition_from: str | None
    subscribed: bool | None
    subscriptions: tuple[str, ...]

    def offered(self, collection_or_operation: str) -> bool | None:
        """Whether this business has it, as the spec's availability table says: None where
        the table is silent, or the country is unknown, or the edition is unknown and the
        country's editions differ on it."""
        from . import availability  # the table loads on first use, not with the client

        if self.country not in availability.COUNTRIES:
            availability.where(collection_or_operation)  # a bad name is still a ValueError
            return None
        if self.edition is not None:
            return availability.offered(collection_or_operation, self.country, self.edition)
        answers = {
            availability.offered(collection_or_operation, self.country, edition)
            for edition in availability.EDITIONS
        }
        return answers.pop() if len(answers) == 1 else None


def check_edition(edition: str | None) -> str | None:
    from . import availability

    if edition is not None and edition not in availability.EDITIONS:
        allowed = ", ".join(availability.EDITIONS)
        raise ValueError(f"edition {edition!r} is not one of {allowed}")
    return edition


def profile_of(business: Business, *, edition: str | None = None) -> BusinessProfile:
    """The profile of a decoded `Business`; `edition` (checked) overrides the subscriptions'."""
    given = check_edition(edition)
    country = getattr(business.country, "id", None)
    country = country.upper() if isinstance(country, str) and country else None
    names: list[str] = []
    active: set[bool | None] = set()
    editions: set[str] = set()
    for subscription in business.subscriptions if isinstance(business.subscriptions, list) else []:
        shown = subscription.displayed_as if isinstance(subscription.displayed_as, str) else ""
        names.append(shown)
        is_active = subscription.active if isinstance(subscription.active, bool) else None
        active.add(is_active)
        if is_active is not False:  # an ended subscription says nothing of today's edition
            editions.update(word.lower() for word in _EDITION_WORD.findall(shown))
    read = editions.pop() if len(editions) == 1 else None
    return BusinessProfile(
        id=business.id if isinstance(business.id, str) else None,
        name=business.name if isinstance(business.name, str) else None,
        country=country,
        edition=given or read,
        edition_from="given" if given else ("subscriptions" if read else None),
        subscribed=True if True in active else (False if active == {False} else None),
        subscriptions=tuple(names),
    )
