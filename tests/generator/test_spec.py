"""Step 1: the pipeline reads only the pinned spec, unless told to accept a new one."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from generator.spec import PINS_FILE, SpecError, SpecHashMismatch, load_documents, load_pins


@pytest.fixture()
def spec_copy(tmp_path: Path, spec_dir: Path) -> tuple[Path, Path]:
    """A private copy of the spec files and of the pins, safe to tamper with."""
    copy = tmp_path / "spec"
    copy.mkdir()
    for pin in load_pins():
        shutil.copyfile(spec_dir / pin.file, copy / pin.file)
    pins = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, pins)
    return copy, pins


def test_pinned_documents_load(spec_dir: Path) -> None:
    documents = load_documents(spec_dir)
    assert [doc.pin.name for doc in documents] == ["accounts", "user-businesses"]
    assert all(doc.data["swagger"] == "2.0" for doc in documents)


def test_tampered_spec_is_refused_naming_file_and_both_hashes(
    spec_copy: tuple[Path, Path],
) -> None:
    copy, pins = spec_copy
    target = copy / "sage-accounting-v3.1-accounts.swagger.json"
    data = json.loads(target.read_text())
    data["info"]["version"] = "3.2"
    target.write_text(json.dumps(data))
    expected = load_pins(pins)[0].sha256

    with pytest.raises(SpecHashMismatch) as caught:
        load_documents(copy, pins_file=pins)

    message = str(caught.value)
    assert str(target) in message
    assert expected in message
    assert caught.value.actual in message
    assert caught.value.actual != expected
    assert load_pins(pins)[0].sha256 == expected  # refusing never rewrites the pin


def test_accepting_a_new_spec_rewrites_the_pin(spec_copy: tuple[Path, Path]) -> None:
    copy, pins = spec_copy
    target = copy / "sage-accounting-v3.1-user-businesses.swagger.json"
    data = json.loads(target.read_text())
    data["info"]["version"] = "3.2"
    target.write_text(json.dumps(data))

    documents = load_documents(copy, pins_file=pins, accept_new_spec=True)

    rewritten = {pin.name: pin for pin in load_pins(pins)}
    assert rewritten["user-businesses"].sha256 == documents[1].pin.sha256
    assert rewritten["user-businesses"].version == "3.2"
    assert load_documents(copy, pins_file=pins)[1].data["info"]["version"] == "3.2"


def test_missing_spec_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"sage-accounting-v3\.1-accounts\.swagger\.json"):
        load_documents(tmp_path)


def test_spec_files_are_not_committed() -> None:
    root = PINS_FILE.parent.parent
    hashes = {pin.sha256 for pin in load_pins()}
    for path in root.rglob("*.json"):
        if ".nox" in path.parts or "build" in path.parts:
            continue
        assert hashlib.sha256(path.read_bytes()).hexdigest() not in hashes, path
