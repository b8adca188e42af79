"""A fleet of 6 worker processes x 8 threads against the served emulator (a cap of 20 in flight,
20 ms per answer): limits shared on Redis against per-process limits, in one run.

Each fleet extracts 3 x 1,500 contacts and then creates contacts for `SECONDS`; its time per
record (created or extracted) is what the rows compare. Per-process limits come in the two
ways a fleet gets them wrong: each process allowed the whole cap (a 429 storm) or a fixed share
of it (4, 4, 3, 3, 3, 3, adding up to the cap: right for even work, idle capacity when the work
is uneven, and no Retry-After shared). The uneven pair of fleets shows the second: there only
half the workers have records to create. The log and the method column give records per
second, the 429s the emulator answered, and the share of the cap in use: the emulator's
requests in flight inside its cap, integrated over time from the fleet's first admitted
request to its last answer (`SageEmulator.cap_usage()`).

The control is a fleet with no limiter at all and only 20 threads in all (4, 4, 3, 3, 3, 3), so
exactly the cap's worth of requests can be in flight and nothing coordinates them. What it
keeps busy is the most this machine can keep busy; each row also gives the share of the
machine's CPUs in use while the fleet ran, which says when the machine, not the limits, is the
bound.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from .context import Context
from .core import Benchmark, BenchmarkError, Result

WORKERS = 6
THREADS = 8
CAP = 20
LATENCY = 0.02
CONTACTS = 1500
SECONDS = 8.0
REPEATS = 3


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    from tests.fleet.fleet import REDIS_SERVER, RedisServer

    if REDIS_SERVER is None:
        raise BenchmarkError("redis-server is not installed (apt-get install redis-server)")

    runs: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="sage-bench-redis-") as directory:
        # Persisted as docs/guides/many-workers.md recommends: AOF, fsync once a second.
        server = RedisServer(Path(directory), appendfsync="everysec")
        try:
            split = _split(CAP, WORKERS)
            fleets: list[tuple[str, str, list[dict[str, Any]]]] = [
                ("shared", "redis", [{"concurrency": CAP}] * WORKERS),
                ("per-process-share", "local", [{"concurrency": n} for n in split]),
                ("ceiling", "none", [{"threads": n} for n in split]),
            ]
            # The close fleets run in turns, REPEATS times, so that a slow spell of the machine
            # weighs on each of them alike; the storm is plain from one run.
            order = [("per-process-whole-cap", "local", [{"concurrency": CAP}] * WORKERS)]
            order += fleets * REPEATS
            # Uneven work: half the workers have nothing to create. A split leaves their share
            # of the cap idle; shared limits give it to the workers that have work.
            uneven: list[dict[str, Any]] = [
                {"seconds": SECONDS if n < WORKERS // 2 else 0.0} for n in range(WORKERS)
            ]
            order += [
                ("uneven-shared", "redis", [{"concurrency": CAP, **u} for u in uneven]),
                (
                    "uneven-per-process-share",
                    "local",
                    [{"concurrency": n, **u} for n, u in zip(split, uneven, strict=True)],
                ),
            ]
            for label, limits, per_worker in order:
                figures = _fleet(context, server.url, limits, per_worker, label)
                runs.setdefault(label, []).append(figures)
        finally:
            server.stop()

    def row(label: str) -> str:
        def median(key: str) -> float:
            return statistics.median(f[key] for f in runs[label])

        busy = sorted(round(f["busy"] * 100) for f in runs[label])
        spread = f" ({'/'.join(map(str, busy))})" if len(busy) > 1 else ""
        return (
            f"{label}: {median('records_per_s'):.0f} records/s "
            f"({median('requests_per_s'):.0f} requests/s), {median('429s'):.0f} 429s, "
            f"{median('busy') * 100:.0f}% of the cap busy{spread}, "
            f"machine CPU {median('cpu') * 100:.0f}% busy"
        )

    method = (
        f"{WORKERS} processes x {THREADS} threads, extract 3 x {CONTACTS} contacts then create "
        f"for {SECONDS:.0f} s; emulator cap {CAP}, {LATENCY * 1000:.0f} ms per answer; medians "
        f"of {REPEATS} runs taken in turns; " + "; ".join(row(label) for label in runs)
    )

    def times(label: str) -> list[float]:
        return [f["seconds_per_record"] for f in runs[label]]

    return [
        Result(
            name="fleet-shared-vs-whole-cap",
            ours=times("shared"),
            baseline=times("per-process-whole-cap"),
            baseline_label=f"LocalLimits(concurrency={CAP}) in each process: a 429 storm",
            method=method,
        ),
        Result(
            name="fleet-shared-vs-share",
            ours=times("shared"),
            baseline=times("per-process-share"),
            baseline_label=(
                f"LocalLimits in each process, the cap split between them ({_shares()})"
            ),
            method=method,
        ),
        Result(
            name="fleet-uneven-shared-vs-share",
            ours=times("uneven-shared"),
            baseline=times("uneven-per-process-share"),
            baseline_label=(
                f"the same split ({_shares()}) when only {WORKERS // 2} of the {WORKERS} "
                "workers have records to create"
            ),
            method=method,
        ),
        Result(
            name="fleet-shared-vs-ceiling",
            ours=times("shared"),
            baseline=times("ceiling"),
            baseline_label=(
                f"no limiter, {CAP} threads in all: the most this machine can keep in flight"
            ),
            method=method,
        ),
    ]


def _shares() -> str:
    return ", ".join(map(str, _split(CAP, WORKERS)))


def _split(total: int, parts: int) -> list[int]:
    """`total` threads over `parts` workers, as evenly as can be: 20 over 6 is 4, 4, 3, 3, 3, 3."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def _fleet(
    context: Context, redis_url: str, limits: str, per_worker: list[dict[str, Any]], label: str
) -> dict[str, float]:
    import redis

    from sage_accounting import Token
    from sage_accounting.fleet import RedisTokenStore
    from sage_accounting.testing import SageEmulator
    from tests.fleet.fleet import FleetConfig, run_fleet

    redis.Redis.from_url(redis_url).flushall()
    fake = SageEmulator(seed=51, concurrency_limit=CAP, latency=LATENCY)
    for name in ("Second Ltd", "Third Ltd"):
        fake.add_business(name)
    for business in fake.business_ids:
        fake.seed("contacts", CONTACTS, business_id=business, full=False)
    with fake.serve():
        store = RedisTokenStore(redis_url, key="sage:token:fleet")
        token = Token.from_response(fake.issue_token(), now=fake.clock.now())
        store.save(token, replaces=None)
        config = FleetConfig(
            redis_url=redis_url,
            api_base_url=fake.api_base_url,
            token_url=fake.token_url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            businesses=fake.business_ids,
            threads=THREADS,
            seconds=SECONDS,
            limits=limits,
        )
        result = run_fleet(
            config,
            workers=WORKERS,
            pages={business: CONTACTS // 100 for business in fake.business_ids},
            per_worker=per_worker,
        )
        usage = fake.cap_usage()
    records = len(result.created) + sum(len(ids) for ids in result.seen.values())
    times = [entry.time for entry in fake.stats.requests]
    active = max(times) - min(times) if times else 0.0
    answered = sum(n for status, n in fake.stats.by_status.items() if 200 <= status < 300)
    if records == 0 or active <= 0:
        raise BenchmarkError(f"{label}: the fleet did nothing: {result.stderr}")
    figures = {
        "records_per_s": records / active,
        "requests_per_s": answered / active,
        "seconds_per_record": active / records,
        "429s": float(fake.stats.by_status[429]),
        "busy": usage.share,
        "cpu": result.machine_busy if result.machine_busy is not None else float("nan"),
        "errors": float(len(result.errors)),
    }
    context.log(
        f"  fleet {label}: {records} records in {active:.1f}s = {figures['records_per_s']:.0f}/s, "
        f"{figures['requests_per_s']:.0f} requests/s, "
        f"{figures['429s']:.0f} 429s, {figures['busy'] * 100:.0f}% of the cap busy, "
        f"machine CPU {figures['cpu'] * 100:.0f}% busy, "
        f"max in flight {fake.stats.max_in_flight}, "
        f"refresh reuse {fake.stats.refresh_token_reuse.count}, errors {len(result.errors)}"
    )
    return figures


FLEET = Benchmark(
    name="fleet",
    summary="6 processes x 8 threads, cap 20 at 20 ms: limits shared on Redis vs per process",
    run=_run,
)
