"""`sync()` into DuckDB: a first full load, then only the changes, deletions included."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

import pytest

from sage_accounting import SageAccounting
from sage_accounting.testing import SageEmulator

from .conftest import CONTACTS, INVOICES, Books, assert_same_books, list_requests

OFFERED = ["contacts", "sales_invoices", "ledger_accounts", "tax_rates", "sales_estimates"]


def test_the_first_sync_loads_every_record_once_with_exact_money(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    summary = books.sync(client)

    assert summary.tables["contacts"].added == CONTACTS
    assert summary.tables["sales_invoices"].added == INVOICES
    assert_same_books(fake, books)
    expected = sum(Decimal(r["total_amount"]) for r in fake.records("sales_invoices"))
    [(total, kind)] = books.query(
        "SELECT sum(total_amount), typeof(sum(total_amount)) FROM sage.sales_invoices"
    )
    assert total == expected and kind.startswith("DECIMAL")
    [(created,)] = books.query("SELECT typeof(created_at) FROM sage.contacts LIMIT 1")
    assert created == "TIMESTAMP WITH TIME ZONE"
    [(day,)] = books.query("SELECT typeof(date) FROM sage.sales_invoices LIMIT 1")
    assert day == "DATE"
    assert "contacts" in summary.text() and f"{CONTACTS}" in summary.text()


def test_the_next_sync_fetches_only_the_changes_and_applies_deletions(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    books.sync(client)
    contacts = [str(r["id"]) for r in fake.records("contacts")]
    invoices = [str(r["id"]) for r in fake.records("sales_invoices")]
    fake.clock.advance(3600)
    for n in range(3):
        client.contacts.create(fake.example_body("contacts", minimal=True, seed=n))
    client.contacts.update(contacts[10], {"name": "Renamed Ltd"})
    client.contacts.delete(contacts[20])
    fake.delete_record("sales_invoices", invoices[5])
    fake.stats.reset()

    summary = books.sync(client)

    counts = summary.tables
    assert (counts["contacts"].added, counts["contacts"].updated) == (3, 1)
    assert counts["contacts"].deleted == 1 and counts["sales_invoices"].deleted == 1
    # One page of changes and one of deletions per collection: nothing else was read.
    assert list_requests(fake, "contacts") == 2 and list_requests(fake, "sales_invoices") == 2
    # And GET /businesses/lead: the client names no business, and rows carry the lead's id.
    assert summary.requests == 5
    assert_same_books(fake, books)
    assert books.query(f"SELECT count(*) FROM sage.sales_invoices__invoice_lines "
                       f"WHERE parent_id = '{invoices[5]}'") == [(0,)]  # fmt: skip


def test_an_updated_invoice_replaces_its_lines(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    books.sync(client)
    invoice = fake.records("sales_invoices")[0]
    fake.clock.advance(60)
    line = {
        "description": "One line now",
        "ledger_account_id": invoice["invoice_lines"][0]["ledger_account"]["id"],
        "quantity": "2",
        "unit_price": "10.00",
    }
    client.sales_invoices.update(str(invoice["id"]), {"invoice_lines": [line]})

    books.sync(client)

    lines = books.query(
        "SELECT line_number, description, quantity FROM sage.sales_invoices__invoice_lines "
        f"WHERE parent_id = '{invoice['id']}'"
    )
    server = fake.records("sales_invoices")[0]["invoice_lines"]
    assert lines == [(n, x["description"], Decimal(x["quantity"])) for n, x in enumerate(server)]
    assert_same_books(fake, books)


def test_full_refresh_reloads_and_the_watermark_is_kept_per_table(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    books.sync(client)
    fake.stats.reset()

    summary = books.sync(client, full_refresh=True, collections=["contacts"])

    assert summary.tables["contacts"].added == CONTACTS
    assert list(summary.tables) == ["contacts"]
    assert_same_books(fake, books)


def test_a_collection_the_business_is_not_offered_is_skipped_with_a_note(
    fake: SageEmulator, client: SageAccounting, books: Books, caplog: pytest.LogCaptureFixture
) -> None:
    fake.withhold("sales_quotes", status=404)
    fake.withhold("stock_items", status=403)

    with caplog.at_level(logging.WARNING, logger="sage_accounting"):
        summary = books.sync(client, collections=[*OFFERED, "sales_quotes", "stock_items"])

    assert set(summary.skipped) == {"sales_quotes", "stock_items"}
    assert "404" in summary.skipped["sales_quotes"]
    assert "skipped sales_quotes" in summary.text()
    assert any("sales_quotes: skipped" in r.getMessage() for r in caplog.records)
    assert_same_books(fake, books)
    listed = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sage'"
    tables = {name for (name,) in books.query(listed)}
    assert not {"sales_quotes", "sales_quotes__quote_lines", "stock_items"} & tables
    # Every other table exists, rows or not, for SQL to query.
    assert {*OFFERED, "sales_estimates__estimate_lines"} <= tables


def test_an_unknown_collection_or_destination_is_a_clear_error(
    client: SageAccounting, books: Books
) -> None:
    from sage_accounting.dlt import SyncError

    with pytest.raises(SyncError, match="not a collection the API can list: contacs"):
        books.sync(client, collections=["contacs"])
    with pytest.raises(SyncError, match=r"postgresql://USER@HOST/DB"):
        from sage_accounting.dlt import sync

        sync(client, "mysql://user:secret@host/db")
    with pytest.raises(SyncError) as raised:
        sync(client, "mysql://user:hunter2@host/db")
    assert "hunter2" not in str(raised.value)


def test_watermarks_are_dlt_state_on_the_server_clock(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    import dlt

    books.sync(client)
    pipeline = dlt.attach(
        pipeline_name=next(p.name for p in books.pipelines.iterdir()),
        pipelines_dir=str(books.pipelines),
    )
    marks = pipeline.state["sources"]["sage_accounting"]["watermarks"]
    watermark = datetime.datetime.fromisoformat(marks[fake.lead_business_id]["contacts"])
    server_now = datetime.datetime.fromtimestamp(fake.clock.now(), datetime.timezone.utc)
    assert server_now - datetime.timedelta(seconds=30) < watermark <= server_now


def test_the_core_package_and_the_cli_parser_do_not_import_dlt() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from sage_accounting import SageAccounting; from sage_accounting import cli; "
        "cli._parser(); sys.exit(any(m in sys.modules for m in ('dlt', 'duckdb', 'pyarrow')))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_records_deleted_and_created_while_the_first_sync_reads_leave_one_row_per_key(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    churn = fake.churn("contacts", every=2, creates=3, deletes=3, rounds=4, seed=7)

    first = books.sync(client)
    twice = books.query("SELECT id FROM sage.contacts GROUP BY id HAVING count(*) > 1")
    churn.stop()
    fake.clock.advance(5)
    books.sync(client)

    assert churn.done == 4 and first.tables["contacts"].added > 0
    assert twice == []  # a record listed and deleted in one run is one key: the deletion's
    assert_same_books(fake, books)


def test_a_first_sync_asks_for_each_page_and_one_list_of_deletions_per_collection(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    fake.stats.reset()
    books.sync(client)

    assert list_requests(fake, "contacts") == -(-CONTACTS // 200) + 1
    assert list_requests(fake, "sales_invoices") == -(-INVOICES // 200) + 1
    assert_same_books(fake, books)
