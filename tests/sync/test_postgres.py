"""The same sync into Postgres: Debian's postgresql, started here on 127.0.0.1 in a temp dir."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sage_accounting import SageAccounting
from sage_accounting.dlt import SyncError, sync
from sage_accounting.testing import SageEmulator

from .conftest import SYNCED, fail_loading, server_invoices, server_names, staged


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    return found[-1] or None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    initdb, server = _bin("initdb"), _bin("postgres")
    if initdb is None or server is None:
        pytest.skip("Debian's postgresql is not installed (apt-get install postgresql)")
    _driver()
    folder = Path(tempfile.mkdtemp(prefix="sage-pg-"))
    # Postgres refuses to run as root: as root, run it as an unprivileged user.
    run_as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(folder, "nobody")
    data = folder / "data"
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "sage", "--no-sync"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(
        [*run_as, server, "-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
        yield f"postgresql://sage:trusted@127.0.0.1:{port}/postgres"  # trust: any password
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _driver() -> Any:
    """psycopg2 (dlt's Postgres driver; it ships no type information)."""
    return pytest.importorskip("psycopg2")


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    psycopg2 = _driver()

    for _ in range(600):  # a bounded wait for the server to accept connections
        if process.poll() is not None:
            pytest.fail("postgres stopped at start")
        try:
            psycopg2.connect(host="127.0.0.1", port=port, user="sage", dbname="postgres").close()
            return
        except psycopg2.OperationalError:
            subprocess.run(["sleep", "0.05"], check=True)
    pytest.fail("postgres did not start")


def test_the_same_sync_into_postgres(
    postgres_url: str, fake: SageEmulator, client: SageAccounting, tmp_path: Path
) -> None:
    psycopg2 = _driver()
    sync(client, postgres_url, collections=SYNCED, pipelines_dir=tmp_path)
    fake.clock.advance(60)
    gone = str(fake.records("sales_invoices")[3]["id"])
    fake.delete_record("sales_invoices", gone)
    summary = sync(client, postgres_url, collections=SYNCED, pipelines_dir=tmp_path)

    assert summary.tables["sales_invoices"].deleted == 1
    with psycopg2.connect(postgres_url) as con, con.cursor() as cursor:
        cursor.execute("SELECT id, contact_id, total_amount FROM sage.sales_invoices ORDER BY id")
        rows = [(str(k), str(c), t) for k, c, t in cursor.fetchall()]
        cursor.execute("SELECT sum(total_amount) FROM sage.sales_invoices")
        [(total,)] = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM sage.sales_invoices__invoice_lines WHERE parent_id = %s", [gone]
        )
        [(lines_left,)] = cursor.fetchall()
    assert rows == server_invoices(fake)
    assert isinstance(total, Decimal) and total == sum(t for _, _, t in server_invoices(fake))
    assert lines_left == 0


def test_a_first_sync_into_postgres_appends_and_a_failed_one_leaves_no_key_twice(
    postgres_url: str,
    fake: SageEmulator,
    client: SageAccounting,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    psycopg2 = _driver()

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg2.connect(postgres_url) as con, con.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def run() -> None:
        sync(client, postgres_url, collections=SYNCED, dataset="first", pipelines_dir=tmp_path)

    fail_loading(monkeypatch, "contacts")
    with pytest.raises(SyncError, match="load"):
        run()
    monkeypatch.undo()
    shutil.rmtree(tmp_path)  # dlt's local copy gone: the next run reads everything again
    run()  # contacts appended (none there), the invoices merged

    assert "sales_invoices" in staged(query, "first") and "contacts" not in staged(query, "first")
    [(invoices,)] = query("SELECT count(*) FROM first.sales_invoices")
    assert invoices == len(server_invoices(fake))
    fake.clock.advance(60)
    fake.delete_record("contacts", str(fake.records("contacts")[0]["id"]))
    run()
    names = query("SELECT id, name FROM first.contacts")
    assert sorted((str(k), str(n)) for k, n in names) == server_names(fake)


def test_many_businesses_into_postgres(postgres_url: str, tmp_path: Path) -> None:
    from tests.clients import make_client

    from .conftest import FAST_RETRIES
    from .many import COLLECTIONS, add_businesses, assert_books_per_business, change_books

    psycopg2 = _driver()

    def query(sql: str) -> list[tuple[Any, ...]]:
        with psycopg2.connect(postgres_url) as con, con.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    fake = SageEmulator(seed=33)
    ids = add_businesses(fake, 10, profiles=True)  # seven countries, three editions
    dataset = "many"
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        for business in ids[:2]:  # two in turn
            sync(sage.with_business(business), postgres_url, collections=COLLECTIONS,
                 dataset=dataset, pipelines_dir=tmp_path)  # fmt: skip
        in_postgres = lambda sql: query(sql.replace("sage.", f"{dataset}."))  # noqa: E731
        assert_books_per_business(fake, in_postgres, ids[:2])
        for round_ in range(2):  # then all ten at once, changed between runs
            change_books(fake, sage, ids, round_)
            sync(sage, postgres_url, collections=COLLECTIONS, dataset=dataset,
                 pipelines_dir=tmp_path, businesses="all")  # fmt: skip
            assert_books_per_business(fake, in_postgres, ids)
