"""`sync(client, "duckdb:///books.duckdb")`: one dlt pipeline run of `sage_source` for one
business or many, summed up per business.

One pipeline per destination and dataset holds every business's watermarks (dlt's source
state, keyed by business) and keeps them with the destination; its local working folder is
named after the destination and the dataset, so a new destination never inherits another's
watermarks. All businesses of a run go in one load package: dlt's cost per run is paid once,
not per business. A run that was interrupted is resumed by the next: dlt loads a package that
was extracted but not loaded before it extracts anything new, and a package that was not fully
extracted is dropped with the state it carried.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import logging
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

import dlt
from dlt.common.destination import Destination
from dlt.extract.source import DltSource
from dlt.pipeline.exceptions import PipelineStepFailed

from .. import availability
from ..errors import SageAccountingError
from ._businesses import chosen_businesses
from ._first import appendable, held_keys
from ._once import RunDestination
from ._source import SOURCE_NAME, sage_source, tables_named
from ._summary import BusinessSummary, SyncSummary
from ._table import SyncError, Table
from ._tally import Business, BusinessTally, Tally
from ._upgrade import upgrade_dataset

if TYPE_CHECKING:
    from .. import SageAccounting

logger = logging.getLogger("sage_accounting")
DEFAULT_DESTINATION = "duckdb:///books.duckdb"
DEFAULT_DATASET = "sage"
_NAMED = re.compile(r"[a-z][a-z0-9_]*")


def destination_of(target: str | Destination[Any, Any]) -> tuple[Any, str]:
    """A dlt destination for `duckdb:///FILE`, `postgresql://...` or a dlt destination name
    (configured the dlt way), and a key naming it without credentials."""
    if not isinstance(target, str):
        return target, f"{target.destination_name}:{target.destination_type}"
    scheme, _, rest = target.partition("://")
    if scheme == "duckdb" and rest:
        path = Path(rest[1:] if rest.startswith("/") else rest).expanduser()
        if not path.name:
            raise SyncError(f"{target!r}: name the DuckDB file, e.g. duckdb:///books.duckdb")
        return dlt.destinations.duckdb(str(path)), f"duckdb:{path.resolve()}"
    if scheme in ("postgresql", "postgres") and rest:
        parts = urllib.parse.urlsplit(target)
        key = f"postgres:{parts.hostname}:{parts.port}{parts.path}"
        return dlt.destinations.postgres(credentials=target), key
    if not rest and _NAMED.fullmatch(target):
        return target, target
    raise SyncError(
        f"--to {_redacted(target)!r}: give duckdb:///FILE, postgresql://USER@HOST/DB or the "
        "name of a dlt destination configured in .dlt/secrets.toml (bigquery, snowflake, ...)"
    )


def _redacted(target: str) -> str:
    parts = urllib.parse.urlsplit(target)
    if parts.password is None:
        return target
    return target.replace(f":{parts.password}@", ":***@", 1)


def sync(
    sage: SageAccounting,
    destination: str | Destination[Any, Any] = DEFAULT_DESTINATION,
    *,
    collections: Sequence[str] | None = None,
    businesses: str | Sequence[str] | None = None,
    full_refresh: bool = False,
    dataset: str = DEFAULT_DATASET,
    pipeline_name: str | None = None,
    pipelines_dir: str | Path | None = None,
    concurrency: int = 8,
    parallel: int = 4,
    progress: bool = False,
    adopt: str | None = None,
) -> SyncSummary:
    """Copy businesses' books into `destination`: everything the first time, then changes.

    Args:
        destination: `duckdb:///books.duckdb` (a file here), `postgresql://...`, the name of
            a dlt destination configured the dlt way, or a dlt `Destination`.
        collections: resource names to sync (None: every collection the API can list).
        businesses: None: the client's business; `"all"`: every business the login reaches
            (GET /businesses); or a list of business ids. Then a business that fails (Sage
            refuses it, an error) is reported in the summary and the others are synced.
        full_refresh: read these collections whole and replace each business's rows.
        dataset: the schema the tables go to.
        pipeline_name, pipelines_dir: dlt's; by default a name derived from the destination
            and the dataset, in dlt's default folder.
        concurrency: pages fetched at once within a collection.
        parallel: collections read at once, and businesses read at once within each.
        progress: a bar per collection on stderr (one business), else a line per business.
        adopt: the business the rows of a dataset an earlier release wrote belong to, when
            that dataset does not say (see the guide).
    """
    if parallel < 1:
        raise SyncError(f"parallel must be at least 1, not {parallel}")
    target, key = destination_of(destination)
    started = time.perf_counter()
    retries_before = sage.retry_stats.retries
    # the sync's own duckdb:///FILE: a file it may keep open while it works on it
    own_file = isinstance(destination, str) and key.startswith("duckdb:")
    run = RunDestination(target, target.config_params["credentials"] if own_file else None)
    with _counting(sage.http_client) as overhead:
        chosen = chosen_businesses(sage, businesses)
        if pipeline_name is None:
            digest = hashlib.sha256(f"{key}|{dataset}".encode()).hexdigest()[:12]
            pipeline_name = f"{SOURCE_NAME}_{digest}"
        pipeline = dlt.pipeline(
            pipeline_name=pipeline_name,
            # dlt's own default is None (its folder), though its annotation says str.
            pipelines_dir=str(pipelines_dir) if pipelines_dir is not None else None,  # type: ignore[arg-type]
            destination=run.destination,
            dataset_name=dataset,
        )
        several = businesses is not None
        tally = Tally(on_done=_printer(len(chosen)) if progress and several else None)
        with run.held():
            with _step("restore"):
                pipeline.sync_destination()
                carried = upgrade_dataset(pipeline, key, dataset, chosen, adopt)
            load_ids = _resume(pipeline)
            # Asked only now: what an interrupted run left is in the tables.
            read = tables_named(collections)
            appends = appendable(pipeline, read, [b.id for b in chosen])
            held = {} if full_refresh else _held(pipeline, read, chosen, appends, carried)
        stop = threading.Event()  # set on Ctrl-C and when the run ends: its calls stop waiting
        reading = sage.with_options(stop=stop)
        source = sage_source(
            reading,
            collections,
            businesses=chosen,
            concurrency=concurrency,
            parallel=parallel,
            progress=progress and not several,
            tally=tally,
            whole=full_refresh,
            isolate=several,
            offered=availability.offered,
            watermarks=carried,
            appends=appends,
            held=held,
        )
        clients = {b.id: tally.of(b).client for b in chosen}
        with ExitStack() as stack:
            counts = {
                key: stack.enter_context(_counting(client.http_client))
                for key, client in clients.items()
                if client is not reading  # the client's own business: `overhead` counts it
            }
            with _stopped_by_interrupt(stop):
                load_ids += _run(pipeline, source, tally, parallel, not several, run.held)
    summaries = [BusinessSummary.of(tally.of(b), (counts.get(b.id) or overhead)[0]) for b in chosen]
    return SyncSummary(
        businesses=summaries,
        requests=overhead[0] + sum(count[0] for count in counts.values()),
        retries=sage.retry_stats.retries - retries_before,
        seconds=time.perf_counter() - started,
        destination=_redacted(destination) if isinstance(destination, str) else key,
        dataset=dataset,
        load_ids=load_ids,
    )


def _held(
    pipeline: dlt.Pipeline,
    tables: Sequence[Table],
    chosen: Sequence[Business],
    appends: frozenset[str],
    carried: Mapping[str, Mapping[str, str]],
) -> dict[tuple[str, str], frozenset[str]]:
    """`held_keys` of the tables a business reads from the start over its rows: the ids its
    rows there have (a read then removes those Sage no longer lists)."""
    state = pipeline.state.get("sources", {}).get(SOURCE_NAME, {})
    marks: Mapping[str, Mapping[str, str]] = state.get("watermarks", {})

    def marked(business: str, table: str) -> bool:
        return bool(marks.get(business, {}).get(table) or carried.get(business, {}).get(table))

    return held_keys(pipeline, tables, [b.id for b in chosen], appends, marked)


def _resume(pipeline: dlt.Pipeline) -> list[str]:
    """What an interrupted run left is loaded first, as dlt's `run()` does."""
    load_ids: list[str] = []
    with _step("load"):
        if pipeline.list_extracted_load_packages():
            pipeline.normalize()
        if pipeline.list_normalized_load_packages():
            load_ids += _loaded(pipeline)
    return load_ids


def _run(
    pipeline: dlt.Pipeline,
    source: DltSource,
    tally: Tally,
    parallel: int,
    raise_refusal: bool,
    held: Callable[[], AbstractContextManager[None]],
) -> list[str]:
    """dlt's run, in its steps: the source is extracted with `parallel` workers, normalised
    and loaded (after `_resume`), the destination `held` while it loads."""
    load_ids: list[str] = []
    with _step("load"):
        pipeline.extract(source, workers=parallel)
    if raise_refusal:
        for business in tally.businesses.values():
            if business.failed is not None:
                raise business.failed  # the client's own error, as a call raises it
    with _step("load"), held():
        pipeline.normalize()
        load_ids += _loaded(pipeline)
    return load_ids


def _loaded(pipeline: dlt.Pipeline) -> list[str]:
    """`pipeline.load()`; then the files of the packages it loaded are deleted: their rows are
    in the destination, and dlt would keep every run's copy in its working folder (a first
    sync's as large as the books). A package's record stays (`dlt pipeline ... info`), and
    one with a failed job keeps its files."""
    info = pipeline.load()
    for load_id in info.loads_ids:
        try:
            jobs = pipeline.get_load_package_info(load_id).jobs
            if jobs.get("failed_jobs"):
                continue
            for job in jobs.get("completed_jobs", []):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(job.file_path)
        except Exception as exc:  # the rows are loaded: tidying up never fails the run
            logger.warning("the files of load %s stay in dlt's folder: %s", load_id, exc)
    return list(info.loads_ids)


@contextmanager
def _stopped_by_interrupt(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C during the run also sets `stop` (then does what it did before): the readers'
    calls end where they wait (a retry's wait for a 429 too), so dlt's workers finish and the
    interrupt goes on at once. Only where Python handles SIGINT (the main thread, a handler
    set from Python); `stop` is set when the run ends, whatever ended it."""
    previous = signal.getsignal(signal.SIGINT)
    handler = previous if callable(previous) else None
    chained = handler is not None and threading.current_thread() is threading.main_thread()

    def interrupted(number: int, frame: Any) -> Any:
        stop.set()
        return handler(number, frame) if handler is not None else None

    if chained:
        signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        stop.set()
        if chained and signal.getsignal(signal.SIGINT) is interrupted:
            signal.signal(signal.SIGINT, previous)


@contextmanager
def _step(name: str) -> Iterator[None]:
    """A dlt step's failure as the client's own typed error, or a `SyncError`."""
    try:
        yield
    except PipelineStepFailed as exc:
        interrupted = _interruption(exc)
        if interrupted is not None:
            raise interrupted from None  # Ctrl-C (or an exit) during a step: as it was raised
        cause = _client_error(exc)
        if cause is not None:
            raise cause from exc  # the client's own typed error, as a call raises it
        raise SyncError(f"the sync failed at dlt's {exc.step} step: {exc.exception}") from exc


def _printer(total: int) -> Any:
    """One line on stderr per business, as each is read to the end."""
    done = [0]
    lock = threading.Lock()

    def report(tally: BusinessTally) -> None:
        with lock:
            done[0] += 1
            summary = BusinessSummary.of(tally, 0)
            print(f"[{done[0]}/{total}] {summary.line().rsplit(', ', 1)[0]}", file=sys.stderr)

    return report


def _wrapped(exc: BaseException, *, contexts: bool) -> Iterator[BaseException]:
    """`exc` and what it wraps, each once: dlt's `exception`, else the cause; with `contexts`,
    every cause and every exception it was raised while handling too, nearest first."""
    seen: set[int] = set()
    pending: collections.deque[BaseException | None] = collections.deque([exc])
    while pending:
        current = pending.popleft()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = getattr(current, "exception", None)
        inner = inner if isinstance(inner, BaseException) else None
        if contexts:
            pending += [inner, current.__cause__, current.__context__]
        else:
            pending.append(inner if inner is not None else current.__cause__)


def _interruption(exc: BaseException) -> BaseException | None:
    """A KeyboardInterrupt or SystemExit behind a step's failure: dlt, interrupted while its
    workers read, fails closing their generators, and that failure is what it raises."""
    found = (
        e for e in _wrapped(exc, contexts=True) if isinstance(e, KeyboardInterrupt | SystemExit)
    )
    return next(found, None)


def _client_error(exc: BaseException) -> SageAccountingError | None:
    """The client's error dlt wrapped (in a step failure, in a resource's extraction error)."""
    found = (e for e in _wrapped(exc, contexts=False) if isinstance(e, SageAccountingError))
    return next(found, None)


@contextmanager
def _counting(http: httpx.Client) -> Iterator[list[int]]:
    """Count the client's requests (a retried one counts once) while the block runs."""
    counter = [0]

    def count(response: httpx.Response) -> None:
        counter[0] += 1

    hooks = http.event_hooks
    hooks.setdefault("response", []).append(count)
    http.event_hooks = hooks
    try:
        yield counter
    finally:
        hooks = http.event_hooks
        hooks["response"] = [hook for hook in hooks.get("response", []) if hook is not count]
        http.event_hooks = hooks
