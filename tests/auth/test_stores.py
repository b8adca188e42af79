"""Token stores: atomic 0600 files, two processes sharing one file, a crash loses nothing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sage_accounting import Token
from sage_accounting.auth import FileTokenStore, MemoryTokenStore, TokenStoreError
from sage_accounting.testing import SageEmulator
from tests.clients import make_client, token_of


def test_file_store_writes_atomically_with_mode_0600(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "deep" / "token.json")
    token = Token(access_token="a", refresh_token="r", expires_at=1000.0)
    assert store.load() is None
    assert store.save(token, replaces=None) == token
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.load() == token
    assert [p.name for p in store.path.parent.iterdir()] == ["token.json"]  # no temp left


def test_file_store_compare_and_set_keeps_the_winner(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    first = Token(access_token="a1", refresh_token="r1")
    store.save(first, replaces=None)
    winner = Token(access_token="a2", refresh_token="r2")
    store.save(winner, replaces=first)
    loser = Token(access_token="a3", refresh_token="r3")
    assert store.save(loser, replaces=first) == winner  # r1 was already rotated by the winner
    assert store.load() == winner


def test_memory_store_compare_and_set() -> None:
    first = Token(access_token="a1", refresh_token="r1")
    store = MemoryTokenStore(first)
    assert (
        store.save(Token(access_token="a2", refresh_token="r2"), replaces=first).access_token
        == "a2"
    )
    assert (
        store.save(Token(access_token="a3", refresh_token="r3"), replaces=first).access_token
        == "a2"
    )


def test_corrupt_token_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{not json")
    with pytest.raises(TokenStoreError, match=str(path)):
        FileTokenStore(path).load()


WORKER = textwrap.dedent(
    """
    import sys, time, threading
    from sage_accounting import SageAccounting
    from sage_accounting.auth import FileTokenStore

    base_url, token_url, client_id, secret, path, seconds = sys.argv[1:7]
    sage = SageAccounting(client_id=client_id, client_secret=secret, base_url=base_url,
                          token_url=token_url, token_store=FileTokenStore(path),
                          refresh_margin=0.3, limits=None)
    deadline = time.monotonic() + float(seconds)
    failures = []

    def loop():
        while time.monotonic() < deadline:
            try:
                sage.lead_business()
            except Exception as exc:
                failures.append(repr(exc))

    threads = [threading.Thread(target=loop) for _ in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(len(failures), failures[:1])
    """
)


def test_two_processes_share_one_file_without_reusing_a_refresh_token(tmp_path: Path) -> None:
    fake = SageEmulator(seed=11, access_token_ttl=1)
    path = tmp_path / "token.json"
    FileTokenStore(path).save(token_of(fake), replaces=None)
    with fake.serve():
        args = [fake.api_base_url, fake.token_url, fake.client_id, fake.client_secret]
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, *args, str(path), "3"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [worker.communicate(timeout=60) for worker in workers]
    for out, err in outputs:
        assert out.startswith("0 "), (out, err)
    assert fake.stats.refreshes >= 2  # 3 s of 1 s tokens: they did refresh
    assert fake.stats.refresh_token_reuse.count == 0


CRASHER = textwrap.dedent(
    """
    import os, sys
    from sage_accounting import SageAccounting
    from sage_accounting.auth import FileTokenStore

    class CrashAfterSave(FileTokenStore):
        def save(self, token, *, replaces):
            stored = super().save(token, replaces=replaces)
            os._exit(3)  # the process dies between storing the new token and using it

    base_url, token_url, client_id, secret, path = sys.argv[1:6]
    sage = SageAccounting(client_id=client_id, client_secret=secret, base_url=base_url,
                          token_url=token_url, token_store=CrashAfterSave(path),
                          refresh_margin=1000)
    sage.lead_business()
    """
)


def test_a_crash_between_refresh_and_use_loses_nothing(tmp_path: Path) -> None:
    fake = SageEmulator(seed=12, access_token_ttl=300)
    path = tmp_path / "token.json"
    before = token_of(fake)
    FileTokenStore(path).save(before, replaces=None)
    with fake.serve():
        args = [fake.api_base_url, fake.token_url, fake.client_id, fake.client_secret, str(path)]
        crashed = subprocess.run(
            [sys.executable, "-c", CRASHER, *args], capture_output=True, timeout=60
        )
        assert crashed.returncode == 3, crashed.stderr
        after = FileTokenStore(path).load()
        assert after is not None and after.refresh_token != before.refresh_token
        assert fake.stats.refreshes == 1
        with make_client(fake, token_store=FileTokenStore(path), transport=None) as sage:
            fake.clock.advance(400)
            assert sage.lead_business().id == fake.lead_business_id
    assert fake.stats.refreshes == 2
    assert fake.stats.refresh_token_reuse.count == 0
    assert json.loads(path.read_text())["refresh_token"] != after.refresh_token


def test_file_store_keeps_who_consented_and_reads_files_from_before(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    store = FileTokenStore(path)
    token = Token(access_token="a1", refresh_token="r1", expires_at=2e9, requested_by_id="u-7")
    store.save(token, replaces=None)
    assert FileTokenStore(path).load() == token
    # A file written before the user was kept has no such field.
    older = {"access_token": "a0", "refresh_token": "r0", "expires_at": 2e9, "scope": None}
    path.write_text(json.dumps({**older, "refresh_token_expires_at": None, "token_type": "bearer"}))
    loaded = FileTokenStore(path).load()
    assert loaded is not None and loaded.requested_by_id is None and loaded.access_token == "a0"
