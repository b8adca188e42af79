"""A fleet of worker processes sharing one Sage app, as a Celery or RQ fleet would.

`python -m tests.fleet.fleet '<json config>'` is one worker: `threads` threads share one
`SageAccounting` (token in a `RedisTokenStore`, limits in `RedisLimits` or per process in
`LocalLimits`). They take page tasks from a Redis list (extract one page of one business's
contacts, pushing the ids seen), and when none are left create contacts until the deadline,
pushing the references of the records created in batches. `run_fleet` starts the workers
against a served emulator, lets them go together once every one is ready, and collects what
they pushed. The tests and `benchmarks/fleet.py` both use it.

A worker with `"hog": true` takes slots and the refresh lock, says so and sleeps, to be killed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

TASKS = "fleet:tasks"
CREATED = "fleet:created"
ERRORS = "fleet:errors"
SEEN = "fleet:seen:"
GO = "fleet:go"
READY = "ready"
REPORT_EVERY = 50
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class FleetConfig:
    redis_url: str
    api_base_url: str
    token_url: str
    client_id: str
    client_secret: str
    businesses: list[str]
    token_key: str = "sage:token:fleet"
    namespace: str = "sage:fleet"
    threads: int = 8
    seconds: float = 10.0
    limits: str = "redis"  # or "local": per-process LocalLimits; "none": no limits at all
    concurrency: int = 20
    lease: float = 10.0
    refresh_margin: float = 0.3
    worker: int = 0
    hog: bool = False


def _client(config: FleetConfig) -> Any:
    from sage_accounting import LocalLimits, SageAccounting
    from sage_accounting._retry import RetryPolicy
    from sage_accounting.fleet import RedisLimits, RedisTokenStore

    limits: Any
    if config.limits == "redis":
        limits = RedisLimits(
            config.redis_url,
            namespace=config.namespace,
            concurrency=config.concurrency,
            per_minute=None,
            per_day=None,
            app_per_day=None,
            lease=config.lease,
        )
    elif config.limits == "local":
        limits = LocalLimits(concurrency=config.concurrency, per_minute=None, per_day=None)
    else:
        limits = None
    return SageAccounting(
        client_id=config.client_id,
        client_secret=config.client_secret,
        base_url=config.api_base_url,
        token_url=config.token_url,
        token_store=RedisTokenStore(config.redis_url, key=config.token_key, lease=config.lease),
        limits=limits,
        refresh_margin=config.refresh_margin,
        retry_policy=RetryPolicy(max_retries=20, backoff_base=0.02, backoff_max=0.5, deadline=60),
        timeout=30.0,
    )


def _retrying(action: Callable[[], None]) -> None:
    """Run a task again while Redis is unreachable (what a task queue's retry does): the error
    comes before the request is sent, so nothing is done twice."""
    from sage_accounting.fleet import RedisUnavailableError

    for _ in range(200):
        try:
            action()
            return
        except RedisUnavailableError:
            time.sleep(0.1)
    action()


def _work(config: FleetConfig, sage: Any, number: int, deadline: float) -> None:
    import redis

    results = redis.Redis.from_url(config.redis_url, retry_on_timeout=True)
    clients = {business: sage.with_business(business) for business in config.businesses}
    made = 0
    created: list[str] = []  # reported in batches: the harness's own Redis calls stay few

    def report() -> None:
        if created:
            _retry_redis(lambda: results.rpush(CREATED, *created))
            created.clear()

    try:
        while True:
            task = _retry_redis(lambda: results.lpop(TASKS))
            if task is None:
                break
            business, page = task.decode().split("|")

            def extract(business: str = business, page: str = page) -> None:
                answer = clients[business].request(
                    "GET", "/contacts", params={"page": page, "items_per_page": 100}
                )
                ids = [item["id"] for item in answer.json()["$items"]]
                if ids:
                    _retry_redis(lambda: results.rpush(SEEN + business, *ids))

            _retrying(extract)
        while time.time() < deadline:
            business = config.businesses[made % len(config.businesses)]
            reference = f"W{config.worker}T{number}N{made}"
            made += 1

            def create(business: str = business, reference: str = reference) -> None:
                body = {
                    "contact": {
                        "name": reference,
                        "contact_type_ids": ["CUSTOMER"],
                        "reference": reference,
                    }
                }
                answer = clients[business].request("POST", "/contacts", json=body)
                if answer.status_code != 201:
                    raise AssertionError(f"create answered {answer.status_code}")
                created.append(f"{business}|{reference}")

            _retrying(create)
            if len(created) >= REPORT_EVERY:
                report()
        report()
    except Exception:
        report()
        _retry_redis(lambda: results.rpush(ERRORS, traceback.format_exc()))
        raise


def _retry_redis(call: Callable[[], Any]) -> Any:
    import redis

    for _ in range(200):
        try:
            return call()
        except redis.ConnectionError:
            time.sleep(0.1)
    return call()


def _hog(config: FleetConfig) -> None:
    from sage_accounting.fleet import RedisLimits, RedisTokenStore

    limits = RedisLimits(
        config.redis_url,
        namespace=config.namespace,
        concurrency=config.concurrency,
        per_minute=None,
        per_day=None,
        app_per_day=None,
        lease=config.lease,
    )
    for _ in range(config.concurrency):
        limits.acquire(None)
    store = RedisTokenStore(config.redis_url, key=config.token_key, lease=config.lease)
    with store.refresh_lock():
        print("held", flush=True)
        time.sleep(600)


def main(argv: list[str]) -> int:
    config = FleetConfig(**json.loads(argv[0]))
    if config.hog:
        _hog(config)
        return 0
    sage = _client(config)  # one client (token, pool, limits) shared by the threads
    # Start together: say so once ready, then wait for the parent's word, so that the other
    # workers' start-up (imports, connections) does not overlap the fleet's work.
    import redis

    print(READY, flush=True)
    _retry_redis(lambda: redis.Redis.from_url(config.redis_url).blpop([GO], timeout=60))
    deadline = time.time() + config.seconds
    failures: list[BaseException] = []

    def thread(number: int) -> None:
        try:
            _work(config, sage, number, deadline)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(config.threads)]
    for each in threads:
        each.start()
    for each in threads:
        each.join()
    return 1 if failures else 0


# --- the parent's side ------------------------------------------------------------------------


REDIS_SERVER = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One redis-server process; `restart()` keeps its port and files (AOF on)."""

    def __init__(
        self, directory: Path, *, password: str | None = None, appendfsync: str = "always"
    ) -> None:
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.directory = directory
        self.port = _free_port()
        self.password = password
        self.appendfsync = appendfsync
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def argv(self) -> list[str]:
        assert REDIS_SERVER is not None
        argv = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--daemonize", "no",
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        if self.password:
            argv += ["--requirepass", self.password]
        return argv

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: {log}")
            time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING within 10 s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                if self.password:
                    sock.sendall(f"AUTH {self.password}\r\n".encode())
                    sock.recv(64)
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis flushes the append-only file first."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(ROOT / "generated"), str(ROOT)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def start_worker(config: FleetConfig, **changes: Any) -> subprocess.Popen[str]:
    options = {**config.__dict__, **changes}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fleet.fleet", json.dumps(options)],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class FleetResult:
    seconds: float
    exit_codes: list[int]
    stderr: list[str]
    errors: list[str]
    seen: dict[str, list[str]]
    created: list[str]
    machine_busy: float | None = None  # the share of all CPUs in use while the fleet ran


def fill_tasks(redis_url: str, pages: dict[str, int]) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(TASKS, CREATED, ERRORS, GO, *(SEEN + business for business in pages))
    tasks = [f"{business}|{page}" for business, n in pages.items() for page in range(1, n + 1)]
    if tasks:
        client.rpush(TASKS, *tasks)
    client.close()


def collect(
    redis_url: str, businesses: list[str]
) -> tuple[list[str], dict[str, list[str]], list[str]]:
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)

    def items(key: str) -> list[str]:
        return list(cast("list[str]", client.lrange(key, 0, -1)))

    created = items(CREATED)
    seen = {business: items(SEEN + business) for business in businesses}
    errors = items(ERRORS)
    client.close()
    return created, seen, errors


def run_fleet(
    config: FleetConfig,
    *,
    workers: int,
    pages: dict[str, int],
    during: Callable[[list[subprocess.Popen[str]]], None] | None = None,
    per_worker: list[dict[str, Any]] | None = None,
) -> FleetResult:
    """Start `workers` workers (worker n with the config changed by `per_worker[n]` when given,
    e.g. its own thread count), let them go together once all are ready, optionally act on them
    while they run, wait, collect."""
    import redis

    fill_tasks(config.redis_url, pages)
    procs = [
        start_worker(config, worker=n, **(per_worker[n] if per_worker else {}))
        for n in range(workers)
    ]
    try:
        for proc in procs:
            line = next(iter_lines(proc), "").strip()
            if line != READY:
                proc.wait(timeout=30)
                raise RuntimeError(f"a worker did not start: {line!r}, exit {proc.returncode}")
        started = time.monotonic()
        cpu_before = machine_cpu()
        client = redis.Redis.from_url(config.redis_url)
        client.rpush(GO, *[1] * workers)
        client.close()
        if during is not None:
            during(procs)
        outputs = [proc.communicate(timeout=config.seconds + 90) for proc in procs]
        cpu_after = machine_cpu()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    elapsed = time.monotonic() - started
    created, seen, errors = collect(config.redis_url, config.businesses)
    return FleetResult(
        seconds=elapsed,
        exit_codes=[proc.returncode for proc in procs],
        stderr=[err[-3000:] for _, err in outputs],
        errors=errors,
        seen=seen,
        created=created,
        machine_busy=_busy_share(cpu_before, cpu_after),
    )


def machine_cpu() -> tuple[int, int] | None:
    """(busy, total) clock ticks of every CPU of this machine so far, from /proc/stat (Linux);
    None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle and waiting for I/O
    return sum(ticks) - idle, sum(ticks)


def _busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def iter_lines(proc: subprocess.Popen[str]) -> Iterator[str]:
    assert proc.stdout is not None
    yield from iter(proc.stdout.readline, "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
