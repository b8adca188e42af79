"""Full regeneration (`python -m generator --check`) against openapi-python-client alone."""

from __future__ import annotations

import sys

from .context import STOCK_PACKAGE, Context
from .core import Benchmark, Result, time_command

ROUNDS = 3
# `--check` exits 1 when generated/ has drifted from the pipeline: it still regenerated fully.
_CHECK_CODES = (0, 1)


def _run(context: Context) -> list[Result]:
    ours: list[float] = []
    stock: list[float] = []
    context.stock_dir()
    if context.stock_generate_seconds is not None:
        stock.append(context.stock_generate_seconds)
    while len(ours) < ROUNDS or len(stock) < ROUNDS:
        if len(ours) < ROUNDS:
            ours.append(
                time_command(
                    [sys.executable, "-m", "generator", "--check"],
                    cwd=context.root,
                    env=context.env,
                    ok_codes=_CHECK_CODES,
                )
            )
        if len(stock) < ROUNDS:
            scratch = context.scratch("regenerate")
            try:
                stock.append(context.generate_stock(scratch / STOCK_PACKAGE))
            finally:
                context.discard(scratch)
    return [
        Result(
            name="regenerate",
            ours=ours,
            baseline=stock,
            baseline_label="openapi-python-client generate --meta none, stock (ruff post-hooks)",
            method=f"median of {ROUNDS} runs each",
        )
    ]


REGENERATE = Benchmark(
    name="regenerate",
    summary="`python -m generator --check` against the stock openapi-python-client CLI",
    run=_run,
)
