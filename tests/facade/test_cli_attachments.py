"""`sage-accounting attach` and `download` against the served emulator, with the login's token."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from sage_accounting.testing import SageEmulator

from .test_cli import logged_in, run

RECEIPT = b"%PDF-1.4 fuel receipt\n" * 100


def test_attach_then_download_by_key(
    fake: SageEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = logged_in(fake, tmp_path)
    fake.seed("purchase_invoices", 1)
    invoice = str(fake.records("purchase_invoices")[0]["id"])
    source = tmp_path / "fuel.pdf"
    source.write_bytes(RECEIPT)
    folder = tmp_path / "downloads"
    folder.mkdir()

    with fake.serve():
        assert run(fake, token_file, "attach", str(source), "--to",
                   f"purchase_invoices/{invoice}", "--description", "fuel") == 0  # fmt: skip
        key = capsys.readouterr().out.strip()
        assert run(fake, token_file, "download", key, "--output", str(folder)) == 0
        assert run(fake, token_file, "download", key, "-o", str(tmp_path / "copy.pdf")) == 0

    (record,) = fake.records("attachments")
    assert record["id"] == key and record["mime_type"] == "application/pdf"
    assert record["attachment_context"]["id"] == invoice
    assert base64.b64decode(record["file"]) == RECEIPT
    assert (folder / "fuel.pdf").read_bytes() == RECEIPT  # under the attachment's own name
    assert (tmp_path / "copy.pdf").read_bytes() == RECEIPT
    assert f"downloaded {len(RECEIPT)} bytes" in capsys.readouterr().err


def test_attach_refuses_a_file_over_the_limit_and_an_unattachable_record(
    fake: SageEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = logged_in(fake, tmp_path)
    big = tmp_path / "big.png"
    big.write_bytes(b"\0" * 3_000_000)
    small = tmp_path / "small.png"
    small.write_bytes(b"\0")
    with fake.serve():
        assert run(fake, token_file, "attach", str(big), "--to", "JOURNAL/k") == 1
        assert "3,000,000 bytes, over Sage's limit of 2,621,440" in capsys.readouterr().err
        assert run(fake, token_file, "attach", str(small), "--to", "contacts/k") == 1
        assert "does not attach files to 'contacts'" in capsys.readouterr().err
        assert run(fake, token_file, "attach", str(small), "--to", "k") == 2
        assert "--to 'k' is not TYPE/ID" in capsys.readouterr().err
        assert run(fake, token_file, "download", "0" * 32, "-o", str(tmp_path / "x")) == 1
        assert "404" in capsys.readouterr().err
    assert fake.count("attachments") == 0
    assert not (tmp_path / "x").exists()
