"""What consistent seeding costs: `fake.seed("sales_invoices", 20000)` and reading every record
(each built from its seed, its amounts worked out by the books), against building the same
records from the schema alone (`Store.generate`: what seeding cost before the books).

Seeding stays lazy: `seed` only names the records; the cost is in building them on a read.
`SAGE_BENCH_SEED_RECORDS` scales the run down (a quick check, not a measurement).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from .context import Context
from .core import Benchmark, Result

RECORDS = int(os.environ.get("SAGE_BENCH_SEED_RECORDS", "20000"))
REPEAT = 3
GOAL = 1.5  # the books' pass may add at most half of what generating a record costs


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    from sage_accounting.testing import SageEmulator

    def timed(read: Callable[[Any, Any, Any], object]) -> float:
        fake = SageEmulator(seed=21)
        fake.seed("contacts", 200, full=False)
        started = time.perf_counter()
        fake.seed("sales_invoices", RECORDS, full=False)
        store = fake.store
        business = store.business(fake.lead_business_id)
        assert business is not None
        for record in store.records(business, "sales_invoices"):
            read(store, business, record)
        return time.perf_counter() - started

    ours, baseline = [], []
    for _ in range(REPEAT):  # interleaved, so a slower stretch of the machine hits both
        ours.append(timed(lambda store, business, record: store.materialize(business, record)))
        baseline.append(timed(lambda store, business, record: store.generate(business, record)))
    return [
        Result(
            name="seed-and-read-invoices",
            ours=ours,
            baseline=baseline,
            baseline_label="the same records generated from the schema alone",
            method=f"seed {RECORDS} sales invoices and build each, median of {REPEAT}",
            goal=GOAL,
        )
    ]


SEEDS = Benchmark(
    name="seeds",
    summary="seeded invoices whose amounts add up, against generating them from the schema",
    run=_run,
)
