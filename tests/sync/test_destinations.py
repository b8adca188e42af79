"""A destination configured the dlt way (a name and env vars or .dlt/secrets.toml, or a dlt
`Destination` of the user's) is used as configured, run after run, and left as it was."""

from __future__ import annotations

from pathlib import Path

import dlt
import pytest

from sage_accounting import SageAccounting
from sage_accounting.dlt import sync
from sage_accounting.testing import SageEmulator

from .conftest import SYNCED, Books, assert_same_books


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
