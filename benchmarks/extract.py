"""Extracting 10,000 contacts from the served emulator (20 ms per answer): the sequential pager
and parallel extraction against a naive loop of page requests written with plain httpx.

The naive loop is what a first integration does: `page=1, 2, ...` at the API's default page
size, `json.loads` each answer. Peak memory (tracemalloc, a separate run so tracing does not
slow the timed ones) of each is printed in the log and kept in the method column.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable

from .context import Context
from .core import Benchmark, BenchmarkError, Result

RECORDS = 10_000
LATENCY = 0.02
REPEAT = 3


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    import httpx

    from sage_accounting import SageAccounting, Token
    from sage_accounting.testing import SageEmulator

    fake = SageEmulator(seed=11, latency=LATENCY)
    fake.seed("contacts", RECORDS, full=False)

    def client() -> SageAccounting:
        # A fresh client per run: each has its own per-minute budget, as separate jobs would.
        return SageAccounting(
            token=Token.from_response(fake.issue_token(), now=fake.clock.now()),
            base_url=fake.api_base_url,
            token_url=fake.token_url,
        )

    def sequential() -> int:
        with client() as sage:
            return sum(1 for _ in sage.contacts.list())

    def parallel() -> int:
        with client() as sage:
            return sum(1 for _ in sage.contacts.list().all(concurrency=8))

    def naive() -> int:
        token = fake.issue_token()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        count, page = 0, 1
        with httpx.Client(base_url=fake.api_base_url, headers=headers) as http:
            while True:
                response = http.get("/contacts", params={"page": page})
                response.raise_for_status()
                body = json.loads(response.content)
                count += len(body["$items"])
                if not body["$next"]:
                    return count
                page += 1

    candidates: dict[str, Callable[[], int]] = {
        "naive": naive,
        "sequential": sequential,
        "parallel": parallel,
    }
    timings: dict[str, list[float]] = {name: [] for name in candidates}
    peaks: dict[str, int] = {}
    with fake.serve():
        for name, function in candidates.items():
            for _ in range(REPEAT):
                started = time.perf_counter()
                count = function()
                timings[name].append(time.perf_counter() - started)
                if count != RECORDS:
                    raise BenchmarkError(f"{name} extracted {count} of {RECORDS} contacts")
            tracemalloc.start()
            try:
                function()
                peaks[name] = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            context.log(f"  {name}: peak {peaks[name] / 1e6:.1f} MB (process, server included)")
    memory = ", ".join(f"{name} peak {peak / 1e6:.1f} MB" for name, peak in peaks.items())
    method = (
        f"median of {REPEAT} extracts of {RECORDS} contacts, {LATENCY * 1000:.0f} ms per answer, "
        f"served over HTTP in process; tracemalloc: {memory}"
    )
    naive_label = "naive httpx loop: page=1,2,... at the default page size, json.loads"
    return [
        Result(
            name="extract-parallel",
            ours=timings["parallel"],
            baseline=timings["naive"],
            baseline_label=naive_label,
            method=method,
            goal=0.2,  # at least 5x faster than the naive loop
        ),
        Result(
            name="extract-sequential",
            ours=timings["sequential"],
            baseline=timings["naive"],
            baseline_label=naive_label,
            method=method,
        ),
        Result(
            name="extract-parallel-vs-pager",
            ours=timings["parallel"],
            baseline=timings["sequential"],
            baseline_label="the sequential pager (for contact in client.contacts.list())",
            method=method,
        ),
    ]


EXTRACT = Benchmark(
    name="extract",
    summary="10,000 contacts over HTTP at 20 ms/answer: pager, parallel pager, naive httpx loop",
    run=_run,
)
