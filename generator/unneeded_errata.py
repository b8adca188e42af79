"""Which of our errata a new spec no longer needs, for the update-spec report.

A patch that changes nothing fails the pinned build (errata.py), so that an upstream fix is
noticed. When `update-spec` reviews a new document, such a patch is not an error: it is one of
the things to do, listed under "Errata no longer needed" with where to delete it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .convert import convert
from .errata import ERRATA, Erratum, apply_errata
from .merge import merge
from .pipeline import MERGED_TITLE
from .spec import PROJECT_ROOT

TESTS = PROJECT_ROOT / "tests"


@dataclass(frozen=True)
class UnneededErratum:
    """A patch that changed nothing: its name, why it was there, and what to delete."""

    name: str
    why: str
    source: str  # "generator/errata.py:317", the patch function
    tests: tuple[str, ...]  # test files that name it


def find_unneeded(documents: Sequence[dict[str, Any]]) -> list[UnneededErratum]:
    """The errata that change nothing in the Swagger 2.0 `documents` (in pins order)."""
    merged = merge([convert(data) for data in documents], title=MERGED_TITLE)
    _, counts = apply_errata(merged, unneeded_ok=True)
    return [_describe(erratum) for erratum in ERRATA if counts[erratum.name] == 0]


def _describe(erratum: Erratum) -> UnneededErratum:
    path = Path(inspect.getsourcefile(erratum.apply) or "")
    line = inspect.getsourcelines(erratum.apply)[1]
    word = re.compile(rf"\b{re.escape(erratum.name)}\b")
    tests = tuple(
        _relative(test)
        for test in sorted(TESTS.rglob("*.py"))
        if word.search(test.read_text(encoding="utf-8"))
    )
    return UnneededErratum(erratum.name, erratum.why, f"{_relative(path)}:{line}", tests)


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def render_section(unneeded: Sequence[UnneededErratum] | str) -> str:
    """The report's "Errata no longer needed" section; a str says why it was not determined."""
    lines = ["", "## Errata no longer needed", ""]
    if isinstance(unneeded, str):
        return "\n".join([*lines, f"Not determined: {unneeded}", ""])
    if not unneeded:
        return "\n".join([*lines, "None: every erratum still changes the new document.", ""])
    lines += [
        "Sage's new document no longer has what these patches fix; they changed nothing and "
        "the client was generated without them. Delete each (the function and its entry in "
        "`ERRATA`, and the tests of it): until then `nox -s generate` and the drift check, "
        "which stay strict, refuse the new pin.",
        "",
    ]
    for erratum in unneeded:
        tests = ", ".join(f"`{test}`" for test in erratum.tests) or "none"
        lines.append(
            f"- `{erratum.name}` ({erratum.why}): delete `def {erratum.name}` at "
            f"`{erratum.source}` and its entry in `ERRATA` (`generator/errata.py`); tests "
            f"naming it: {tests}"
        )
    return "\n".join(lines) + "\n"
