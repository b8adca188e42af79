"""A spec update in which Sage fixed one of our errata goes through and says what to delete;
the pinned build stays strict about it.

The 2022 Accounts document gives every array its `items`, so `array_items` changes nothing
there; the synthetic document is the current one with those two arrays fixed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.__main__ import main as generate_main
from generator.errata import ErratumDidNothing
from generator.pipeline import patched_spec
from generator.spec import PINS_FILE, load_pins
from generator.update_spec import UpdateResult, main, update_spec

ACCOUNTS = "sage-accounting-v3.1-accounts.swagger.json"
USER_BUSINESSES = "sage-accounting-v3.1-user-businesses.swagger.json"
HISTORY = "history/sage-accounting-v3.1-accounts.2022.swagger.json"
SECTION = "## Errata no longer needed"


def _fixed_arrays(spec_dir: Path) -> dict[str, Any]:
    """The current Accounts document as if Sage had given its item-less arrays their items."""
    data: dict[str, Any] = json.loads((spec_dir / ACCOUNTS).read_text(encoding="utf-8"))
    properties = data["definitions"]["AnalysisType"]["properties"]
    for name in ("active_areas", "analysis_type_level"):
        assert "items" not in properties[name], "Sage fixed it: write another synthetic fix"
        properties[name]["items"] = {"type": "string"}
    return data


@pytest.fixture()
def pins(tmp_path: Path) -> Path:
    copy = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, copy)
    return copy


@pytest.fixture()
def fixed_source(tmp_path: Path, spec_dir: Path) -> Path:
    source = tmp_path / "incoming" / ACCOUNTS
    source.parent.mkdir()
    source.write_text(json.dumps(_fixed_arrays(spec_dir), indent=1), encoding="utf-8")
    return source


def _review(
    source: Path, spec_dir: Path, pins: Path, *, log: Callable[[str], None] = lambda line: None
) -> UpdateResult:
    """`update-spec --no-regenerate` on copies: report and changelog beside the pins."""
    folder = pins.parent
    return update_spec(
        str(source),
        spec_dir=spec_dir,
        pins_file=pins,
        report_path=folder / "REPORT.md",
        changelog=folder / "CHANGELOG.md",
        regenerate=False,
        log=log,
    )


def _section(report: str) -> str:
    return report[report.index(SECTION) :]


def test_a_fixed_erratum_is_listed_with_what_to_delete(
    tmp_path: Path, spec_dir: Path, pins: Path, fixed_source: Path
) -> None:
    lines: list[str] = []
    result = _review(fixed_source, spec_dir, pins, log=lines.append)

    assert result.unneeded_errata == ("array_items",)
    section = _section((tmp_path / "REPORT.md").read_text(encoding="utf-8"))
    assert "- `array_items` (A few arrays" in section
    assert "delete `def array_items` at `generator/errata.py:" in section
    assert "its entry in `ERRATA`" in section
    assert section.count("\n- ") == 1
    assert any(line.startswith("errata no longer needed: array_items;") for line in lines)
    assert load_pins(pins)[0].sha256 == result.new.sha256


def test_a_report_without_fixed_errata_says_none(
    tmp_path: Path, spec_dir: Path, pins: Path
) -> None:
    changed = json.loads((spec_dir / ACCOUNTS).read_text(encoding="utf-8"))
    changed["definitions"]["Contact"]["properties"]["loyalty_tier"] = {"type": "string"}
    source = tmp_path / ACCOUNTS
    source.write_text(json.dumps(changed), encoding="utf-8")

    result = _review(source, spec_dir, pins)

    assert result.unneeded_errata == ()
    assert result.report is not None
    assert _section(result.report).startswith(f"{SECTION}\n\nNone: every erratum still changes")


def test_the_pinned_build_still_refuses_a_patch_that_changes_nothing(
    tmp_path: Path, spec_dir: Path, pins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "spec"
    folder.mkdir()
    fixed = folder / ACCOUNTS
    fixed.write_text(json.dumps(_fixed_arrays(spec_dir)), encoding="utf-8")
    shutil.copyfile(spec_dir / USER_BUSINESSES, folder / USER_BUSINESSES)
    _review(fixed, spec_dir, pins)
    pinned = ["--spec-dir", str(folder), "--pins", str(pins), "--target", str(tmp_path / "g")]

    assert generate_main([*pinned, "--check"]) == 2

    assert "erratum 'array_items' changed nothing" in capsys.readouterr().err
    with pytest.raises(ErratumDidNothing, match="array_items"):
        patched_spec(folder, pins_file=pins, log=lambda line: None)


@pytest.mark.parametrize(
    "flags", [[], ["--check"], ["--accept-new-spec", "--check"]], ids=["pinned", "check", "both"]
)
def test_the_lenient_flag_is_for_a_new_spec_only(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        generate_main(["--allow-unneeded-errata", *flags])
    assert exited.value.code == 2
    assert "--allow-unneeded-errata needs --accept-new-spec" in capsys.readouterr().err


@pytest.mark.slow
def test_updating_to_the_2022_document_regenerates(
    tmp_path: Path, spec_dir: Path, pins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "generated"
    args = [
        "--from",
        str(spec_dir / HISTORY),
        "--spec-dir",
        str(spec_dir),
        "--pins",
        str(pins),
        "--report",
        str(tmp_path / "REPORT.md"),
        "--changelog",
        str(tmp_path / "CHANGELOG.md"),
        "--target",
        str(target),
    ]

    assert main(args) == 0

    printed = capsys.readouterr().out
    assert "erratum array_items: 0 place(s) changed - no longer needed" in printed
    assert "- `array_items` (" in _section((tmp_path / "REPORT.md").read_text(encoding="utf-8"))
    assert (target / "sage_accounting" / "models" / "contact.py").is_file()
    assert load_pins(pins)[0].sha256 != load_pins(PINS_FILE)[0].sha256
