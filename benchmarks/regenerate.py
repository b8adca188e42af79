"""Full regeneration (`python -m generator --check`) against the stock tools end to end.

The baseline is what converting and generating costs with the usual tools: swagger2openapi
(the node converter) on each published Swagger 2.0 document, then stock openapi-python-client
on the finished OpenAPI 3 spec. Rounds are paired: ours (with build/cache as earlier runs left
it), ours with `--no-cache`, then the baseline, in each round. One untimed run first leaves
build/cache as a user's earlier run in this environment would (its key names the virtualenv).
Without node/npm the baseline is openapi-python-client alone, and its label says so.
"""

from __future__ import annotations

import statistics
import sys

from generator.spec import DEFAULT_SPEC_DIR, load_pins

from . import swagger2openapi
from .context import STOCK_PACKAGE, Context
from .core import Benchmark, Result, Timing, measure_command

ROUNDS = 5
# Issue #28: with caches at most half the stock tools' time, without them no more than theirs.
GOAL_CACHED = 0.5
GOAL_COLD = 1.0
# `--check` exits 1 when generated/ has drifted from the pipeline: it still regenerated fully.
_CHECK_CODES = (0, 1)
_STOCK_LABEL = "openapi-python-client generate --meta none, stock (ruff post-hooks)"


def _ours(context: Context, *options: str) -> Timing:
    return measure_command(
        [sys.executable, "-m", "generator", "--check", *options],
        cwd=context.root,
        env=context.env,
        ok_codes=_CHECK_CODES,
    )


def _baseline(context: Context, converter: list[str] | None) -> Timing:
    scratch = context.scratch("regenerate")
    try:
        total = Timing(0.0, 0.0)
        if converter is not None:
            documents = [DEFAULT_SPEC_DIR / pin.file for pin in load_pins()]
            total += swagger2openapi.time_conversion(converter, documents, scratch, env=context.env)
        return total + context.generate_stock(scratch / STOCK_PACKAGE)
    finally:
        context.discard(scratch)


def _run(context: Context) -> list[Result]:
    converter = swagger2openapi.converter(context.log)
    ours: list[Timing] = []
    cold: list[Timing] = []
    baseline: list[Timing] = []
    _ours(context)  # warm-up, untimed: the cached rows time a cache an earlier run left
    for _ in range(ROUNDS):
        ours.append(_ours(context))
        cold.append(_ours(context, "--no-cache"))
        baseline.append(_baseline(context, converter))
    if converter is None:
        label = f"{_STOCK_LABEL} alone: swagger2openapi unavailable (no node/npm)"
    else:
        label = (
            f"swagger2openapi {swagger2openapi.VERSION} (node, each published document) + "
            f"{_STOCK_LABEL} on the patched spec"
        )
    cached, uncached = "build/cache as left by earlier runs", "--no-cache"
    return [
        _result("regenerate", ours, baseline, label, f"{cached}, wall clock", GOAL_CACHED),
        _result("regenerate-cold", cold, baseline, label, f"{uncached}, wall clock", GOAL_COLD),
        _result("regenerate-cpu", ours, baseline, label, f"{cached}, CPU seconds", None),
        _result("regenerate-cold-cpu", cold, baseline, label, f"{uncached}, CPU", None),
    ]


def _result(
    name: str,
    ours_runs: list[Timing],
    baseline_runs: list[Timing],
    label: str,
    how: str,
    goal: float | None,
) -> Result:
    """A row of wall clock times, or of CPU seconds where there is no `goal`: the goal is
    about waiting, and CPU rows are there to tell load from change on a shared machine."""
    cpu = goal is None
    ours = [run.cpu if cpu else run.wall for run in ours_runs]
    baseline = [run.cpu if cpu else run.wall for run in baseline_runs]
    pairs = "/".join(f"{a / b:.2f}" for a, b in zip(ours, baseline, strict=True))
    return Result(
        name=name,
        ours=ours,
        baseline=baseline,
        baseline_label=label,
        method=(
            f"{how}; median of {ROUNDS} paired rounds (ours, ours --no-cache, the baseline); "
            f"ratio per round {pairs}, spread {_spread(ours, baseline):.0%}"
        ),
        goal=goal,
    )


def _spread(ours: list[float], baseline: list[float]) -> float:
    """Largest distance of a round's ratio from the median ratio, relative to it."""
    ratios = [a / b for a, b in zip(ours, baseline, strict=True)]
    middle = statistics.median(ratios)
    return max(abs(ratio - middle) for ratio in ratios) / middle


REGENERATE = Benchmark(
    name="regenerate",
    summary="`python -m generator --check`, cached and cold, against swagger2openapi + stock",
    run=_run,
)
