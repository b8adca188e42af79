"""A first load appends (no staging copy, no merge); every later one merges, so nothing comes
twice: not after an interrupted run, a deleted pipelines folder, nor beside another business."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from sage_accounting import SageAccounting
from sage_accounting.dlt import SyncError
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

from .conftest import FAST_RETRIES, Books, assert_same_books, fail_loading, staged
from .many import COLLECTIONS, add_businesses, assert_books_per_business, change_books


def test_a_first_sync_appends_and_the_next_merges_changes_and_deletions(
    fake: SageEmulator, client: SageAccounting, books: Books
) -> None:
    books.sync(client)
    assert staged(books.query) == []  # appended: nothing copied to merge from
    assert_same_books(fake, books)

    fake.clock.advance(60)
    invoices = fake.records("sales_invoices")
    fake.delete_record("sales_invoices", str(invoices[0]["id"]))
    fake.delete_record("contacts", str(fake.records("contacts")[0]["id"]))
    client.contacts.update(str(fake.records("contacts")[1]["id"]), {"name": "Renamed"})
    summary = books.sync(client)

    assert summary.tables["sales_invoices"].deleted == 1
    assert "contacts" in staged(books.query)  # merged
    assert_same_books(fake, books)
    fake.clock.advance(60)
    books.sync(client)  # a run with nothing new changes nothing
    assert_same_books(fake, books)


@pytest.mark.parametrize("folder", ["kept", "deleted"])
@pytest.mark.parametrize("failed", ["contacts", "_dlt_pipeline_state"])  # the watermarks' table
def test_a_first_sync_whose_load_failed_is_completed_without_a_key_twice(
    fake: SageEmulator,
    client: SageAccounting,
    books: Books,
    monkeypatch: pytest.MonkeyPatch,
    folder: str,
    failed: str,
) -> None:
    fail_loading(monkeypatch, failed)
    with pytest.raises(SyncError, match="load"):
        books.sync(client)
    monkeypatch.undo()
    loaded = books.query("SELECT count(*) FROM sage.sales_invoices")
    assert loaded == [(len(fake.records("sales_invoices")),)]  # the other tables were loaded
    if folder == "deleted":  # dlt's local copy gone: the next run reads everything again
        shutil.rmtree(books.pipelines)
    fake.clock.advance(60)
    client.contacts.update(str(fake.records("contacts")[2]["id"]), {"name": "Renamed"})

    books.sync(client)

    twice = books.query("SELECT id FROM sage.contacts GROUP BY id HAVING count(*) > 1")
    assert twice == []
    assert_same_books(fake, books)


def test_a_business_first_synced_beside_another_appends_and_each_keeps_its_rows(
    books: Books,
) -> None:
    fake = SageEmulator(seed=29)
    ids = add_businesses(fake, 2)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        books.sync(sage.with_business(ids[0]), collections=COLLECTIONS)
        # The second's first sync, read whole, while the first's rows are there.
        summary = books.sync(sage.with_business(ids[1]), collections=COLLECTIONS, full_refresh=True)
        assert summary.tables["contacts"].replaced
        assert staged(books.query) == []  # both appended
        assert_books_per_business(fake, books.query, ids)

        change_books(fake, sage, ids, 0)
        books.sync(sage.with_business(ids[0]), collections=COLLECTIONS, full_refresh=True)
        first = books.query(f"SELECT count(*) FROM sage.contacts WHERE business_id = '{ids[0]}'")
        assert first == [(fake.count("contacts", ids[0]),)]  # replaced: its rows only
        books.sync(sage, collections=COLLECTIONS, businesses="all")
        assert_books_per_business(fake, books.query, ids)


@pytest.mark.parametrize("lost", ["state dropped", "another pipeline"])
def test_a_first_read_over_rows_without_a_watermark_removes_what_sage_deleted_since(
    fake: SageEmulator,
    client: SageAccounting,
    books: Books,
    lost: str,
) -> None:
    """Rows but no watermark (dlt's state gone from the destination and the disk, or another
    pipeline name): the next read is whole, and a record deleted in Sage meanwhile must not
    stay in the table for good."""
    books.sync(client)
    if lost == "state dropped":
        with duckdb.connect(str(books.path)) as con:
            con.execute("DELETE FROM sage._dlt_pipeline_state")
        shutil.rmtree(books.pipelines)
    fake.clock.advance(60)
    invoice = str(fake.records("sales_invoices")[0]["id"])
    contacts = [str(r["id"]) for r in fake.records("contacts")[:3]]
    fake.delete_record("sales_invoices", invoice)
    for key in contacts:
        fake.delete_record("contacts", key)
    fake.clock.advance(60)
    options = {"pipeline_name": "another"} if lost == "another pipeline" else {}

    summary = books.sync(client, **options)

    assert summary.tables["contacts"].deleted == 3
    assert summary.tables["sales_invoices"].deleted == 1
    assert_same_books(fake, books)  # the deleted invoice's lines went with it
    fake.clock.advance(60)
    again = books.sync(client, **options)  # now with a watermark: nothing to remove
    assert again.tables["contacts"].deleted == 0
    assert_same_books(fake, books)


def test_businesses_read_from_the_start_over_their_rows_each_lose_only_their_deleted(
    books: Books,
) -> None:
    """Another pipeline over the same dataset: its first run for a business finds its rows
    and no watermark; a later run reads one business's changes and two from the start."""
    fake = SageEmulator(seed=31)
    ids = add_businesses(fake, 3)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        books.sync(sage, collections=COLLECTIONS, businesses="all")
        change_books(fake, sage, ids, 0)  # each business: contacts deleted, an invoice too
        fake.clock.advance(60)  # before the next read begins: not in the list it asks for
        books.sync(sage, collections=COLLECTIONS, businesses=ids[:1], pipeline_name="another")
        change_books(fake, sage, ids, 1)
        fake.clock.advance(60)
        summary = books.sync(
            sage, collections=COLLECTIONS, businesses="all", pipeline_name="another"
        )
        assert_books_per_business(fake, books.query, ids)
        deleted = [b.tables["contacts"].deleted for b in summary.businesses]
        assert deleted == [1, 2, 2]  # its change / the two rounds' of each of the others
