"""Cold imports, each in a fresh interpreter: ours against the stock output of the same spec."""

from __future__ import annotations

import sys

from .context import OUR_PACKAGE, STOCK_PACKAGE, Context
from .core import Benchmark, BenchmarkError, Result, run_checked

RUNS = 15

# Only the statement is timed, not interpreter start-up, which is the same for both.
_TIMED = """\
import time
_started = time.perf_counter()
{statement}
print(time.perf_counter() - _started)
"""


def _time_statement(context: Context, statement: str) -> float:
    result = run_checked(
        [sys.executable, "-c", _TIMED.format(statement=statement)],
        cwd=context.workdir,
        env=context.import_env(),
    )
    try:
        return float(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise BenchmarkError(f"no timing printed for {statement!r}: {result.stdout!r}") from None


def compare_statements(
    context: Context, name: str, template: str, *, goal: float | None, runs: int = RUNS
) -> Result:
    """Median of `runs` fresh processes for each package, run alternately."""
    ours_statement = template.format(package=OUR_PACKAGE)
    stock_statement = template.format(package=STOCK_PACKAGE)
    # The first run of each writes the bytecode caches; users pay that only once.
    _time_statement(context, ours_statement)
    _time_statement(context, stock_statement)
    ours: list[float] = []
    stock: list[float] = []
    for _ in range(runs):
        ours.append(_time_statement(context, ours_statement))
        stock.append(_time_statement(context, stock_statement))
    return Result(
        name=name,
        ours=ours,
        baseline=stock,
        baseline_label=f"openapi-python-client stock output: {stock_statement}",
        method=f"median of {runs} fresh interpreters each, bytecode cached",
        goal=goal,
    )


def _import_package(context: Context) -> list[Result]:
    return [compare_statements(context, "import-package", "import {package}", goal=0.1)]


def _import_model(context: Context) -> list[Result]:
    template = "from {package}.models import SalesInvoice"
    return [compare_statements(context, "import-model", template, goal=None)]


IMPORT_PACKAGE = Benchmark(
    name="import-package",
    summary="cold `import sage_accounting` against the stock output's package import",
    run=_import_package,
)
IMPORT_MODEL = Benchmark(
    name="import-model",
    summary="cold `from <package>.models import SalesInvoice` (first model use), same baseline",
    run=_import_model,
)
