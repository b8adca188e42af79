"""`sync()` into DuckDB over the served emulator (20 ms per answer): 20,000 records.

- initial sync, against the parallel extractor alone fetching the same records
  (`list(attributes="all").all(concurrency=8)` per collection): loading must not be the
  bottleneck (goal: within 1.5x);
- the same initial sync against that extractor fetching the records as dicts
  (`.as_dicts()`, as the sync reads them: no models built), which is what the sync adds over
  fetching alone;
- incremental sync with 1% of the records changed (created, updated, deleted), against the
  initial one; its list requests are checked against the budget "the pages the changes need
  plus one per collection" and the run fails over it.

Rows per second and the process's peak RSS (emulator included) go in the method column.
`SAGE_BENCH_SYNC_RECORDS` scales the run down (a quick check, not a measurement).
"""

from __future__ import annotations

import math
import os
import resource
import time
from typing import Any

from .context import Context
from .core import Benchmark, BenchmarkError, Result

RECORDS = int(os.environ.get("SAGE_BENCH_SYNC_RECORDS", "20000"))
LATENCY = 0.02
REPEAT = 3
PAGE = 200
SHARES = {"contacts": 0.8, "sales_invoices": 0.2}  # invoices carry line items


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def emulator_client(fake: Any) -> Any:
    """A client of the (served) emulator with a token it issued."""
    from sage_accounting import SageAccounting, Token

    return SageAccounting(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        token=Token.from_response(fake.issue_token(), now=fake.clock.now()),
        base_url=fake.api_base_url,
        token_url=fake.token_url,
    )


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    from sage_accounting.dlt import sync
    from sage_accounting.testing import SageEmulator

    counts = {name: int(RECORDS * share) for name, share in SHARES.items()}
    collections = list(counts)

    client = emulator_client

    def emulator() -> SageEmulator:
        fake = SageEmulator(seed=21, latency=LATENCY)
        for name, count in counts.items():
            fake.seed(name, count, full=False)
        fake.clock.advance(60)
        return fake

    def extracted(fake: SageEmulator, *, dicts: bool) -> float:
        """Seconds the parallel extractor takes to fetch every record (as dicts: no models)."""
        started = time.perf_counter()
        with client(fake) as sage:
            fetched = 0
            for name in collections:
                pager = getattr(sage, name).list(attributes="all")
                fetched += sum(1 for _ in (pager.as_dicts() if dicts else pager).all(concurrency=8))
        if fetched != RECORDS:
            raise BenchmarkError(f"the extractor fetched {fetched} of {RECORDS} records")
        return time.perf_counter() - started

    extract: list[float] = []
    fetch: list[float] = []
    initial: list[float] = []
    incremental: list[float] = []
    notes: list[str] = []
    for round_ in range(REPEAT):
        fake = emulator()
        folder = context.scratch("sync")
        url = f"duckdb:///{folder / 'books.duckdb'}"
        with fake.serve():
            extract.append(extracted(fake, dicts=False))
            fetch.append(extracted(fake, dicts=True))
            with client(fake) as sage:
                first = sync(sage, url, collections=collections, pipelines_dir=folder / "p")
                initial.append(first.seconds)
                loaded = sum(first.tables[name].added for name in collections)
                if loaded != RECORDS:
                    raise BenchmarkError(f"the initial sync loaded {loaded} of {RECORDS}")
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
                f"round {round_ + 1}: initial {RECORDS / first.seconds:,.0f} rows/s, "
                f"incremental {requests} list requests (budget {budget})"
            )
            context.log(f"  {notes[-1]}; peak RSS {peak_rss_mb():.0f} MB")
        context.discard(folder)
    seeded = ", ".join(f"{count} {name}" for name, count in counts.items())
    method = (
        f"median of {REPEAT} runs; {RECORDS} records ({seeded}), "
        f"{LATENCY * 1000:.0f} ms per answer, served over HTTP in process, into a DuckDB file; "
        f"{'; '.join(notes)}; peak RSS {peak_rss_mb():.0f} MB (process, emulator included)"
    )
    return [
        Result(
            name="sync-initial",
            ours=initial,
            baseline=extract,
            baseline_label="the parallel extractor alone (list(attributes='all').all(8))",
            method=method,
            goal=1.5,
        ),
        Result(
            name="sync-initial-vs-dicts",
            ours=initial,
            baseline=fetch,
            baseline_label="the parallel extractor fetching dicts (list(...).as_dicts().all(8))",
            method=method,
        ),
        Result(
            name="sync-incremental-1pct",
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
