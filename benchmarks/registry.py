"""Every benchmark, in run order. A new benchmark is a module with a `Benchmark`, listed here."""

from __future__ import annotations

from .adaptive import ADAPTIVE
from .attachments import ATTACHMENTS
from .books import BOOKS
from .businesses import BUSINESSES_BENCH
from .core import Benchmark
from .decode import DECODE
from .extract import EXTRACT
from .fleet import FLEET
from .imports import IMPORT_CLIENT, IMPORT_MODEL, IMPORT_PACKAGE
from .limits import LIMITS
from .regenerate import REGENERATE
from .seeds import SEEDS
from .sync import SYNC
from .sync_apart import SYNC_APART

BENCHMARKS: tuple[Benchmark, ...] = (
    IMPORT_PACKAGE,
    IMPORT_CLIENT,
    IMPORT_MODEL,
    DECODE,
    EXTRACT,
    SYNC,
    SYNC_APART,
    BUSINESSES_BENCH,
    LIMITS,
    ADAPTIVE,
    FLEET,
    ATTACHMENTS,
    BOOKS,
    SEEDS,
    REGENERATE,
)


def by_name() -> dict[str, Benchmark]:
    return {benchmark.name: benchmark for benchmark in BENCHMARKS}
