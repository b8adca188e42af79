"""A dataset the previous release wrote (no business_id) is upgraded in place on the first run,
or refused with what to run; never mixed. The dataset is made by that release's own code
(commit 2564d2f's generated package, from git), syncing the served emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from sage_accounting.dlt import SyncError
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

from .conftest import FAST_RETRIES, Books
from .many import COLLECTIONS, add_businesses, assert_books_per_business, change_books

RELEASE = "2564d2f"  # main before many businesses: tables without business_id
ROOT = Path(__file__).parents[2]
_OLD_SYNC = """
import json, sys
from sage_accounting import SageAccounting, Token
from sage_accounting.dlt import sync
a = json.loads(sys.argv[1])
with SageAccounting(client_id=a["id"], client_secret=a["secret"], base_url=a["base"],
                    token_url=a["token_url"], business_id=a["business"],
                    token=Token.from_response(a["token"], now=a["now"])) as sage:
    sync(sage, a["url"], collections=a["collections"], pipelines_dir=a["pipelines"])
"""


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's package, unpacked from git."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", RELEASE, "generated/sage_accounting"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"the release {RELEASE} is not in this checkout's git history")
    folder = tmp_path_factory.mktemp("release")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "generated"


def _sync_with_release(
    release: Path, fake: SageEmulator, books: Books, business: str | None
) -> None:
    arguments = {
        "id": fake.client_id,
        "secret": fake.client_secret,
        "base": fake.api_base_url,
        "token_url": fake.token_url,
        "business": business,
        "token": fake.issue_token(),
        "now": fake.clock.now(),
        "url": books.url,
        "collections": COLLECTIONS,
        "pipelines": str(books.pipelines),
    }
    env = {**os.environ, "PYTHONPATH": str(release), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    command = [sys.executable, "-c", _OLD_SYNC, json.dumps(arguments)]
    subprocess.run(command, env=env, check=True, cwd=release, timeout=300)


def _tables_without_business(books: Books) -> int:
    [(count,)] = books.query(
        "SELECT count(DISTINCT table_name) FROM information_schema.tables t WHERE table_schema "
        "= 'sage' AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' AND NOT EXISTS (SELECT 1 FROM "
        "information_schema.columns c WHERE c.table_schema = 'sage' AND c.table_name = "
        "t.table_name AND c.column_name = 'business_id')"
    )
    return int(count)


def test_a_dataset_of_the_previous_release_is_upgraded_in_place(
    release: Path, books: Books
) -> None:
    fake = SageEmulator(seed=40)
    ids = add_businesses(fake, 2)
    with fake.serve():
        _sync_with_release(release, fake, books, ids[1])
        assert _tables_without_business(books) > 0
        with make_client(fake, retry_policy=FAST_RETRIES) as sage:
            change_books(fake, sage, ids, 0)
            fake.stats.reset()
            summary = books.sync(sage.with_business(ids[1]), collections=COLLECTIONS)
            assert _tables_without_business(books) == 0
            assert_books_per_business(fake, books.query, [ids[1]])
            # Its watermarks carried over: only the changes were read, not every contact.
            assert summary.tables["contacts"].added + summary.tables["contacts"].updated == 2
            books.sync(sage, collections=COLLECTIONS, businesses="all")
    assert_books_per_business(fake, books.query, ids)


def test_a_dataset_of_the_lead_business_is_refused_until_adopted(
    release: Path, books: Books
) -> None:
    fake = SageEmulator(seed=41)
    ids = add_businesses(fake, 2)
    with fake.serve():
        _sync_with_release(release, fake, books, None)  # no business id: the lead's
        with make_client(fake, retry_policy=FAST_RETRIES) as sage:
            with pytest.raises(SyncError, match=f"--adopt {ids[1]}") as refused:
                books.sync(sage.with_business(ids[1]), collections=COLLECTIONS)
            assert "earlier release" in str(refused.value)
            assert _tables_without_business(books) > 0  # nothing was changed
            books.sync(sage, collections=COLLECTIONS, businesses="all", adopt=ids[0])
    assert_books_per_business(fake, books.query, ids)
