"""Many workers, one Sage app: tokens and limits shared on Redis (`pip install
"sage-accounting[redis]"`).

    from sage_accounting import SageAccounting
    from sage_accounting.fleet import RedisLimits, RedisTokenStore

    sage = SageAccounting(
        client_id=..., client_secret=...,
        token_store=RedisTokenStore("redis://host:6379/0", key="sage:token:<connection>"),
        limits=RedisLimits("redis://host:6379/0", namespace="sage:<app>"),
    )

Both work from sync and async clients (the async methods use `redis.asyncio`). The core
package never imports this module, so redis-py is needed only here.
"""

from __future__ import annotations

try:
    import redis as _redis  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        'sage_accounting.fleet needs redis-py: pip install "sage-accounting[redis]"'
    ) from exc

from ._connection import (
    RedisUnavailableError,
    TokenStoreUnavailableError,
    redact_url,
)
from ._limits import RedisLimits
from ._store import RedisTokenStore

__all__ = [
    "RedisLimits",
    "RedisTokenStore",
    "RedisUnavailableError",
    "TokenStoreUnavailableError",
    "redact_url",
]
