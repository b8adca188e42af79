"""The results as a compact table for people and as JSON for tools."""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .core import Result

HEADERS = ("name", "ours", "baseline", "ratio", "goal")


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_value(value: float, unit: str) -> str:
    return format_seconds(value) if unit == "s" else f"{value:g} {unit}"


def _goal(result: Result) -> str:
    verdict = "met" if result.goal_met else "missed"
    if result.allowance is not None:
        return f"<= baseline + {format_value(result.allowance, result.unit)} ({verdict})"
    if result.goal is None:
        return "-"
    return f"<= {result.goal:g}x ({verdict})"


def table(results: Sequence[Result]) -> str:
    rows = [HEADERS] + [
        (
            result.name,
            format_value(result.ours_median, result.unit),
            format_value(result.baseline_median, result.unit),
            f"{result.ratio:.3g}x",
            _goal(result),
        )
        for result in results
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS))]
    lines = [
        "  ".join(
            cell.ljust(width) if column in (0, 4) else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    for result in results:
        lines.append(f"{result.name}: baseline is {result.baseline_label}; {result.method}")
    return "\n".join(lines)


def to_json(results: Sequence[Result]) -> dict[str, Any]:
    return {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "results": [
            {
                "name": result.name,
                "ours_seconds": result.ours_median,
                "baseline_seconds": result.baseline_median,
                "ratio": result.ratio,
                "goal_ratio": result.goal,
                "goal_allowance": result.allowance,
                "goal_met": result.goal_met,
                "unit": result.unit,
                "baseline": result.baseline_label,
                "method": result.method,
                "ours_samples": list(result.ours),
                "baseline_samples": list(result.baseline),
            }
            for result in results
        ],
    }


def write_json(results: Sequence[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(results), indent=2) + "\n", encoding="utf-8")
