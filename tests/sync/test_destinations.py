"""A destination configured the dlt way (a name and env vars or .dlt/secrets.toml, or a dlt
`Destination` of the user's) is used as configured, run after run, and left as it was."""

from __future__ import annotations

import io
from pathlib import Path

import dlt
import pytest

from sage_accounting import SageAccounting
from sage_accounting.dlt import SyncError, sync
from sage_accounting.testing import SageEmulator

from .conftest import SYNCED, Books, assert_same_books, fail_loading


def test_a_destination_named_and_configured_by_env_vars_gets_the_books(
    fake: SageEmulator,
    client: SageAccounting,
    books: Books,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(books.path))
    for _ in range(2):
        sync(client, "duckdb", collections=SYNCED, pipelines_dir=tmp_path / "pipelines")
        fake.clock.advance(60)
        fake.delete_record("contacts", str(fake.records("contacts")[0]["id"]))
    sync(client, "duckdb", collections=SYNCED, pipelines_dir=tmp_path / "pipelines")

    assert_same_books(fake, books)


def test_a_users_destination_is_used_and_left_as_it_was(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    destination = dlt.destinations.duckdb(str(books.path))
    params = dict(destination.config_params)
    for _ in range(2):
        sync(client, destination, collections=SYNCED, pipelines_dir=books.pipelines)
        fake.clock.advance(60)
        fake.delete_record("sales_invoices", str(fake.records("sales_invoices")[0]["id"]))
    sync(client, destination, collections=SYNCED, pipelines_dir=books.pipelines)

    assert_same_books(fake, books)
    assert destination.config_params == params
    assert "capabilities" not in vars(destination)  # dlt's own, not the run's


def test_the_loads_files_are_deleted_once_loaded_and_their_packages_kept(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    """dlt keeps each run's files in its working folder; a first sync's are as large as the
    books. The rows are in the destination: the run deletes them, run after run."""
    summaries = []
    for _ in range(3):
        summaries.append(books.sync(client))
        fake.clock.advance(60)
        client.contacts.update(str(fake.records("contacts")[0]["id"]), {"name": "Renamed"})

    left = [p for p in books.pipelines.rglob("*") if p.is_file() and "completed_jobs" in p.parts]
    assert left == []
    loaded = {p.name for p in books.pipelines.rglob("loaded/*") if p.is_dir()}
    assert {key for summary in summaries for key in summary.load_ids} <= loaded
    assert_same_books(fake, books)


def test_a_failed_loads_files_stay_for_the_next_run_to_load(
    fake: SageEmulator, client: SageAccounting, books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_loading(monkeypatch, "contacts")
    with pytest.raises(SyncError, match="load"):
        books.sync(client)
    monkeypatch.undo()
    kept = [p for p in books.pipelines.rglob("*.parquet") if "contacts" in p.name]
    assert kept, "the failed package's files were deleted"
    books.sync(client)
    assert_same_books(fake, books)
    assert list(books.pipelines.rglob("*.parquet")) == []


def test_duckdbs_load_files_are_uncompressed_unless_configured(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlt.common.data_writers.writers import ParquetDataWriter

    from sage_accounting.dlt._once import RunDestination

    local = RunDestination(dlt.destinations.duckdb(str(books.path))).destination.capabilities()
    assert ParquetDataWriter(io.BytesIO(), local).parquet_format.compression == "none"
    monkeypatch.setenv("DATA_WRITER__COMPRESSION", "zstd")  # the user's word wins
    assert ParquetDataWriter(io.BytesIO(), local).parquet_format.compression == "zstd"
    monkeypatch.delenv("DATA_WRITER__COMPRESSION")
    remote = RunDestination(dlt.destinations.postgres("postgresql://u@h/db")).destination
    assert remote.capabilities().parquet_format is None  # uploaded files keep dlt's default


def test_a_load_whose_files_cannot_be_tidied_still_succeeds(
    fake: SageEmulator,
    client: SageAccounting,
    books: Books,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def unreadable(self: object, load_id: str) -> None:
        raise OSError(f"package {load_id} is unreadable")

    monkeypatch.setattr(dlt.Pipeline, "get_load_package_info", unreadable)
    with caplog.at_level("WARNING", logger="sage_accounting"):
        summary = books.sync(client)
    assert summary.load_ids
    assert_same_books(fake, books)
    assert any("stay in dlt's folder" in record.getMessage() for record in caplog.records)
