"""Cold imports, each in a fresh interpreter: ours against the stock output of the same spec,
and against importing our two dependencies (httpx, attrs) alone."""

from __future__ import annotations

import sys

from .context import OUR_PACKAGE, STOCK_PACKAGE, Context
from .core import Benchmark, BenchmarkError, Result, run_checked

RUNS = 15
# The client's rows hold a goal of a few ms on a shared machine: more pairs steady the medians.
CLIENT_RUNS = 31

# Only the statement is timed, not interpreter start-up, which is the same for both: wall
# time, and the process's CPU time, which tells load on a shared machine from a regression.
_TIMED = """\
import time
_started, _cpu = time.perf_counter(), time.process_time()
{statement}
print(time.perf_counter() - _started, time.process_time() - _cpu)
"""


def _time_statement(context: Context, statement: str, *, stock: bool = True) -> tuple[float, float]:
    """Wall and CPU seconds of `statement` in a fresh interpreter (`stock`: the stock output
    importable too)."""
    result = run_checked(
        [sys.executable, "-c", _TIMED.format(statement=statement)],
        cwd=context.workdir,
        env=context.import_env(stock=stock),
    )
    try:
        wall, cpu = result.stdout.strip().splitlines()[-1].split()
        return float(wall), float(cpu)
    except (IndexError, ValueError):
        raise BenchmarkError(f"no timing printed for {statement!r}: {result.stdout!r}") from None


def compare_statements(
    context: Context, name: str, template: str, *, goal: float | None, runs: int = RUNS
) -> Result:
    """Median of `runs` fresh processes for each package, run alternately."""
    stock_statement = template.format(package=STOCK_PACKAGE)
    wall, _ = _compare(
        context,
        name,
        template.format(package=OUR_PACKAGE),
        stock_statement,
        baseline_label=f"openapi-python-client stock output: {stock_statement}",
        goal=goal,
        runs=runs,
    )
    return wall


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
    stock: bool = True,
) -> tuple[Result, Result]:
    """Wall time (held to `goal`/`allowance`) and CPU time (`<name>-cpu`, reported) of the
    same `runs` pairs of fresh interpreters, ours and the baseline alternately."""
    # The first run of each writes the bytecode caches; users pay that only once.
    _time_statement(context, ours_statement, stock=stock)
    _time_statement(context, baseline_statement, stock=stock)
    ours = [(0.0, 0.0)] * runs
    baseline = [(0.0, 0.0)] * runs
    for run in range(runs):
        ours[run] = _time_statement(context, ours_statement, stock=stock)
        baseline[run] = _time_statement(context, baseline_statement, stock=stock)
    method = f"median of {runs} fresh interpreters each, run in pairs, bytecode cached"
    wall = Result(
        name=name,
        ours=[sample[0] for sample in ours],
        baseline=[sample[0] for sample in baseline],
        baseline_label=baseline_label,
        method=method,
        goal=goal,
        allowance=allowance,
    )
    cpu = Result(
        name=f"{name}-cpu",
        ours=[sample[1] for sample in ours],
        baseline=[sample[1] for sample in baseline],
        baseline_label=baseline_label,
        method=f"{method}; process CPU time",
    )
    return wall, cpu


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


#: `import sage_accounting`, and importing the client, may cost at most this much more than
#: importing its dependencies.
DEPENDENCIES_ALLOWANCE = 0.035
DEPENDENCIES = "import httpx, attrs"
DEPENDENCIES_CLIENT = "import httpx, attrs\nhttpx.Client()"


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
        )[0],
    ]


#: What a sync program runs first: the import, then a client built from a token.
CLIENT_IMPORT = "from sage_accounting import SageAccounting"
CLIENT_CONSTRUCTION = (
    "from sage_accounting import SageAccounting, Token\n"
    "SageAccounting(client_id='id', client_secret='secret', token=Token('access'))"
)


def _import_client(context: Context) -> list[Result]:
    label = f"our dependencies alone: {DEPENDENCIES}"
    imported = _compare(
        context,
        "import-client-vs-deps",
        CLIENT_IMPORT,
        DEPENDENCIES,
        baseline_label=label,
        allowance=DEPENDENCIES_ALLOWANCE,
        runs=CLIENT_RUNS,
        stock=False,
    )
    # Reported beside it, so that cost moved from the import into the constructor shows; the
    # baseline builds the httpx client ours builds too (its TLS context is most of that).
    constructed = _compare(
        context,
        "construct-client-vs-deps",
        CLIENT_CONSTRUCTION,
        DEPENDENCIES_CLIENT,
        baseline_label=f"our dependencies and an httpx client: {DEPENDENCIES_CLIENT}",
        runs=CLIENT_RUNS,
        stock=False,
    )
    return [*imported, *constructed]


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
IMPORT_CLIENT = Benchmark(
    name="import-client",
    summary="cold `from sage_accounting import SageAccounting` (and building one) vs httpx, attrs",
    run=_import_client,
)
IMPORT_MODEL = Benchmark(
    name="import-model",
    summary="cold `from <package>.models import SalesInvoice` (first model use): time, modules",
    run=_import_model,
)
