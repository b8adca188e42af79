"""`sync(client, "duckdb:///books.duckdb")`: one dlt pipeline run of `sage_source`, summed up.

The pipeline keeps dlt's state with the destination; its local working folder is named after
the destination, the dataset and the business, so a new destination never inherits another's
watermarks. A run that was interrupted is resumed by the next: dlt loads a package that was
extracted but not loaded before it extracts anything new, and a package that was not fully
extracted is dropped with the state it carried.
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

import dlt
from dlt.common.destination import Destination
from dlt.pipeline.exceptions import PipelineStepFailed

from ..errors import SageAccountingError
from ._source import SOURCE_NAME, TableCount, Tally, sage_source
from ._table import SyncError

if TYPE_CHECKING:
    from .. import SageAccounting

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


@dataclass
class SyncSummary:
    """What one sync did: per table, requests, time."""

    tables: dict[str, TableCount]
    requests: int
    retries: int
    seconds: float
    destination: str
    dataset: str
    load_ids: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.added + c.updated + c.deleted for c in self.tables.values())

    @property
    def skipped(self) -> dict[str, str]:
        return {name: c.skipped for name, c in self.tables.items() if c.skipped}

    def text(self) -> str:
        changed = {
            name: count
            for name, count in self.tables.items()
            if not count.replaced and (count.added or count.updated or count.deleted or count.lines)
        }
        replaced = [count for count in self.tables.values() if count.replaced]
        width = max([len("table"), *map(len, changed)])
        lines = [f"{'table':<{width}}  {'added':>8}  {'updated':>8}  {'deleted':>8}  {'lines':>8}"]
        for name, c in changed.items():
            lines.append(
                f"{name:<{width}}  {c.added:>8}  {c.updated:>8}  {c.deleted:>8}  {c.lines:>8}"
            )
        if not changed:
            lines.append("(no changes)")
        if replaced:
            rows = sum(count.added + count.lines for count in replaced)
            lines.append(
                f"reloaded whole (no change tracking): {len(replaced)} table(s), {rows} rows"
            )
        for name, reason in self.skipped.items():
            lines.append(f"skipped {name}: {reason}")
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        lines.append(
            f"{len(self.tables) - len(self.skipped)} collection(s) synced into {self.destination} "
            f"(dataset {self.dataset}): {self.requests} request(s), {self.retries} retried, "
            f"{self.seconds:.1f} s, {rate:,.0f} rows/s"
        )
        return "\n".join(lines)


def sync(
    sage: SageAccounting,
    destination: str | Destination[Any, Any] = DEFAULT_DESTINATION,
    *,
    collections: Sequence[str] | None = None,
    full_refresh: bool = False,
    dataset: str = DEFAULT_DATASET,
    pipeline_name: str | None = None,
    pipelines_dir: str | Path | None = None,
    concurrency: int = 8,
    progress: bool = False,
) -> SyncSummary:
    """Copy `sage`'s business into `destination`: everything the first time, then changes.

    Args:
        destination: `duckdb:///books.duckdb` (a file here), `postgresql://...`, the name of
            a dlt destination configured the dlt way, or a dlt `Destination`.
        collections: resource names to sync (None: every collection the API can list).
        full_refresh: drop the tables and watermarks of these collections and load anew.
        dataset: the schema the tables go to.
        pipeline_name, pipelines_dir: dlt's; by default a name derived from the destination,
            the dataset and the business, in dlt's default folder.
        concurrency: pages fetched at once within a collection.
        progress: a bar per collection on stderr.
    """
    target, key = destination_of(destination)
    business = sage.business_id or "lead"
    if pipeline_name is None:
        digest = hashlib.sha256(f"{key}|{dataset}|{business}".encode()).hexdigest()[:12]
        pipeline_name = f"{SOURCE_NAME}_{digest}"
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        # dlt's own default is None (its folder), though its annotation says str.
        pipelines_dir=str(pipelines_dir) if pipelines_dir is not None else None,  # type: ignore[arg-type]
        destination=target,
        dataset_name=dataset,
    )
    tally = Tally()
    source = sage_source(sage, collections, concurrency=concurrency, progress=progress, tally=tally)
    started = time.perf_counter()
    retries_before = sage.retry_stats.retries
    with _counting(sage.http_client) as requests:
        try:
            info = (
                pipeline.run(source, refresh="drop_resources")
                if full_refresh
                else pipeline.run(source)
            )
        except PipelineStepFailed as exc:
            cause = _client_error(exc)
            if cause is not None:
                raise cause from exc  # the client's own typed error, as a call raises it
            raise SyncError(f"the sync failed at dlt's {exc.step} step: {exc.exception}") from exc
    return SyncSummary(
        tables=tally.tables,
        requests=requests[0],
        retries=sage.retry_stats.retries - retries_before,
        seconds=time.perf_counter() - started,
        destination=_redacted(destination) if isinstance(destination, str) else key,
        dataset=dataset,
        load_ids=list(info.loads_ids),
    )


def _client_error(exc: BaseException) -> SageAccountingError | None:
    """The client's error dlt wrapped (in a step failure, in a resource's extraction error)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, SageAccountingError):
            return current
        seen.add(id(current))
        inner = getattr(current, "exception", None)
        current = inner if isinstance(inner, BaseException) else current.__cause__
    return None


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
