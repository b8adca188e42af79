"""The spec-change path: its report, its CHANGELOG entry, and `update_spec` end to end."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from generator.spec import PINS_FILE, SpecHashMismatch, load_documents, load_pins
from generator.spec_diff import (
    Change,
    ChangeKind,
    SpecVersion,
)
from generator.spec_report import render_changelog_entry, render_report
from generator.update_spec import CHANGELOG_HEADER, main, prepend_changelog, update_spec
from tests.generator.spec_docs import (
    ACCOUNTS,
    HISTORY,
    REAL_AVAILABILITY_WITHDRAWN,
    REAL_TOTAL,
    SHA_2022,
    SHA_CURRENT,
    SHA_USER_BUSINESSES,
    USER_BUSINESSES,
)

# rendering


OLD = SpecVersion("accounts", ACCOUNTS, "Accounts", "3.1", "a" * 64)
NEW = SpecVersion("accounts", ACCOUNTS, "Accounts", "3.2", "b" * 64)
MIXED = [
    Change(ChangeKind.FIELD_ADDED, "Contact.x", False, "string, optional"),
    Change(ChangeKind.FIELD_ADDED, "Contact.y", False, "integer, optional"),
    Change(ChangeKind.OPERATION_REMOVED, "GET /old", True, "`getOld`"),
    Change(ChangeKind.OPERATION_ADDED, "GET /new", False, "`getNew`"),
]


def test_report_lists_hashes_counts_and_breaking_first() -> None:
    report = render_report(MIXED, OLD, NEW, source="somewhere.json")
    assert f"`{'a' * 64}`" in report and f"`{'b' * 64}`" in report
    assert "4 change(s), 1 breaking" in report
    assert "| field-added | 2 | 0 |" in report
    assert "| operation-removed | 1 | 1 |" in report
    breaking = report.index("## Breaking changes")
    other = report.index("## Other changes")
    assert breaking < report.index("- **breaking** `GET /old`: `getOld`") < other
    assert other < report.index("- `Contact.x`: string, optional")


def test_changelog_entry_puts_breaking_first_and_groups_additions() -> None:
    entry = render_changelog_entry(MIXED, OLD, NEW, date="2026-03-01")
    assert entry.startswith("## Spec accounts 3.2 (2026-03-01)\n")
    assert "sha256 `aaaaaaaaaaaa` -> `bbbbbbbbbbbb`" in entry
    assert entry.index("operation-removed: `GET /old`") < entry.index("### Added and changed")
    assert "- operation-added: `GET /new`: `getNew`" in entry
    assert "- `Contact`: new fields: `x`, `y`" in entry


def test_changelog_is_created_then_prepended(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    prepend_changelog(path, "## first\n\n- one\n")
    assert path.read_text() == CHANGELOG_HEADER + "\n## first\n\n- one\n"
    prepend_changelog(path, "## second\n\n- two\n")
    text = path.read_text()
    assert text.startswith(CHANGELOG_HEADER)
    assert text.index("## second") < text.index("## first")


# update_spec end to end, on copies of the pins: the real spec/pins.json and generated/ stay


@pytest.fixture(autouse=True)
def real_pins_untouched() -> Iterator[None]:
    before = PINS_FILE.read_bytes()
    yield
    assert PINS_FILE.read_bytes() == before


@pytest.fixture()
def pinned_2022(tmp_path: Path, spec_dir: Path) -> tuple[Path, Path]:
    """A spec folder and pins as they were with the 2022 Accounts document pinned.

    The folder holds symlinks to the read-only published files, not copies.
    """
    folder = tmp_path / "spec"
    folder.mkdir()
    os.symlink(spec_dir / HISTORY, folder / ACCOUNTS)
    os.symlink(spec_dir / USER_BUSINESSES, folder / USER_BUSINESSES)
    pins = tmp_path / "pins.json"
    raw = json.loads(PINS_FILE.read_text())
    for entry in raw["documents"]:
        if entry["name"] == "accounts":
            entry["sha256"] = SHA_2022
    pins.write_text(json.dumps(raw, indent=2) + "\n")
    return folder, pins


def _args(tmp_path: Path, folder: Path, pins: Path) -> list[str]:
    return [
        "--spec-dir",
        str(folder),
        "--pins",
        str(pins),
        "--report",
        str(tmp_path / "build" / "REPORT.md"),
        "--changelog",
        str(tmp_path / "CHANGELOG.md"),
        "--target",
        str(tmp_path / "generated"),
    ]


def test_update_from_a_folder_reports_and_repins(
    tmp_path: Path,
    spec_dir: Path,
    pinned_2022: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, pins = pinned_2022
    args = ["--from", str(spec_dir), "--no-regenerate", *_args(tmp_path, folder, pins)]

    assert main(args) == 0

    printed = capsys.readouterr().out
    assert f"old sha256 {SHA_2022} (pinned)" in printed
    assert f"new sha256 {SHA_CURRENT} ({spec_dir / ACCOUNTS})" in printed
    report = (tmp_path / "build" / "REPORT.md").read_text()
    assert report in printed
    assert f"{REAL_TOTAL} change(s), {REAL_AVAILABILITY_WITHDRAWN} breaking" in report
    assert "| availability-withdrawn | 241 | 241 |" in report
    assert (
        "- **breaking** `GET /stock_movements`: no longer offered to Accounting Plus in DE"
        in report
    )
    assert "| operation-added | 12 | 0 |" in report and "| field-added | 116 | 0 |" in report
    assert "`GET /tax_determinations`: `getTaxDeterminations`" in report
    repinned = {pin.name: pin.sha256 for pin in load_pins(pins)}
    assert repinned == {"accounts": SHA_CURRENT, "user-businesses": SHA_USER_BUSINESSES}
    changelog = (tmp_path / "CHANGELOG.md").read_text()
    assert changelog.startswith(CHANGELOG_HEADER)
    assert f"## Spec accounts 3.1 ({datetime.date.today().isoformat()})" in changelog
    assert "- availability-withdrawn: `GET /stock_movements`: no longer offered to" in changelog
    assert "- `Contact`: new fields: `credit_terms`, `destination_vat_blocking`" in changelog
    assert not (tmp_path / "generated").exists()
    # The folder still holds the 2022 document: without the flag the build now refuses it.
    with pytest.raises(SpecHashMismatch):
        load_documents(folder, pins_file=pins)
    assert load_documents(spec_dir, pins_file=pins)[0].pin.sha256 == SHA_CURRENT


def test_update_from_a_url_by_title_marks_removals_breaking(
    tmp_path: Path, spec_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, pins)
    url = "https://sage.example/specs/accounts-2022.json"
    requested: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(200, content=(spec_dir / HISTORY).read_bytes())

    with httpx.Client(transport=httpx.MockTransport(serve)) as client:
        status = main(
            ["--from", url, "--no-regenerate", *_args(tmp_path, spec_dir, pins)],
            http_client=client,
        )

    assert status == 0 and requested == [url]
    assert load_pins(pins)[0].sha256 == SHA_2022
    report = (tmp_path / "build" / "REPORT.md").read_text()
    assert f"{REAL_TOTAL} change(s), {REAL_TOTAL - REAL_AVAILABILITY_WITHDRAWN} breaking" in report
    assert "- **breaking** `GET /tax_determinations`: `getTaxDeterminations`" in report
    changelog = (tmp_path / "CHANGELOG.md").read_text()
    breaking = changelog.index("### Breaking")
    assert breaking < changelog.index("- operation-removed: `GET /tax_determinations`")
    assert (
        "- `GET /stock_movements`: availability: now offered to Accounting Plus in DE" in changelog
    )
    assert url in capsys.readouterr().out


def test_a_failed_download_changes_nothing(
    tmp_path: Path, spec_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, pins)
    transport = httpx.MockTransport(lambda request: httpx.Response(404))
    with httpx.Client(transport=transport) as client:
        status = main(
            ["--from", "https://sage.example/x.json", *_args(tmp_path, spec_dir, pins)],
            http_client=client,
        )
    assert status == 2
    assert "cannot download" in capsys.readouterr().err
    assert pins.read_bytes() == PINS_FILE.read_bytes()
    assert not (tmp_path / "CHANGELOG.md").exists()


def test_document_is_chosen_by_flag_and_unknown_ones_are_refused(
    tmp_path: Path, spec_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, pins)
    renamed = json.loads((spec_dir / HISTORY).read_text())
    renamed["info"]["title"] = "Something else"
    source = tmp_path / "new.json"
    source.write_text(json.dumps(renamed))
    common = ["--no-regenerate", *_args(tmp_path, spec_dir, pins)]

    assert main(["--from", str(source), *common]) == 2
    assert "--document" in capsys.readouterr().err
    assert main(["--from", str(source), "--document", "nope", *common]) == 2
    assert "not a pinned document" in capsys.readouterr().err
    assert pins.read_bytes() == PINS_FILE.read_bytes()

    assert main(["--from", str(source), "--document", "accounts", *common]) == 0
    repinned = load_pins(pins)[0]
    assert repinned.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert repinned.title == "Something else"
    assert "| new | Something else | 3.1 |" in (tmp_path / "build" / "REPORT.md").read_text()


def test_the_pinned_document_again_is_nothing_to_do(
    tmp_path: Path, spec_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, pins)
    assert main(["--from", str(spec_dir / ACCOUNTS), *_args(tmp_path, spec_dir, pins)]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert not (tmp_path / "build").exists() and not (tmp_path / "CHANGELOG.md").exists()


def test_an_unpinned_old_document_is_refused(
    tmp_path: Path, spec_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The pins say 2022 but the folder holds the current file: nothing to compare against.
    pins = tmp_path / "pins.json"
    raw = json.loads(PINS_FILE.read_text())
    raw["documents"][0]["sha256"] = SHA_2022
    pins.write_text(json.dumps(raw))
    before = pins.read_bytes()
    newer = json.loads((spec_dir / ACCOUNTS).read_text())
    newer["info"]["version"] = "3.2"
    source = tmp_path / ACCOUNTS
    source.write_text(json.dumps(newer))
    assert main(["--from", str(source), *_args(tmp_path, spec_dir, pins)]) == 2
    assert "point --spec-dir at a folder holding the pinned documents" in capsys.readouterr().err
    assert pins.read_bytes() == before


@pytest.mark.slow
def test_update_regenerates_into_the_target(tmp_path: Path, spec_dir: Path) -> None:
    pins = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, pins)
    changed = json.loads((spec_dir / ACCOUNTS).read_text())
    changed["definitions"]["Contact"]["properties"]["loyalty_tier"] = {"type": "string"}
    source = tmp_path / "incoming" / ACCOUNTS
    source.parent.mkdir()
    source.write_text(json.dumps(changed, indent=1))
    new_sha = hashlib.sha256(source.read_bytes()).hexdigest()
    lines: list[str] = []

    result = update_spec(
        str(source),
        spec_dir=spec_dir,
        pins_file=pins,
        target=tmp_path / "generated",
        report_path=tmp_path / "REPORT.md",
        changelog=tmp_path / "CHANGELOG.md",
        log=lines.append,
    )

    assert result.changes == [
        Change(ChangeKind.FIELD_ADDED, "Contact.loyalty_tier", False, "string, optional")
    ]
    assert load_pins(pins)[0].sha256 == new_sha
    contact = (tmp_path / "generated" / "sage_accounting" / "models" / "contact.py").read_text()
    assert "loyalty_tier" in contact
    assert f"accounts={new_sha[:16]}" in contact.split("\n", 1)[0]
    assert any(line.startswith("  generated/") for line in lines)
