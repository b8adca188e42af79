"""The availability table's word on a failed call to a business whose profile the client knows.

The auth flow puts the business's (country, edition) on each request it sends for a business
that `business_profile()` described; `errors.status_error` asks `availability_note` whether
the spec's Endpoint Availability says that business lacks the call (docs/guides/errors.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx
else:
    from ._lazy import LazyModule

    httpx = LazyModule("httpx")  # named for typing.get_type_hints; imported when read


#: The request extension the auth flow sets on a call to a business whose profile the client
#: knows: (country, edition or None, the API root's path).
BUSINESS_EXTENSION = "sage_accounting.business"
#: What Sage may answer a call the business's edition or country lacks (docs/guides/errors.md).
_NOT_OFFERED_STATUSES = frozenset({401, 403, 404, 422})


def availability_note(request: httpx.Request, status_code: int) -> str | None:
    """The availability table's word on a failed call to a known business: None unless the
    table says its country (and edition) lack the operation. The call was sent all the same:
    the table may be stale."""
    facts = request.extensions.get(BUSINESS_EXTENSION)
    if facts is None or status_code not in _NOT_OFFERED_STATUSES:
        return None
    from .availability import not_offered_note  # the table loads on the first such error

    country, edition, root = facts
    path = request.url.path
    relative = path[len(root) - 1 :] if path.startswith(root) else path
    return not_offered_note(request.method, relative, country, edition)
