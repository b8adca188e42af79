"""Many businesses in one DuckDB file: each keeps its own rows, whatever runs with it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sage_accounting import SageAccounting
from sage_accounting.cli import main
from sage_accounting.dlt import SyncError, SyncSummary
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

from .conftest import FAST_RETRIES, Books
from .many import (
    COLLECTIONS,
    WHOLE,
    add_businesses,
    assert_books_per_business,
    change_books,
    offered,
)


def _sync(books: Books, sage: SageAccounting, **options: Any) -> SyncSummary:
    return books.sync(sage, collections=COLLECTIONS, **options)


def test_two_businesses_in_turn_then_at_once_keep_their_own_rows(books: Books) -> None:
    fake = SageEmulator(seed=24)
    ids = add_businesses(fake, 2)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        for business in ids:  # one after the other, as two cron jobs would
            _sync(books, sage.with_business(business))
        assert_books_per_business(fake, books.query, ids)
        # Sage's shared ids: one tax rate id, one row per business.
        shared = books.query(
            "SELECT id, count(DISTINCT business_id) FROM sage.tax_rates GROUP BY id"
        )
        assert shared and all(count == 2 for _, count in shared)

        for round_ in range(3):  # then at once, with changes and deletions between runs
            change_books(fake, sage, ids, round_)
            summary = _sync(books, sage, businesses="all" if round_ % 2 else ids)
            assert_books_per_business(fake, books.query, ids)
            assert [b.business.id for b in summary.businesses] == ids

        change_books(fake, sage, ids, 9)
        _sync(books, sage.with_business(ids[1]))  # one alone again: the other's rows stay
        _sync(books, sage.with_business(ids[0]))
        assert_books_per_business(fake, books.query, ids)

    # The guide's VAT by rate per business: lines join their business's own tax rates.
    vat = books.query(
        "SELECT l.business_id, r.name AS rate, sum(l.tax_amount) AS vat "
        "FROM sage.sales_invoices__invoice_lines l JOIN sage.tax_rates r "
        "ON r.business_id = l.business_id AND r.id = l.tax_rate_id GROUP BY 1, 2"
    )
    lines = books.query(
        "SELECT business_id, count(*) FROM sage.sales_invoices__invoice_lines l WHERE EXISTS "
        "(SELECT 1 FROM sage.tax_rates r WHERE r.id = l.tax_rate_id) GROUP BY 1"
    )
    assert {business for business, _, _ in vat} == {business for business, _ in lines}


def test_ten_businesses_in_seven_countries_and_three_editions_at_once_repeatedly(
    books: Books,
) -> None:
    fake = SageEmulator(seed=25)
    ids = add_businesses(fake, 10, profiles=True)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        for round_ in range(3):
            summary = _sync(books, sage, businesses="all", parallel=6)
            assert not summary.failed
            assert_books_per_business(fake, books.query, ids)
            change_books(fake, sage, ids, round_)
        fake.stats.reset()
        summary = _sync(books, sage, businesses="all")
        assert_books_per_business(fake, books.query, ids)
    # Incremental: one list of businesses, then per business and tracked collection a page of
    # changes and one of deletions (contacts, invoices; tax rates track no deletions), and
    # one page of each collection read whole; none for what an edition is not offered.
    asked = sum(
        offered(fake, name, b) * (1 if name in ("tax_rates", *WHOLE) else 2)
        for b in ids
        for name in COLLECTIONS
    )
    assert summary.requests == 1 + asked


def test_a_refused_business_is_reported_and_the_others_complete(books: Books) -> None:
    fake = SageEmulator(seed=26)
    ids = add_businesses(fake, 3)
    fake.end_subscription(ids[1])
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        summary = _sync(books, sage, businesses="all")

    [failed] = summary.failed
    assert failed.business.id == ids[1] and "No active subscription" in str(failed.error)
    assert f"{ids[1]}): FAILED" in summary.text()
    assert_books_per_business(fake, books.query, [ids[0], ids[2]])
    assert books.query(f"SELECT count(*) FROM sage.contacts WHERE business_id = '{ids[1]}'") == [
        (0,)
    ]


def test_one_business_refused_alone_raises_as_a_call_would(books: Books) -> None:
    from sage_accounting.errors import SubscriptionError

    fake = SageEmulator(seed=27)
    ids = add_businesses(fake, 2)
    fake.end_subscription(ids[1])
    with make_client(fake, retry_policy=FAST_RETRIES) as sage, pytest.raises(SubscriptionError):
        _sync(books, sage.with_business(ids[1]))


def test_a_full_refresh_replaces_only_the_businesses_it_reads(books: Books) -> None:
    fake = SageEmulator(seed=28)
    ids = add_businesses(fake, 2)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        _sync(books, sage, businesses="all")
        change_books(fake, sage, ids, 0)
        summary = _sync(books, sage.with_business(ids[0]), full_refresh=True)
        assert summary.tables["contacts"].replaced
        # The other business was not read: its rows are as its last sync left them.
        stale = books.query(f"SELECT id FROM sage.contacts WHERE business_id = '{ids[1]}'")
        assert {key for (key,) in stale} != {str(r["id"]) for r in fake.records("contacts", ids[1])}
        assert books.query(
            f"SELECT count(*) FROM sage.contacts WHERE business_id = '{ids[0]}'"
        ) == [(fake.count("contacts", ids[0]),)]
        _sync(books, sage, businesses="all")  # merged on (business_id, id) again
        assert_books_per_business(fake, books.query, ids)
        change_books(fake, sage, ids, 1)
        _sync(books, sage, businesses="all")
        assert_books_per_business(fake, books.query, ids)


def test_a_business_the_login_does_not_reach_is_a_clear_error(books: Books) -> None:
    fake = SageEmulator(seed=29)
    add_businesses(fake, 2)
    with make_client(fake) as sage, pytest.raises(SyncError, match="not a business this login"):
        _sync(books, sage, businesses=["nope"])


def test_the_command_syncs_every_business_and_says_which_failed(
    books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sage_accounting.auth._store import FileTokenStore
    from tests.clients import token_of

    fake = SageEmulator(seed=30)
    ids = add_businesses(fake, 3)
    fake.end_subscription(ids[2])
    token_file = tmp_path / "token.json"
    FileTokenStore(token_file).save(token_of(fake), replaces=None)
    os.environ["SAGE_CLIENT_SECRET"] = fake.client_secret
    try:
        with fake.serve():
            status = main(
                [
                    "sync",
                    "--business",
                    "all",
                    "--to",
                    books.url,
                    "--collections",
                    ",".join(COLLECTIONS),
                    "--pipelines-dir",
                    str(books.pipelines),
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
    finally:
        del os.environ["SAGE_CLIENT_SECRET"]

    assert status == 1
    err = capsys.readouterr().err
    progress = [line for line in err.splitlines() if line.startswith("[")]
    assert len(progress) == 3 and sum("FAILED" in line for line in progress) == 1
    assert "3 business(es), 1 FAILED" in err
    assert_books_per_business(fake, books.query, ids[:2])


def test_a_collection_refused_with_401_keeps_the_business_and_its_rows(books: Books) -> None:
    fake = SageEmulator(seed=31)
    ids = add_businesses(fake, 2)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        _sync(books, sage, businesses="all")
        change_books(fake, sage, ids, 0)
        # Sage answers this business's stock movements with "No active subscription" (401)
        # while its other collections answer: an edition refusal, not a refused business.
        fake.withhold("stock_movements", status=401, business_id=ids[1])
        kept = books.query(f"SELECT id FROM sage.stock_movements WHERE business_id = '{ids[1]}'")
        summary = _sync(books, sage, businesses="all")

    assert not summary.failed
    [business] = [b for b in summary.businesses if b.business.id == ids[1]]
    assert "refused by Sage" in business.skipped["stock_movements"]
    assert "skipped stock_movements: refused by Sage" in summary.text()
    # Its other collections are synced, and the refused one keeps the rows it had.
    assert (
        books.query(f"SELECT id FROM sage.stock_movements WHERE business_id = '{ids[1]}'") == kept
    )
    fake.offer("stock_movements", business_id=ids[1])
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        _sync(books, sage, businesses="all")
    assert_books_per_business(fake, books.query, ids)


def test_what_the_edition_is_not_offered_is_skipped_without_a_request(books: Books) -> None:
    fake = SageEmulator(seed=32)
    # Accounting Start has no stock movements (the spec's table); the lead business is Plus.
    ids = [fake.lead_business_id, fake.add_business("Start Ltd", country="GB", edition="start")]
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        summary = _sync(books, sage, businesses="all")

    [plus, start] = summary.businesses
    assert "stock_movements" not in plus.skipped
    assert start.skipped["stock_movements"].startswith("not offered to start in GB")
    asked = {(e.business, e.path) for e in fake.stats.requests if e.method == "GET"}
    assert (ids[1], "/stock_movements") not in asked and (ids[0], "/stock_movements") in asked
    assert (ids[1], "/contacts") in asked  # what the table says it has, or does not know, is asked


def test_all_is_every_business_on_every_page_of_the_list(books: Books) -> None:
    fake = SageEmulator(seed=34)
    ids = [fake.lead_business_id] + [fake.add_business(f"Client {n}") for n in range(1, 23)]
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        summary = books.sync(sage, collections=["currencies"], businesses="all")

    assert [b.business.id for b in summary.businesses] == ids
    [(count,)] = books.query("SELECT count(DISTINCT business_id) FROM sage.currencies")
    assert count == len(ids)


def test_a_collection_reads_several_businesses_at_once(books: Books) -> None:
    fake = SageEmulator(seed=24, latency=0.05)
    ids = add_businesses(fake, 6)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        summary = _sync(books, sage, businesses=ids, parallel=3)

    first = [e.business for e in fake.stats.requests if e.path == "/contacts"][:3]
    assert len(set(first)) == 3  # three businesses' first pages were asked for together
    assert not summary.failed
    assert_books_per_business(fake, books.query, ids)
