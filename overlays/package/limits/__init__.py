"""Client-side limits: a cap on requests in flight and request budgets, which queue, not fail.

`Limits` (`_base`) is the seam the client's transport asks before every attempt;
`LocalLimits` (`_local`) counts within one process, with a cap that learns from Sage's 429s
(`_adaptive`); `_budget` holds what every limiter shares (sliding windows, the causes of a
wait), `sage_accounting.fleet.RedisLimits` included.
"""

from ._base import CALL_STOP, DEFAULT_APP_PER_DAY, DEFAULT_CONCURRENCY, BudgetScope, Limits, Waited
from ._local import LocalLimits

__all__ = [
    "CALL_STOP",
    "DEFAULT_APP_PER_DAY",
    "DEFAULT_CONCURRENCY",
    "BudgetScope",
    "Limits",
    "LocalLimits",
    "Waited",
]
