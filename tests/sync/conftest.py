"""Sync tests: a seeded business in the emulator, synced into a real DuckDB file (and Postgres
where Debian's postgresql is installed)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dlt")
pytest.importorskip("duckdb")

import duckdb

from sage_accounting import RetryPolicy, SageAccounting
from sage_accounting.dlt import SyncSummary, sync
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

CONTACTS = 1000
INVOICES = 150
SYNCED = ["contacts", "sales_invoices"]
FAST_RETRIES = RetryPolicy(max_retries=8, backoff_base=0.001, backoff_max=0.01)


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")  # tests never reach the internet


@pytest.fixture()
def fake() -> SageEmulator:
    emulator = SageEmulator(seed=16)
    emulator.seed("contacts", CONTACTS, full=False)
    emulator.seed("sales_invoices", INVOICES, full=False)
    emulator.clock.advance(60)  # the books were kept before today's first sync
    return emulator


@pytest.fixture()
def client(fake: SageEmulator) -> Iterator[SageAccounting]:
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        yield sage


class Books:
    """A DuckDB file the tests sync into, and what a user would ask it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "books.duckdb"
        self.url = f"duckdb:///{self.path}"
        self.pipelines = folder / "pipelines"

    def sync(self, sage: SageAccounting, **options: Any) -> SyncSummary:
        options.setdefault("collections", SYNCED)
        return sync(sage, self.url, pipelines_dir=self.pipelines, **options)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.sql(sql).fetchall()


@pytest.fixture()
def books(tmp_path: Path) -> Books:
    return Books(tmp_path)


def server_invoices(fake: SageEmulator) -> list[tuple[str, str, Decimal]]:
    """(id, contact id, total) of every invoice the emulator holds, by id."""
    return sorted(
        (str(r["id"]), str(r["contact"]["id"]), Decimal(r["total_amount"]))
        for r in fake.records("sales_invoices")
    )


def synced_invoices(books: Books) -> list[tuple[str, str, Decimal]]:
    rows = books.query("SELECT id, contact_id, total_amount FROM sage.sales_invoices ORDER BY id")
    return [(str(key), str(contact), total) for key, contact, total in rows]


def server_names(fake: SageEmulator) -> list[tuple[str, str]]:
    return sorted((str(r["id"]), str(r["name"])) for r in fake.records("contacts"))


def synced_names(books: Books) -> list[tuple[str, str]]:
    return [
        (str(k), str(n)) for k, n in books.query("SELECT id, name FROM sage.contacts ORDER BY id")
    ]


def assert_same_books(fake: SageEmulator, books: Books) -> None:
    """The synced tables hold exactly the emulator's records, each once, with their lines."""
    assert synced_names(books) == server_names(fake)
    assert synced_invoices(books) == server_invoices(fake)
    lines = sum(len(r.get("invoice_lines") or []) for r in fake.records("sales_invoices"))
    assert books.query("SELECT count(*) FROM sage.sales_invoices__invoice_lines") == [(lines,)]
    orphans = books.query(
        "SELECT count(*) FROM sage.sales_invoices__invoice_lines l "
        "LEFT JOIN sage.sales_invoices i ON i.id = l.parent_id WHERE i.id IS NULL"
    )
    assert orphans == [(0,)]


def list_requests(fake: SageEmulator, collection: str) -> int:
    return sum(
        1
        for entry in fake.stats.requests
        if entry.method == "GET" and entry.path == f"/{collection}"
    )


def staged(query: Any, dataset: str = "sage") -> list[str]:
    """The tables dlt staged for a merge (`sage_staging`): none while every load appended."""
    rows = query(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = '{dataset}_staging' AND table_name NOT LIKE '_dlt%' ORDER BY 1"
    )
    return [str(name) for (name,) in rows]


def fail_loading(monkeypatch: pytest.MonkeyPatch, table: str) -> None:
    """Every load of `table` fails (as a dropped connection would) until the test ends or
    `monkeypatch.undo()`; the run's other tables load."""
    from dlt.common.destination.client import RunnableLoadJob
    from dlt.common.destination.exceptions import DestinationTerminalException

    run_managed = RunnableLoadJob.run_managed

    def failing(job: Any, *args: Any) -> None:
        if job.load_table_name == table:

            def refuse() -> None:
                raise DestinationTerminalException(f"the connection dropped loading {table}")

            job.run = refuse
        run_managed(job, *args)

    monkeypatch.setattr(RunnableLoadJob, "run_managed", failing)
