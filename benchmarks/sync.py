"""`sync()` into DuckDB over the served emulator (20 ms per answer): 20,000 records.

- initial sync, against the parallel extractor alone fetching the same records
  (`list(attributes="all").all(concurrency=8)` per collection): loading must not be the
  bottleneck (goal: within 1.5x);
- the same initial sync against that extractor fetching the records as dicts
  (`.as_dicts()`, as the sync reads them: no models built), which is what the sync adds over
  fetching alone (goal: at most 1.2x, issue #28), and in CPU seconds;
- incremental sync with 1% of the records changed (created, updated, deleted), against the
  initial one; its list requests are checked against the budget "the pages the changes need
  plus one per collection" and the run fails over it.

Each round times the three fetches and the sync one after the other, so every ratio pairs
runs made under the same load; the rows report the medians of the rounds and the method column
the spread of the paired ratios. CPU seconds are the process's (emulator included, as in the
baseline): on a shared machine the wall time of both sides stretches with the load, their CPU
time much less, so a CPU ratio that holds while the wall one moves is load, not a regression.
The sync's cost per row (wall and CPU), the load average and the process's peak RSS (emulator
included) go in the method column. `SAGE_BENCH_SYNC_RECORDS` scales the run down (a quick
check, not a measurement).
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import time
from typing import Any

from .context import Context
from .core import Benchmark, BenchmarkError, Result

RECORDS = int(os.environ.get("SAGE_BENCH_SYNC_RECORDS", "20000"))
LATENCY = 0.02
REPEAT = 5
PAGE = 200
SHARES = {"contacts": 0.8, "sales_invoices": 0.2}  # invoices carry line items


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class Clock:
    """Wall and CPU seconds (the whole process's: every thread, the in-process emulator's too)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self) -> tuple[float, float]:
        """(wall, cpu) seconds since the clock started."""
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def spread(ours: list[float], baseline: list[float]) -> str:
    """The paired ratios' range, round by round: `1.18x-1.31x`."""
    ratios = [mine / theirs for mine, theirs in zip(ours, baseline, strict=True)]
    return f"{min(ratios):.2f}x-{max(ratios):.2f}x"


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def seeded_emulator(counts: dict[str, int]) -> Any:
    """The benchmark's books: `counts` records per collection, 20 ms per answer."""
    from sage_accounting.testing import SageEmulator

    fake = SageEmulator(seed=21, latency=LATENCY)
    for name, count in counts.items():
        fake.seed(name, count, full=False)
    fake.clock.advance(60)  # kept before today's first sync
    return fake


def credentials_of(fake: Any) -> dict[str, Any]:
    """What a client of the (served) emulator needs: its app, a token it issued, its URLs (plain
    values, sent to the benchmark's process when the emulator runs in another)."""
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "token": fake.issue_token(),
        "now": fake.clock.now(),
        "base_url": fake.api_base_url,
        "token_url": fake.token_url,
    }


def client_from(credentials: dict[str, Any]) -> Any:
    from sage_accounting import SageAccounting, Token

    return SageAccounting(
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        token=Token.from_response(credentials["token"], now=credentials["now"]),
        base_url=credentials["base_url"],
        token_url=credentials["token_url"],
    )


def emulator_client(fake: Any) -> Any:
    """A client of the (served) emulator with a token it issued."""
    return client_from(credentials_of(fake))


def fetch_everything(sage: Any, collections: list[str], *, dicts: bool) -> None:
    """The parallel extractor: every record of `collections` (as dicts: no models built)."""
    fetched = 0
    for name in collections:
        pager = getattr(sage, name).list(attributes="all")
        fetched += sum(1 for _ in (pager.as_dicts() if dicts else pager).all(concurrency=8))
    if fetched != RECORDS:
        raise BenchmarkError(f"the extractor fetched {fetched} of {RECORDS} records")


def first_sync(sage: Any, folder: Any, collections: list[str]) -> Any:
    """`sync()` into a DuckDB file in `folder`, checked to have loaded every record."""
    from sage_accounting.dlt import sync

    summary = sync(
        sage,
        f"duckdb:///{folder / 'books.duckdb'}",
        collections=collections,
        pipelines_dir=folder / "p",
    )
    loaded = sum(summary.tables[name].added for name in collections)
    if loaded != RECORDS:
        raise BenchmarkError(f"the initial sync loaded {loaded} of {RECORDS}")
    return summary


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    from sage_accounting.dlt import sync
    from sage_accounting.testing import SageEmulator

    counts = {name: int(RECORDS * share) for name, share in SHARES.items()}
    collections = list(counts)

    client = emulator_client

    def extracted(fake: SageEmulator, *, dicts: bool) -> tuple[float, float]:
        """(wall, CPU) seconds the parallel extractor takes to fetch every record (as dicts:
        no models)."""
        clock = Clock()
        with client(fake) as sage:
            fetch_everything(sage, collections, dicts=dicts)
        return clock.lap()

    extract: list[float] = []
    fetch: list[float] = []
    fetch_cpu: list[float] = []
    initial: list[float] = []
    initial_cpu: list[float] = []
    incremental: list[float] = []
    notes: list[str] = []
    loads: list[str] = []
    for round_ in range(REPEAT):
        fake = seeded_emulator(counts)
        folder = context.scratch("sync")
        url = f"duckdb:///{folder / 'books.duckdb'}"  # first_sync's file: the next sync's too
        loads.append(load_average())
        with fake.serve():
            extract.append(extracted(fake, dicts=False)[0])
            wall, cpu = extracted(fake, dicts=True)
            fetch.append(wall)
            fetch_cpu.append(cpu)
            with client(fake) as sage:
                clock = Clock()
                first = first_sync(sage, folder, collections)
                initial.append(first.seconds)
                initial_cpu.append(clock.lap()[1])
                changed = _change_one_percent(fake, sage, counts, round_)
                fake.stats.reset()
                second = sync(sage, url, collections=collections, pipelines_dir=folder / "p")
                incremental.append(second.seconds)
            requests = sum(
                1
                for entry in fake.stats.requests
                if entry.method == "GET" and entry.path.strip("/") in collections
            )
            budget = sum(
                math.ceil(updated / PAGE) + math.ceil(deleted / PAGE)
                for updated, deleted in changed.values()
            ) + len(collections)
            if requests > budget:
                raise BenchmarkError(f"incremental sync made {requests} list requests > {budget}")
            notes.append(
                f"round {round_ + 1}: initial {RECORDS / first.seconds:,.0f} rows/s "
                f"({initial[-1] / fetch[-1]:.2f}x, CPU {initial_cpu[-1] / fetch_cpu[-1]:.2f}x), "
                f"incremental {requests} list requests (budget {budget})"
            )
            context.log(f"  {notes[-1]}; peak RSS {peak_rss_mb():.0f} MB")
        context.discard(folder)
    seeded = ", ".join(f"{count} {name}" for name, count in counts.items())
    per_row = (
        f"the sync's cost per row {statistics.median(initial) / RECORDS * 1e6:.0f} us wall, "
        f"{statistics.median(initial_cpu) / RECORDS * 1e6:.0f} us CPU"
    )
    method = (
        f"median of {REPEAT} paired rounds; {RECORDS} records ({seeded}), "
        f"{LATENCY * 1000:.0f} ms per answer, served over HTTP in process, into a DuckDB file; "
        f"{per_row}; paired ratios against the dicts fetch {spread(initial, fetch)} wall, "
        f"{spread(initial_cpu, fetch_cpu)} CPU; load average {', '.join(loads)}; "
        f"{'; '.join(notes)}; peak RSS {peak_rss_mb():.0f} MB (process, emulator included)"
    )
    return [
        Result(
            name="sync-initial",
            paired=True,
            ours=initial,
            baseline=extract,
            baseline_label="the parallel extractor alone (list(attributes='all').all(8))",
            method=method,
            goal=1.5,
        ),
        Result(
            name="sync-initial-vs-dicts",
            paired=True,
            ours=initial,
            baseline=fetch,
            baseline_label="the parallel extractor fetching dicts (list(...).as_dicts().all(8))",
            method=method,
            goal=1.2,
        ),
        Result(
            name="sync-initial-vs-dicts-cpu",
            paired=True,
            ours=initial_cpu,
            baseline=fetch_cpu,
            baseline_label="the CPU seconds of the same dicts fetch (process: emulator included)",
            method=method,
        ),
        Result(
            name="sync-incremental-1pct",
            paired=True,
            ours=incremental,
            baseline=initial,
            baseline_label="the initial sync of the same records",
            method=method,
        ),
    ]


def _change_one_percent(
    fake: Any, sage: Any, counts: dict[str, int], round_: int
) -> dict[str, tuple[int, int]]:
    """Create, update and delete 1% of each collection; (updated or created, deleted) each."""
    fake.clock.advance(3600)
    changed: dict[str, tuple[int, int]] = {}
    for name, count in counts.items():
        share = max(3, count // 100)
        keys = [str(record["id"]) for record in fake.records(name)]
        creates, updates, deletes = share // 3, share // 3, share - 2 * (share // 3)
        fake.seed(name, creates, full=False)
        resource_ = getattr(sage, name)
        for key in keys[:updates]:
            resource_.update(key, {"notes": f"round {round_}"})
        for key in keys[updates : updates + deletes]:
            fake.delete_record(name, key)
        changed[name] = (creates + updates, deletes)
    return changed


SYNC = Benchmark(
    name="sync",
    summary="sync() of 20,000 records into DuckDB at 20 ms/answer vs the parallel extractor",
    run=_run,
)
