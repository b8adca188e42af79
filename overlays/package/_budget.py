"""What every limiter shares: its settings' checks and the wake-ups of waiting tasks.

`LocalLimits` (`_local_limits`) and `sage_accounting.fleet.RedisLimits` both use these.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, Literal

BudgetScope = Literal["connection", "business"]


def check_limits(limits: Iterable[tuple[str, int | None]], budget_scope: str) -> None:
    """Refuse, by name, a limit that is not a positive whole number or None, and an unknown
    budget scope."""
    for name, value in limits:
        if value is not None and (isinstance(value, bool) or value < 1):
            raise ValueError(f"{name} must be a positive whole number or None, not {value!r}")
    if budget_scope not in ("connection", "business"):
        raise ValueError(f"budget_scope must be 'connection' or 'business', not {budget_scope!r}")


def resolve(future: asyncio.Future[None]) -> None:
    """Wake the task awaiting `future` (from any thread, through `call_soon_threadsafe`)."""
    if not future.done():
        future.set_result(None)


async def wait_first(future: asyncio.Future[None], sleeping: Awaitable[object]) -> None:
    """Wake on `future` (a release) or when `sleeping` is over, whichever comes first."""
    sleeper: asyncio.Future[Any] = asyncio.ensure_future(sleeping)
    either: set[asyncio.Future[Any]] = {future, sleeper}
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
