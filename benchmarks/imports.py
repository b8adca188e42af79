"""Cold imports, each in a fresh interpreter: ours against the stock output of the same spec,
and against importing our two dependencies (httpx, attrs) alone."""

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
    stock_statement = template.format(package=STOCK_PACKAGE)
    return _compare(
        context,
        name,
        template.format(package=OUR_PACKAGE),
        stock_statement,
        baseline_label=f"openapi-python-client stock output: {stock_statement}",
        goal=goal,
        runs=runs,
    )


def _compare(
    context: Context,
    name: str,
    ours_statement: str,
    baseline_statement: str,
    *,
    baseline_label: str,
    goal: float | None = None,
    allowance: float | None = None,
    runs: int = RUNS,
) -> Result:
    # The first run of each writes the bytecode caches; users pay that only once.
    _time_statement(context, ours_statement)
    _time_statement(context, baseline_statement)
    ours: list[float] = []
    baseline: list[float] = []
    for _ in range(runs):
        ours.append(_time_statement(context, ours_statement))
        baseline.append(_time_statement(context, baseline_statement))
    return Result(
        name=name,
        ours=ours,
        baseline=baseline,
        baseline_label=baseline_label,
        method=f"median of {runs} fresh interpreters each, bytecode cached",
        goal=goal,
        allowance=allowance,
    )


def _models_loaded(context: Context, package: str, statement: str) -> int:
    """How many modules of `package`.models one fresh interpreter holds after `statement`."""
    code = (
        f"import sys\n{statement}\n"
        f"print(sum(name.startswith('{package}.models.') for name in sys.modules))"
    )
    result = run_checked(
        [sys.executable, "-c", code], cwd=context.workdir, env=context.import_env()
    )
    return int(result.stdout.strip().splitlines()[-1])


#: `import sage_accounting` may cost at most this much more than importing its dependencies.
DEPENDENCIES_ALLOWANCE = 0.035
DEPENDENCIES = "import httpx, attrs"


def _import_package(context: Context) -> list[Result]:
    return [
        compare_statements(context, "import-package", "import {package}", goal=0.1),
        _compare(
            context,
            "import-package-vs-deps",
            f"import {OUR_PACKAGE}",
            DEPENDENCIES,
            baseline_label=f"our dependencies alone: {DEPENDENCIES}",
            allowance=DEPENDENCIES_ALLOWANCE,
        ),
    ]


def _import_model(context: Context) -> list[Result]:
    template = "from {package}.models import SalesInvoice"
    ours = _models_loaded(context, OUR_PACKAGE, template.format(package=OUR_PACKAGE))
    stock_statement = template.format(package=STOCK_PACKAGE)
    stock = _models_loaded(context, STOCK_PACKAGE, stock_statement)
    return [
        compare_statements(context, "import-model", template, goal=None),
        Result(
            name="import-model-modules",
            ours=[ours],
            baseline=[stock],
            baseline_label=f"the stock output's model modules after {stock_statement}",
            method="model modules in sys.modules after the first model import (one interpreter)",
            goal=0.1,  # the first model import must not pull the models package in
            unit="modules",
        ),
    ]


IMPORT_PACKAGE = Benchmark(
    name="import-package",
    summary="cold `import sage_accounting` against the stock output's and `import httpx, attrs`",
    run=_import_package,
)
IMPORT_MODEL = Benchmark(
    name="import-model",
    summary="cold `from <package>.models import SalesInvoice` (first model use): time, modules",
    run=_import_model,
)
