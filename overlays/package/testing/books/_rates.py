"""A tax rate's percentage on a date, from the rate's dated periods.

Sage's TaxRate carries `percentage` (the rate today) and `percentages`: a list of
`{percentage, from_date, to_date}` (the spec's TaxRatePercentage), an open end as null. A
document is taxed at the period that holds its date (UK VAT went 17.5% -> 15% on 2008-12-01
and to 20% on 2011-01-04: a document dated in 2010 is taxed at 17.5%).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._money import ZERO, BookError, decimal_of


def percentage_on(rate: dict[str, Any] | None, on: str, source: str = "tax_rate_id") -> Decimal:
    """The percentage (a Decimal) `rate` applies on the date `on` (`YYYY-MM-DD`); no rate is 0%.

    Dates compare as ISO text. A date no period holds falls back to `percentage`."""
    if rate is None:
        return ZERO
    for period in rate.get("percentages") or ():
        if not isinstance(period, dict):
            continue
        start = period.get("from_date") or ""
        end = period.get("to_date") or "9999-12-31"
        if start <= on <= end:
            return decimal_of(period.get("percentage"), source, ZERO)
    if rate.get("percentage") in (None, ""):
        raise BookError.one("RecordInvalid", f"has no percentage on {on}", source)
    return decimal_of(rate.get("percentage"), source)
