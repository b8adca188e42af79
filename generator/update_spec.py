"""Accept a newly published spec document: report what changed, then pin it and regenerate.

`python -m generator.update_spec --from PATH_OR_URL` (what `nox -s update-spec` runs):

1. loads the new document from a file, a folder holding the pinned file names, or an http(s) URL;
2. works out which pinned document it replaces (`--document`, else the file name, else
   `info.title`) and prints the old and new sha256;
3. diffs it against the pinned one (`spec_diff`), finds the errata it no longer needs
   (`unneeded_errata`), and writes the Markdown report, also printed;
4. regenerates the client from a temporary folder holding the new file under its pinned name
   (an erratum that changes nothing is logged there, not an error: the report says to delete
   it), then rewrites the pin and prepends a CHANGELOG entry drafted from the report.

Nothing is pinned or written to the CHANGELOG unless regeneration succeeded. The spec files stay
outside the repository: only their hashes are recorded.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from .convert import ConversionError
from .layout import GENERATED
from .spec import (
    DEFAULT_SPEC_DIR,
    PINS_FILE,
    PROJECT_ROOT,
    Pin,
    SpecError,
    load_documents,
    load_pins,
    write_pins,
)
from .spec_diff import Change, SpecVersion, diff_documents
from .spec_report import render_changelog_entry, render_report
from .unneeded_errata import UnneededErratum, find_unneeded, render_section

REPORT = PROJECT_ROOT / "build" / "spec-change" / "REPORT.md"
CHANGELOG = PROJECT_ROOT / "CHANGELOG.md"
CHANGELOG_HEADER = (
    "# Changelog\n\n"
    "Notable changes of sage-accounting, newest first. Sections titled `Spec ...` are drafted "
    "by `nox -s update-spec` from its report; edit them before release.\n"
)


class UpdateError(Exception):
    """The new spec cannot be accepted as given."""


@dataclass(frozen=True)
class Source:
    """The bytes of a new document and the file name it came under, if any."""

    label: str
    name: str | None
    content: bytes


@dataclass(frozen=True)
class UpdateResult:
    old: SpecVersion
    new: SpecVersion
    changes: list[Change]
    report: str | None
    regenerated: list[str] | None
    unneeded_errata: tuple[str, ...] = ()  # names of the errata the new document no longer needs


def read_source(
    source: str,
    pins: Sequence[Pin],
    document: str | None = None,
    *,
    http_client: httpx.Client | None = None,
) -> Source:
    """Read `source`: an http(s) URL, a file, or a folder holding one of the pinned file names."""
    if source.startswith(("http://", "https://")):
        return _download(source, http_client)
    path = Path(source)
    if path.is_dir():
        return _from_folder(path, pins, document)
    try:
        return Source(str(path), path.name, path.read_bytes())
    except OSError as exc:
        raise UpdateError(f"{path}: cannot read the new spec: {exc}") from exc


def _download(url: str, http_client: httpx.Client | None) -> Source:
    client = http_client or httpx.Client(follow_redirects=True, timeout=60.0)
    try:
        response = client.get(url)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise UpdateError(f"{url}: cannot download the new spec: {exc}") from exc
    finally:
        if http_client is None:
            client.close()
    return Source(url, PurePosixPath(urlsplit(url).path).name or None, response.content)


def _from_folder(folder: Path, pins: Sequence[Pin], document: str | None) -> Source:
    candidates = [pin for pin in pins if document is None or pin.name == document]
    present = [pin for pin in candidates if (folder / pin.file).is_file()]
    if not present:
        names = ", ".join(pin.file for pin in candidates)
        raise UpdateError(f"{folder}: holds none of the pinned spec files ({names})")
    changed = [pin for pin in present if _sha256(folder / pin.file) != pin.sha256]
    if len(changed) > 1:
        names = ", ".join(pin.name for pin in changed)
        raise UpdateError(
            f"{folder}: several pinned documents differ ({names}); "
            "update one at a time with --document NAME"
        )
    # With nothing changed, the first one is read so that the caller reports "already pinned".
    chosen = (changed or present)[0]
    path = folder / chosen.file
    return Source(str(path), path.name, path.read_bytes())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def identify(
    pins: Sequence[Pin], source: Source, data: dict[str, Any], document: str | None
) -> Pin:
    """Which pinned document the new one replaces: by name, else file name, else title."""
    if document is not None:
        for pin in pins:
            if pin.name == document:
                return pin
        names = ", ".join(pin.name for pin in pins)
        raise UpdateError(f"--document {document!r}: not a pinned document (one of: {names})")
    for pin in pins:
        if source.name == pin.file:
            return pin
    title = _info(data, "title")
    for pin in pins:
        if title == pin.title:
            return pin
    names = ", ".join(pin.name for pin in pins)
    raise UpdateError(
        f"{source.label}: neither its file name nor its title {title!r} matches a pinned "
        f"document; say which with --document ({names})"
    )


def _info(data: dict[str, Any], key: str) -> str:
    info = data.get("info")
    return str(info.get(key, "")) if isinstance(info, dict) else ""


def _parse(source: Source) -> dict[str, Any]:
    try:
        data = json.loads(source.content)
    except ValueError as exc:
        raise UpdateError(f"{source.label}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("swagger") != "2.0":
        raise UpdateError(f"{source.label}: not a Swagger 2.0 document")
    return data


def _read_pinned(path: Path, pin: Pin) -> dict[str, Any]:
    if not path.is_file():
        raise UpdateError(f"{path}: the pinned {pin.name!r} document is missing (see --spec-dir)")
    actual = _sha256(path)
    if actual != pin.sha256:
        raise UpdateError(
            f"{path}: sha256 is {actual}, but the pin is {pin.sha256}; point --spec-dir at a "
            "folder holding the pinned documents, to compare with and to build from"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def prepend_changelog(path: Path, entry: str) -> None:
    """Put `entry` above the newest section, creating the file with a header if needed."""
    text = path.read_text(encoding="utf-8") if path.exists() else CHANGELOG_HEADER
    first = text.find("\n## ")
    if first == -1:
        text = text.rstrip("\n") + "\n\n" + entry
    else:
        text = text[: first + 1] + entry + "\n" + text[first + 1 :]
    path.write_text(text, encoding="utf-8")


def _regenerate(
    staged: Path, pins_file: Path, target: Path, log: Callable[[str], None]
) -> list[str]:
    # On a copy of the pins, so that a failed build leaves the real pin as it was.
    scratch_pins = staged.parent / "pins.json"
    shutil.copyfile(pins_file, scratch_pins)
    command = [
        sys.executable,
        "-m",
        "generator",
        "--spec-dir",
        str(staged),
        "--accept-new-spec",
        "--allow-unneeded-errata",
        "--pins",
        str(scratch_pins),
        "--target",
        str(target),
    ]
    log("regenerating: " + " ".join(command[1:]))
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        log(f"  {line}")
    if done.returncode != 0:
        raise UpdateError(f"regeneration failed; the pin is unchanged:\n{done.stderr.strip()}")
    return [line for line in done.stdout.splitlines() if line.startswith("generated/")]


def update_spec(
    source: str,
    *,
    document: str | None = None,
    spec_dir: Path = DEFAULT_SPEC_DIR,
    pins_file: Path = PINS_FILE,
    target: Path = GENERATED,
    report_path: Path = REPORT,
    changelog: Path = CHANGELOG,
    regenerate: bool = True,
    http_client: httpx.Client | None = None,
    today: datetime.date | None = None,
    log: Callable[[str], None] = print,
) -> UpdateResult:
    """The whole spec-change path; see the module docstring."""
    pins = load_pins(pins_file)
    loaded = read_source(source, pins, document, http_client=http_client)
    data = _parse(loaded)
    pin = identify(pins, loaded, data, document)
    new_sha = hashlib.sha256(loaded.content).hexdigest()
    old = SpecVersion(pin.name, pin.file, pin.title, pin.version, pin.sha256)
    new = SpecVersion(pin.name, pin.file, _info(data, "title"), _info(data, "version"), new_sha)
    log(f"{pin.name}: {pin.file}")
    log(f"  old sha256 {old.sha256} (pinned)")
    log(f"  new sha256 {new.sha256} ({loaded.label})")
    if new_sha == pin.sha256:
        log("The new document is the pinned one: nothing to do.")
        return UpdateResult(old, new, [], None, None)

    old_data = _read_pinned(spec_dir / pin.file, pin)
    documents = [data if p is pin else _read_pinned(spec_dir / p.file, p) for p in pins]
    changes = diff_documents(old_data, data)
    unneeded = _unneeded(documents)
    report = render_report(changes, old, new, source=loaded.label) + render_section(unneeded)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(report, encoding="utf-8")
    log(report)
    log(f"report written to {report_path}")

    regenerated: list[str] | None = None
    with tempfile.TemporaryDirectory(prefix="sage-spec-") as scratch:
        staged = Path(scratch) / "spec"
        staged.mkdir()
        for other in pins:
            if other is not pin:
                shutil.copyfile(spec_dir / other.file, staged / other.file)
        (staged / pin.file).write_bytes(loaded.content)
        if regenerate:
            regenerated = _regenerate(staged, pins_file, target, log)
        load_documents(staged, pins_file=pins_file, accept_new_spec=True)
    if new.title and new.title != pin.title:
        write_pins(
            [
                replace(p, title=new.title) if p.name == pin.name else p
                for p in load_pins(pins_file)
            ],
            pins_file,
        )
    log(f"{pins_file}: {pin.name} pinned at sha256 {new_sha}")

    date = (today or datetime.date.today()).isoformat()
    prepend_changelog(changelog, render_changelog_entry(changes, old, new, date=date))
    log(f"{changelog}: entry drafted for {new.name} {new.version} ({date}); review it")
    names = tuple(erratum.name for erratum in unneeded) if isinstance(unneeded, list) else ()
    if names:
        log(
            f"errata no longer needed: {', '.join(names)}; delete them (see the report), "
            "else `nox -s generate` refuses the new pin"
        )
    if (spec_dir / pin.file).resolve() != Path(loaded.label).resolve():
        log(
            f"next: put the new document at {spec_dir / pin.file} (it is not kept in this "
            "repository), so that `nox -s generate` and the drift check read it"
        )
    return UpdateResult(old, new, changes, report, regenerated, names)


def _unneeded(documents: list[dict[str, Any]]) -> list[UnneededErratum] | str:
    """The errata the new documents no longer need, or why that could not be found out."""
    try:
        return find_unneeded(documents)
    except (ValueError, KeyError, TypeError) as exc:  # ConversionError, MergeConflict too
        # The regeneration that follows fails on the same problem and shows it in full.
        return f"applying the errata failed ({type(exc).__name__}: {exc})"


def main(argv: Sequence[str] | None = None, *, http_client: httpx.Client | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m generator.update_spec",
        description="Review and accept a newly published Sage spec document.",
    )
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="PATH_OR_URL",
        help="the new document: a file, a folder holding the pinned file names, or an http(s) URL",
    )
    parser.add_argument(
        "--document",
        help="which pinned document it replaces (accounts, user-businesses); "
        "default: by file name, else by info.title",
    )
    parser.add_argument(
        "--no-regenerate",
        dest="regenerate",
        action="store_false",
        help="report and rewrite the pin, but leave generated/ as it is",
    )
    parser.add_argument("--report", type=Path, default=REPORT, help=f"default: {REPORT}")
    parser.add_argument("--changelog", type=Path, default=CHANGELOG, help=f"default: {CHANGELOG}")
    parser.add_argument(
        "--spec-dir",
        type=Path,
        default=DEFAULT_SPEC_DIR,
        help=f"folder holding the currently pinned documents (default: {DEFAULT_SPEC_DIR})",
    )
    parser.add_argument("--pins", type=Path, default=PINS_FILE, help=f"default: {PINS_FILE}")
    parser.add_argument("--target", type=Path, default=GENERATED, help=f"default: {GENERATED}")
    args = parser.parse_args(argv)
    try:
        update_spec(
            args.source,
            document=args.document,
            spec_dir=args.spec_dir,
            pins_file=args.pins,
            target=args.target,
            report_path=args.report,
            changelog=args.changelog,
            regenerate=args.regenerate,
            http_client=http_client,
        )
    except (UpdateError, SpecError, ConversionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
