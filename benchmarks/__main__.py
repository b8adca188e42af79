"""`python -m benchmarks [--only NAME ...] [--list] [--json PATH]`."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .context import PROJECT_ROOT, Context
from .core import BenchmarkError, Result
from .registry import BENCHMARKS, by_name
from .report import table, write_json

DEFAULT_JSON = PROJECT_ROOT / "build" / "bench" / "results.json"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    names = list(by_name())
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of sage_accounting, as ratios against baselines of the same run.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=names,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(names)}",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"where to write the results (default: {DEFAULT_JSON.relative_to(PROJECT_ROOT)})",
    )
    args = parser.parse_args(argv)
    if args.list:
        for benchmark in BENCHMARKS:
            print(f"{benchmark.name:16} {benchmark.summary}")
        return 0
    selected = [b for b in BENCHMARKS if args.only is None or b.name in args.only]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="sage-bench-") as workdir:
        context = Context(Path(workdir), log=_log)
        for benchmark in selected:
            _log(f"running {benchmark.name}: {benchmark.summary}")
            started = time.perf_counter()
            try:
                results.extend(benchmark.run(context))
            except BenchmarkError as exc:
                print(f"error: {benchmark.name}: {exc}", file=sys.stderr)
                return 2
            _log(f"  done in {time.perf_counter() - started:.1f}s")
    print(table(results))
    write_json(results, args.json)
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
