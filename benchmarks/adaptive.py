"""A burst against a server-side cap lower than the client's: `LocalLimits` learning from 429s
(adaptive, the default) against the same limits with a fixed cap, on the emulator.

The emulator admits `SERVER_CAP` requests at once and answers the rest 429 with Retry-After: 1;
the client allows itself Sage's 150. Reported per run: completion time (the row's figure),
the 429s the emulator answered and the calls that failed after their retries.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from .context import Context
from .core import Benchmark, Result

SERVER_CAP = 10
THREADS = int(os.environ.get("SAGE_BENCH_ADAPTIVE_THREADS", "60"))
REQUESTS = int(os.environ.get("SAGE_BENCH_ADAPTIVE_REQUESTS", "600"))
REPEATS = int(os.environ.get("SAGE_BENCH_ADAPTIVE_REPEATS", "3"))
LATENCY = 0.02  # seconds per answer inside the emulator


def _burst(context: Context, *, adaptive: bool) -> tuple[float, int, int]:
    """Seconds to finish REQUESTS calls from THREADS threads, the 429s, the failed calls."""
    context.ours_parent()
    from sage_accounting import LocalLimits, RetryPolicy, SageAccounting, Token
    from sage_accounting.errors import APIError
    from sage_accounting.testing import SageEmulator

    fake = SageEmulator(seed=7, concurrency_limit=SERVER_CAP, latency=LATENCY)
    sage = SageAccounting(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        base_url=fake.api_base_url,
        token_url=fake.token_url,
        transport=fake.transport,
        token=Token.from_response(fake.issue_token(), now=fake.clock.now()),
        clock=fake.clock.now,
        retry_policy=RetryPolicy(max_retries=10),
        limits=LocalLimits(adaptive=adaptive),
    )

    def call(_: int) -> bool:
        try:
            sage.request("GET", "/user")
        except APIError:
            return False
        return True

    began = time.perf_counter()
    with sage, ThreadPoolExecutor(THREADS) as pool:
        answered = list(pool.map(call, range(REQUESTS)))
    return time.perf_counter() - began, fake.stats.by_status[429], answered.count(False)


def _run(context: Context) -> list[Result]:
    ours: list[float] = []
    baseline: list[float] = []
    notes: list[str] = []
    for _ in range(REPEATS):
        for adaptive, times in ((True, ours), (False, baseline)):
            seconds, refused, failed = _burst(context, adaptive=adaptive)
            times.append(seconds)
            kind = "adaptive" if adaptive else "fixed"
            notes.append(f"{kind} {seconds:.1f}s {refused}x429 {failed} failed")
            context.log(f"  {notes[-1]}")
    return [
        Result(
            name="limits-adaptive-burst",
            ours=ours,
            baseline=baseline,
            baseline_label="LocalLimits(adaptive=False)",
            method=(
                f"{REQUESTS} GETs from {THREADS} threads, client cap 150, emulator cap "
                f"{SERVER_CAP} (429 + Retry-After: 1), {LATENCY * 1000:.0f} ms an answer; "
                f"median of {REPEATS} runs (alternating): " + "; ".join(notes)
            ),
        )
    ]


ADAPTIVE = Benchmark(
    name="adaptive",
    summary=f"a burst against a server cap of {SERVER_CAP}: adaptive vs fixed client-side cap",
    run=_run,
)
