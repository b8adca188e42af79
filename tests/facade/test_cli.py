"""`sage-accounting export` and `get` against the served emulator, with the login's token file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sage_accounting.auth._store import FileTokenStore
from sage_accounting.cli import main
from sage_accounting.testing import SageEmulator
from tests.clients import token_of

from .conftest import CONTACTS, sync_client


def logged_in(fake: SageEmulator, tmp_path: Path) -> Path:
    token_file = tmp_path / "token.json"
    FileTokenStore(token_file).save(token_of(fake), replaces=None)
    return token_file


def run(fake: SageEmulator, token_file: Path, *args: str) -> int:
    return main(
        [
            *args,
            "--token-file",
            str(token_file),
            "--base-url",
            fake.api_base_url,
            "--token-url",
            fake.token_url,
            "--client-id",
            fake.client_id,
        ]
    )


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_jsonl_then_resume_from_the_watermark(
    fake: SageEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = logged_in(fake, tmp_path)
    state = tmp_path / "state.json"
    first, second = tmp_path / "all.jsonl", tmp_path / "since.jsonl"
    fake.clock.advance(5)  # seeded a while ago: outside the watermark's one-second overlap
    with fake.serve():
        assert run(fake, token_file, "export", "contacts", "--state", str(state),
                   "--output", str(first)) == 0  # fmt: skip
        rows = read_jsonl(first)
        assert sorted(str(r["id"]) for r in rows) == sorted(
            str(r["id"]) for r in fake.records("contacts")
        )
        assert "lead/contacts" in json.loads(state.read_text(encoding="utf-8"))
        err = capsys.readouterr().err
        assert f"contacts: {CONTACTS}/{CONTACTS} (100%)" in err  # the progress line
        assert f"exported {CONTACTS} record(s)" in err

        fake.clock.advance(5)
        with sync_client(fake) as sage:
            gone = str(fake.records("contacts")[0]["id"])
            sage.contacts.delete(gone)
            created = sage.contacts.create(fake.example_body("contacts", minimal=True))
        assert run(fake, token_file, "export", "contacts", "--resume", "--state", str(state),
                   "--output", str(second), "--no-progress") == 0  # fmt: skip

    rows = read_jsonl(second)
    assert {"id": gone, "$deleted": True} in rows
    assert created.id in {r["id"] for r in rows}
    assert len(rows) < 20  # only what changed, not the whole list again


def test_export_csv_with_since(fake: SageEmulator, tmp_path: Path) -> None:
    token_file = logged_in(fake, tmp_path)
    out = tmp_path / "contacts.csv"
    with fake.serve():
        code = run(fake, token_file, "export", "contacts", "--since", "2000-01-01",
                   "--format", "csv", "--output", str(out), "--no-progress",
                   "--state", str(tmp_path / "s.json"))  # fmt: skip
    assert code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == CONTACTS
    assert {"id", "name", "$deleted"} <= set(rows[0])


def test_get_prints_json(
    fake: SageEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = logged_in(fake, tmp_path)
    key = str(fake.records("contacts")[3]["id"])
    with fake.serve():
        assert run(fake, token_file, "get", f"/contacts/{key}") == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["id"] == key
        assert run(fake, token_file, "get", "/contacts/" + "0" * 32) == 1
    assert "404" in capsys.readouterr().err


def test_export_needs_a_login(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "contacts", "--token-file", str(tmp_path / "none.json")]) == 2
    assert "sage-accounting login" in capsys.readouterr().err
