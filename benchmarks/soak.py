"""The soak: many calls for a long while against a misbehaving served emulator; nothing may leak.

`python -m benchmarks.soak --seconds 1200` (`nox -s soak`; `.ci/run` runs 60 seconds). The
emulator runs in a child process, served on 127.0.0.1, with 10% faults (429, 5xx, dropped
connections), 1-second access tokens and a server-side cap on requests in flight. This
process runs a sync client in threads and an async client in tasks, each creating, reading,
updating and listing contacts. Every 10 s it samples its own RSS, open file descriptors and
threads. At the end it checks:

- no call failed, and every created record exists on the server exactly once;
- no refresh token was used twice (the emulator counts it);
- RSS, file descriptors and threads are flat after the warm-up (a leak fails the run).

Exit status 0 when all holds; the report (samples, slopes, counts) is printed as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from sage_accounting import AsyncSageAccounting, RetryPolicy, SageAccounting, Token
from sage_accounting.auth import FileTokenStore
from sage_accounting.testing import SageEmulator

SAMPLE_EVERY = 10.0
THREADS = 4
TASKS = 4
CAP = 6  # requests the server processes at once; more get 429
FAULTS = 0.10
POLICY = RetryPolicy(max_retries=12, backoff_base=0.01, backoff_max=0.2, deadline=120.0)
# A leak: after the warm-up, RSS grows by more than this and faster than the slope limit, or
# descriptors or threads grow at all beyond a small allowance.
RSS_GROWTH_MB = 25.0
RSS_SLOPE_MB_PER_MIN = 3.0
FD_ALLOWANCE = 8
THREAD_ALLOWANCE = 2


def _serve(conn: Connection) -> None:
    """The child: a served emulator until the parent says stop; then its counts."""
    fake = SageEmulator(seed=11, access_token_ttl=1.0, concurrency_limit=CAP)
    fake.faults.inject(FAULTS, ["429", "500", "502", "503", "504", "drop"], seed=3)
    with fake.serve() as base_url:
        conn.send(
            {
                "base_url": base_url,
                "token_url": fake.token_url,
                "revoke_url": fake.revoke_url,
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
                "token": fake.issue_token(),
                "now": fake.clock.now(),
                "body": fake.example_body("contacts", minimal=True),
            }
        )
        conn.recv()  # stop
    references = [str(record.get("reference")) for record in fake.records("contacts")]
    reuse = len(fake.stats.refresh_token_reuse)
    conn.send(
        {"references": references, "refresh_token_reuse": reuse, "refreshes": fake.stats.refreshes}
    )


@dataclass
class Sample:
    at: float
    rss_mb: float
    fds: int
    threads: int


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    created: list[str] = field(default_factory=list)
    calls: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, reference: str | None, calls: int) -> None:
        with self.lock:
            if reference is not None:
                self.created.append(reference)
            self.calls += calls

    def fail(self, where: str, error: BaseException) -> None:
        with self.lock:
            self.failures.append(f"{where}: {type(error).__name__}: {error}")


def _sample(started: float) -> Sample:
    rss_kb = 0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    return Sample(
        at=round(time.monotonic() - started, 1),
        rss_mb=round(rss_kb / 1024, 1),
        fds=len(os.listdir("/proc/self/fd")),
        threads=threading.active_count(),
    )


def _options(server: dict[str, Any], store: FileTokenStore) -> dict[str, Any]:
    """Both clients share one token file, as two processes of one connection would: a
    refresh token rotates on every refresh, so each must see the other's new token."""
    return {
        "client_id": server["client_id"],
        "client_secret": server["client_secret"],
        "token_store": store,
        "base_url": server["base_url"],
        "token_url": server["token_url"],
        "revoke_url": server["revoke_url"],
        "retry_policy": POLICY,
        "refresh_margin": 0.2,
    }


def _one_round(sage: SageAccounting, body: dict[str, Any], reference: str) -> int:
    created = sage.contacts.create({**body, "reference": reference})
    key = str(created.id)
    sage.contacts.get(key)
    sage.contacts.update(key, {"notes": f"soaked {reference}"})
    next(iter(sage.contacts.list(items_per_page=20)), None)
    return 4


async def _one_async_round(sage: AsyncSageAccounting, body: dict[str, Any], reference: str) -> int:
    created = await sage.contacts.create({**body, "reference": reference})
    key = str(created.id)
    await sage.contacts.get(key)
    await sage.contacts.update(key, {"notes": f"soaked {reference}"})
    async for _ in sage.contacts.list(items_per_page=20):
        break
    return 4


def _threads(
    sage: SageAccounting, body: dict[str, Any], deadline: float, tally: Tally
) -> list[threading.Thread]:
    def work(worker: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            reference = f"S{worker}-{n}"
            try:
                tally.add(reference, _one_round(sage, body, reference))
            except Exception as error:  # every failure is reported, none stops the soak
                tally.fail(f"thread {worker} round {n}", error)
            n += 1

    return [threading.Thread(target=work, args=(w,), daemon=True) for w in range(THREADS)]


async def _tasks(
    server: dict[str, Any], store: FileTokenStore, deadline: float, tally: Tally
) -> None:
    async with AsyncSageAccounting(**_options(server, store)) as sage:

        async def work(worker: int) -> None:
            n = 0
            while time.monotonic() < deadline:
                reference = f"A{worker}-{n}"
                try:
                    tally.add(reference, await _one_async_round(sage, server["body"], reference))
                except Exception as error:
                    tally.fail(f"task {worker} round {n}", error)
                n += 1

        await asyncio.gather(*(work(w) for w in range(TASKS)))


def _slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope, per minute."""
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return 60.0 * sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def leaks(samples: Sequence[Sample]) -> list[str]:
    """What grew after the warm-up (the first sample, or the first fifth of the run)."""
    if len(samples) < 3:
        return []
    warm = max(1, len(samples) // 5)
    steady = samples[warm:]
    first, last = steady[0], steady[-1]
    found = []
    growth = last.rss_mb - first.rss_mb
    slope = _slope([(s.at, s.rss_mb) for s in steady])
    if growth > RSS_GROWTH_MB and slope > RSS_SLOPE_MB_PER_MIN:
        found.append(f"RSS grew {growth:.1f} MB ({slope:.2f} MB/min) after the warm-up")
    if last.fds > first.fds + FD_ALLOWANCE:
        found.append(f"open file descriptors grew from {first.fds} to {last.fds}")
    if last.threads > first.threads + THREAD_ALLOWANCE:
        found.append(f"threads grew from {first.threads} to {last.threads}")
    return found


def soak(seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server_process = context.Process(target=_serve, args=(child,), daemon=True)
    server_process.start()
    server: dict[str, Any] = parent.recv()
    started = time.monotonic()
    deadline = started + seconds
    tally = Tally()
    samples = [_sample(started)]
    folder = tempfile.mkdtemp(prefix="sage-soak-")
    store = FileTokenStore(os.path.join(folder, "token.json"))
    store.save(Token.from_response(server["token"], now=server["now"]), replaces=None)
    with SageAccounting(**_options(server, store)) as sage:
        workers = _threads(sage, server["body"], deadline, tally)
        for worker in workers:
            worker.start()
        runner = threading.Thread(
            target=lambda: asyncio.run(_tasks(server, store, deadline, tally)), daemon=True
        )
        runner.start()
        while time.monotonic() < deadline:
            time.sleep(min(SAMPLE_EVERY, max(0.0, deadline - time.monotonic())))
            samples.append(_sample(started))
        for thread in [*workers, runner]:
            thread.join(timeout=POLICY.deadline or 120.0)
    samples.append(_sample(started))
    shutil.rmtree(folder, ignore_errors=True)
    parent.send("stop")
    counts: dict[str, Any] = parent.recv()
    server_process.join(timeout=30)
    stored = counts["references"]
    ours = Counter(ref for ref in stored if ref[:1] in ("S", "A"))
    duplicated = sorted(ref for ref, times in ours.items() if times > 1)
    missing = sorted(set(tally.created) - set(ours))
    steady = samples[max(1, len(samples) // 5) :]
    return {
        "seconds": seconds,
        "calls": tally.calls,
        "creates": len(tally.created),
        "failures": tally.failures[:20],
        "failure_count": len(tally.failures),
        "missing": missing[:20],
        "duplicated": duplicated[:20],
        "refresh_token_reuse": counts["refresh_token_reuse"],
        "refreshes": counts["refreshes"],
        "rss_slope_mb_per_min": round(_slope([(s.at, s.rss_mb) for s in steady]), 3),
        "leaks": leaks(samples),
        "samples": [asdict(sample) for sample in samples],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=1200.0, help="how long (default 1200)")
    args = parser.parse_args(argv)
    report = soak(args.seconds)
    print(json.dumps(report, indent=1))
    problems = [
        *report["leaks"],
        *([f"{report['failure_count']} call(s) failed"] if report["failure_count"] else []),
        *([f"records missing: {report['missing']}"] if report["missing"] else []),
        *([f"records duplicated: {report['duplicated']}"] if report["duplicated"] else []),
        *(["a refresh token was used twice"] if report["refresh_token_reuse"] else []),
    ]
    for problem in problems:
        print(f"soak failed: {problem}")
    if not problems:
        print(f"soak passed: {report['calls']} calls, {report['creates']} records, no leak")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
