"""Step 1: load the published spec documents and verify them against their pins."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PINS_FILE = PROJECT_ROOT / "spec" / "pins.json"
DEFAULT_SPEC_DIR = PROJECT_ROOT.parent / "shared" / "spec"


class SpecError(Exception):
    """A spec document is missing, unreadable or not the pinned one."""


class SpecHashMismatch(SpecError):
    """A spec file's sha256 differs from its pin."""

    def __init__(self, file: Path, expected: str, actual: str) -> None:
        self.file = file
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{file}: sha256 is {actual}, but spec/pins.json pins {expected}. "
            "If Sage published a new spec on purpose, rerun with --accept-new-spec "
            "(or `nox -s update-spec`) to review and rewrite the pin."
        )


@dataclass(frozen=True)
class Pin:
    """What we expect of one published document."""

    name: str
    file: str
    title: str
    version: str
    source: str
    sha256: str


@dataclass(frozen=True)
class SpecDocument:
    """A verified, parsed spec document."""

    pin: Pin
    path: Path
    data: dict[str, Any]


def load_pins(pins_file: Path = PINS_FILE) -> list[Pin]:
    try:
        raw = json.loads(pins_file.read_text(encoding="utf-8"))
        return [Pin(**entry) for entry in raw["documents"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SpecError(f"{pins_file}: cannot read the spec pins: {exc}") from exc


def write_pins(pins: Sequence[Pin], pins_file: Path = PINS_FILE) -> None:
    """Rewrite the pin file atomically, keeping its comment."""
    comment = json.loads(pins_file.read_text(encoding="utf-8")).get("comment", "")
    payload = {"comment": comment, "documents": [asdict(pin) for pin in pins]}
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=pins_file.parent, prefix=".pins.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, pins_file)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_documents(
    spec_dir: Path = DEFAULT_SPEC_DIR,
    *,
    pins_file: Path = PINS_FILE,
    accept_new_spec: bool = False,
) -> list[SpecDocument]:
    """Read every pinned document from `spec_dir`, refusing any whose hash is not pinned.

    With `accept_new_spec`, a differing hash is accepted and the pin file is rewritten.
    """
    pins = load_pins(pins_file)
    documents: list[SpecDocument] = []
    new_pins: list[Pin] = []
    for pin in pins:
        path = spec_dir / pin.file
        if not path.is_file():
            raise SpecError(f"{path}: spec file not found (pinned as {pin.name!r} in {pins_file})")
        actual = sha256_of(path)
        if actual != pin.sha256 and not accept_new_spec:
            raise SpecHashMismatch(path, pin.sha256, actual)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise SpecError(f"{path}: not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise SpecError(f"{path}: expected a JSON object at the top level")
        new_pin = replace(pin, sha256=actual, version=str(data.get("info", {}).get("version", "")))
        new_pins.append(new_pin)
        documents.append(SpecDocument(pin=new_pin, path=path, data=data))
    if accept_new_spec and new_pins != pins:
        write_pins(new_pins, pins_file)
    return documents
