"""`LocalLimits` under contention: many threads taking turns on a few slots, against a plain
`threading.BoundedSemaphore` with the same number of slots (which keeps no order and counts no
budgets, so it is the least a cap can cost)."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

from .context import Context
from .core import Benchmark, Result

THREADS = 48
SLOTS = 4
TURNS = 300  # per thread
REPEATS = 5


def _contend(acquire: Callable[[], object], release: Callable[[], object]) -> float:
    """Wall seconds for THREADS threads to take TURNS turns each, holding a slot for a moment
    (time.sleep(0) lets the others run, as a request's wait would)."""
    start = threading.Barrier(THREADS + 1)

    def work() -> None:
        start.wait()
        for _ in range(TURNS):
            acquire()
            time.sleep(0)
            release()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    from sage_accounting import LocalLimits

    ours: list[float] = []
    baseline: list[float] = []
    for _ in range(REPEATS):
        limits = LocalLimits(concurrency=SLOTS, per_minute=None, per_day=None)
        ours.append(_contend(functools.partial(limits.acquire, None), limits.release))
        semaphore = threading.BoundedSemaphore(SLOTS)
        baseline.append(_contend(semaphore.acquire, semaphore.release))
    return [
        Result(
            name="local-limits-contended",
            ours=ours,
            baseline=baseline,
            baseline_label=f"threading.BoundedSemaphore({SLOTS})",
            method=(
                f"{THREADS} threads x {TURNS} turns on {SLOTS} slots, median of {REPEATS} runs "
                "(alternating)"
            ),
        )
    ]


LIMITS = Benchmark(
    name="limits",
    summary=f"LocalLimits(concurrency={SLOTS}) with {THREADS} threads vs a BoundedSemaphore",
    run=_run,
)
