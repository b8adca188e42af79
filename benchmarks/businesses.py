"""`sync(businesses="all")`: 50 businesses x 400 records into one DuckDB file over the served
emulator (20 ms per answer), against one business of the same 20,000 records in the same run.

- total time of the first sync of all 50 against the first sync of the one big business
  (goal: at most 1.3x): what syncing many small businesses costs over the same records in one;
- requests made against the minimum: per business and collection, its pages plus one (the
  deletions page the change tracking reads), and one GET /businesses;
- the process's peak RSS after the 50-business runs (emulator included), the CPU seconds of
  both sides (see `sync.py`), the paired ratios' spread and the load average in the method
  column.

`SAGE_BENCH_BUSINESSES` scales the number of businesses down (a quick check, not a measurement).
"""

from __future__ import annotations

import math
import os
import statistics

from .context import Context
from .core import Benchmark, BenchmarkError, Result
from .sync import Clock, emulator_client, load_average, peak_rss_mb, spread

BUSINESSES = int(os.environ.get("SAGE_BENCH_BUSINESSES", "50"))
PER_BUSINESS = 400
LATENCY = 0.02
REPEAT = 3
PAGE = 200
SHARES = {"contacts": 0.8, "sales_invoices": 0.2}


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    from sage_accounting.dlt import sync
    from sage_accounting.testing import SageEmulator

    collections = list(SHARES)

    client = emulator_client

    def emulator(businesses: int, records: int) -> tuple[SageEmulator, list[str]]:
        fake = SageEmulator(seed=24, latency=LATENCY)
        ids = [fake.lead_business_id]
        ids += [fake.add_business(f"Client {n}") for n in range(1, businesses)]
        for business in ids:
            for name, share in SHARES.items():
                fake.seed(name, int(records * share), business, full=False)
        fake.clock.advance(60)
        return fake, ids

    def minimum(businesses: int, records: int) -> int:
        pages = sum(math.ceil(int(records * share) / PAGE) for share in SHARES.values())
        return 1 + businesses * (pages + len(SHARES))

    many: list[float] = []
    one: list[float] = []
    many_cpu: list[float] = []
    one_cpu: list[float] = []
    notes: list[str] = []
    loads: list[str] = []
    for round_ in range(REPEAT):
        total = BUSINESSES * PER_BUSINESS
        fake, ids = emulator(BUSINESSES, PER_BUSINESS)
        folder = context.scratch("businesses")
        loads.append(load_average())
        clock = Clock()
        with fake.serve(), client(fake) as sage:
            summary = sync(
                sage,
                f"duckdb:///{folder / 'many.duckdb'}",
                collections=collections,
                businesses="all",
                pipelines_dir=folder / "p",
            )
        loaded = sum(summary.tables[name].added for name in collections)
        if summary.failed or loaded != total:
            raise BenchmarkError(f"the 50-business sync loaded {loaded} of {total} records")
        many.append(summary.seconds)
        many_cpu.append(clock.lap()[1])
        least = minimum(len(ids), PER_BUSINESS)
        rss = peak_rss_mb()
        del fake
        big, _ = emulator(1, total)
        clock = Clock()
        with big.serve(), client(big) as sage:
            alone = sync(
                sage,
                f"duckdb:///{folder / 'one.duckdb'}",
                collections=collections,
                pipelines_dir=folder / "p1",
            )
        one.append(alone.seconds)
        one_cpu.append(clock.lap()[1])
        notes.append(
            f"round {round_ + 1}: {summary.requests} requests (minimum {least}), "
            f"one business {alone.requests} requests (minimum {minimum(1, total) - 1})"
        )
        context.log(
            f"  {notes[-1]}; {many[-1]:.1f} s vs {one[-1]:.1f} s, CPU {many_cpu[-1]:.1f} s vs "
            f"{one_cpu[-1]:.1f} s; peak RSS {rss:.0f} MB"
        )
        context.discard(folder)
    method = (
        f"median of {REPEAT} runs; {BUSINESSES} businesses x {PER_BUSINESS} records "
        f"({', '.join(f'{share:.0%} {name}' for name, share in SHARES.items())}), "
        f"{LATENCY * 1000:.0f} ms per answer, served over HTTP in process, into a DuckDB file; "
        f"paired ratios {spread(many, one)} wall, {spread(many_cpu, one_cpu)} CPU "
        f"(CPU seconds {statistics.median(many_cpu):.1f} vs {statistics.median(one_cpu):.1f}, "
        f"emulator included); load average {', '.join(loads)}; "
        f"{'; '.join(notes)}; peak RSS {peak_rss_mb():.0f} MB (process, emulator included)"
    )
    return [
        Result(
            name="sync-50-businesses",
            paired=True,
            ours=many,
            baseline=one,
            baseline_label="one business of the same 20,000 records, synced alone",
            method=method,
            goal=1.3,
        )
    ]


BUSINESSES_BENCH = Benchmark(
    name="businesses",
    summary="sync() of 50 businesses x 400 records into DuckDB vs one business of 20,000",
    run=_run,
)
