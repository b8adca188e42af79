"""What a benchmark is, what it reports, and the timing helpers they share."""

from __future__ import annotations

import gc
import resource
import statistics
import subprocess
import time
import timeit
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Context


@dataclass(frozen=True)
class Result:
    """One row of the report: our median against the baseline's median (seconds, or `unit`);
    `paired`, the median of the rounds' own ratios (each pair ran under the same load).

    `goal` bounds the ratio; `allowance` bounds the difference instead (ours at most that much
    over the baseline)."""

    name: str
    ours: Sequence[float]
    baseline: Sequence[float]
    baseline_label: str
    method: str
    goal: float | None = None
    allowance: float | None = None
    unit: str = "s"
    paired: bool = False  # ours[i] and baseline[i] ran together: the ratio is their ratios' median

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)

    @property
    def ratio(self) -> float:
        if self.paired:
            pairs = zip(self.ours, self.baseline, strict=True)
            return statistics.median(mine / theirs for mine, theirs in pairs)
        return self.ours_median / self.baseline_median

    @property
    def goal_met(self) -> bool | None:
        if self.allowance is not None:
            return self.ours_median - self.baseline_median <= self.allowance
        return None if self.goal is None else self.ratio <= self.goal


@dataclass(frozen=True)
class Benchmark:
    """A named measurement; `run` may report several rows."""

    name: str
    summary: str
    run: Callable[[Context], list[Result]]


class BenchmarkError(RuntimeError):
    """A benchmarked command failed, so there is nothing meaningful to time."""


def run_checked(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], ok_codes: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(argv), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    if result.returncode not in ok_codes:
        raise BenchmarkError(
            f"{' '.join(argv)} exited with {result.returncode}:\n"
            f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    return result


@dataclass(frozen=True)
class Timing:
    """Seconds of one run: wall clock, and CPU (user + system, the command and its children)."""

    wall: float
    cpu: float

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.wall + other.wall, self.cpu + other.cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_command(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], ok_codes: tuple[int, ...] = (0,)
) -> Timing:
    """Wall-clock and CPU seconds of one run of a command.

    CPU time hardly depends on what else the machine runs, so on a shared machine it is the
    steadier of the two; a command that uses two cores at once spends more CPU than wall time.
    """
    started, cpu = time.perf_counter(), _children_cpu()
    run_checked(argv, cwd=cwd, env=env, ok_codes=ok_codes)
    return Timing(time.perf_counter() - started, _children_cpu() - cpu)


def time_command(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], ok_codes: tuple[int, ...] = (0,)
) -> float:
    """Wall-clock seconds of one run of a command."""
    return measure_command(argv, cwd=cwd, env=env, ok_codes=ok_codes).wall


def time_call(function: Callable[[], object], *, repeat: int = 7) -> list[float]:
    """Seconds per call, once per repetition, like `python -m timeit`.

    Unlike timeit's default the garbage collector stays on: decoding allocates many objects,
    and the collections that triggers are part of what a caller pays.
    """
    timer = timeit.Timer(function, setup=gc.enable)
    number, _ = timer.autorange()
    return [total / number for total in timer.repeat(repeat=repeat, number=number)]


def time_paired(
    candidates: Mapping[str, Callable[[], object]], *, rounds: int = 7
) -> dict[str, list[float]]:
    """Seconds per call of each candidate, `rounds` times, the candidates timed in turn within
    each round (garbage collector on, as in `time_call`): a load that comes and goes on a
    shared machine weighs on both sides of a ratio."""
    timers = {label: timeit.Timer(call, setup=gc.enable) for label, call in candidates.items()}
    numbers = {label: timer.autorange()[0] for label, timer in timers.items()}
    timings: dict[str, list[float]] = {label: [] for label in candidates}
    for _ in range(rounds):
        for label, timer in timers.items():
            timings[label].append(timer.timeit(numbers[label]) / numbers[label])
    return timings
