"""An interrupted sync resumes: nothing lost, nothing twice, whatever failed and wherever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sage_accounting import RetryPolicy, SageAccounting
from sage_accounting.auth._store import FileTokenStore
from sage_accounting.cli import main
from sage_accounting.errors import ServerError
from sage_accounting.testing import SageEmulator
from tests.clients import make_client, token_of
from tests.waiting import until

from .conftest import FAST_RETRIES, SYNCED, Books, assert_same_books, list_requests


def test_a_sync_that_fails_after_some_pages_is_completed_by_the_next(
    fake: SageEmulator, books: Books
) -> None:
    fake.faults.script([None, None, "500"], methods=["GET"], paths=["/contacts"])
    no_retries = make_client(fake, retry_policy=RetryPolicy(max_retries=0))
    with no_retries as sage, pytest.raises(ServerError):
        books.sync(sage, concurrency=1)
    fake.clock.advance(30)
    for n in range(2):  # the books change before the next run
        fake.delete_record("contacts", str(fake.records("contacts")[n]["id"]))

    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        books.sync(sage)

    assert_same_books(fake, books)


def test_faults_and_one_second_tokens_during_a_sync_change_nothing(tmp_path: Path) -> None:
    fake = SageEmulator(seed=17, access_token_ttl=1.0)
    fake.seed("contacts", 1000, full=False)
    fake.seed("sales_invoices", 100, full=False)
    fake.clock.advance(60)
    fake.faults.inject(0.15, ["429", "500", "503", "drop"], methods=["GET"], retry_after=0.01)
    books = Books(tmp_path)
    with make_client(fake, retry_policy=FAST_RETRIES) as sage:
        first = books.sync(sage, concurrency=4)
        fake.clock.advance(5)  # every token has expired by now
        fake.delete_record("contacts", str(fake.records("contacts")[7]["id"]))
        books.sync(sage, concurrency=4)

    assert first.retries > 0 and fake.stats.refreshes > 0
    assert_same_books(fake, books)


def _cli(fake: SageEmulator, books: Books, token_file: Path) -> list[str]:
    return [
        "sync",
        "--to",
        books.url,
        "--collections",
        ",".join(SYNCED),
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
        "--concurrency",
        "2",
    ]


def test_a_sync_killed_mid_run_is_resumed_by_the_next_run(
    fake: SageEmulator, books: Books, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "token.json"
    FileTokenStore(token_file).save(token_of(fake), replaces=None)
    env = {**os.environ, "SAGE_CLIENT_SECRET": fake.client_secret}
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")])
    fake.latency = 0.02
    with fake.serve():
        command = [sys.executable, "-m", "sage_accounting", *_cli(fake, books, token_file)]
        process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            until(lambda: list_requests(fake, "contacts") >= 3, seconds=60)  # pages read
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        fake.latency = 0.0
        fake.clock.advance(30)
        os.environ["SAGE_CLIENT_SECRET"] = fake.client_secret
        try:
            assert main(_cli(fake, books, token_file)) == 0
        finally:
            del os.environ["SAGE_CLIENT_SECRET"]

    assert_same_books(fake, books)
    summary = capsys.readouterr().err
    assert "contacts" in summary and "request(s)" in summary


def test_ctrl_c_while_429s_hold_the_pages_stops_the_sync_at_once_and_the_next_run_completes(
    fake: SageEmulator, books: Books, tmp_path: Path
) -> None:
    token_file = tmp_path / "token.json"
    FileTokenStore(token_file).save(token_of(fake), replaces=None)
    env = {**os.environ, "SAGE_CLIENT_SECRET": fake.client_secret}
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")])
    # Every list of contacts meets a 429 asking for a minute (and pauses the client's calls).
    fake.faults.inject(1.0, ["429"], methods=["GET"], paths=["/contacts"], retry_after=60)
    with fake.serve():
        command = [sys.executable, "-m", "sage_accounting", *_cli(fake, books, token_file)]
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        try:
            until(lambda: list_requests(fake, "contacts") == 1, seconds=60)  # its wait began
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)  # not the minute the 429s asked for
        finally:
            process.kill()
            process.wait()
        assert process.returncode == -signal.SIGINT  # Python's own exit on Ctrl-C
        assert stderr.rstrip().endswith("KeyboardInterrupt")  # not a failed dlt step
        assert "generator already executing" not in stderr and "didn't join" not in stderr
        assert list_requests(fake, "contacts") == 1  # no attempt after Ctrl-C

        fake.faults.clear()
        fake.clock.advance(30)
        os.environ["SAGE_CLIENT_SECRET"] = fake.client_secret
        try:
            assert main(_cli(fake, books, token_file)) == 0
        finally:
            del os.environ["SAGE_CLIENT_SECRET"]

    assert_same_books(fake, books)


def test_the_sync_gives_ctrl_c_back_as_it_found_it(client: SageAccounting, books: Books) -> None:
    before = signal.getsignal(signal.SIGINT)
    books.sync(client)
    assert signal.getsignal(signal.SIGINT) is before
