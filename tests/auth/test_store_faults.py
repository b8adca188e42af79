"""Token file faults lose nothing: a broken file is a clear error and is never overwritten, and
a refreshed token the disk cannot take is kept, used, saved later, or reported at close and exit.

A full disk is the kernel's own answer: files may not grow past a few bytes (RLIMIT_FSIZE, so
writes fail with EFBIG, "File too large"), which holds for root too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import resource
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from sage_accounting import Token
from sage_accounting.auth import FileTokenStore, TokenSaveError, TokenStoreError
from sage_accounting.cli import main
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client, token_of


@contextlib.contextmanager
def disk_full() -> Iterator[None]:
    """No file may grow past 16 bytes while inside, as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (16, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _secrets(*tokens: Token | None) -> list[str]:
    return [s for t in tokens if t is not None for s in (t.access_token, t.refresh_token) if s]


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture()
def stored(tmp_path: Path, fake: SageEmulator) -> tuple[FileTokenStore, Token]:
    store = FileTokenStore(tmp_path / "token.json")
    token = token_of(fake)
    store.save(token, replaces=None)
    return store, token


# --- a broken token file -------------------------------------------------------------------

BROKEN = {
    "empty": (b"", "is empty (0 bytes)"),
    "blank": (b"\n  \n", "is empty (4 bytes)"),
    "cut off": (b'{"access_token": "SECRET-access", "refresh_tok', "is cut off after 46 bytes"),
    "not utf-8": (b'{"access_token": "\xff\xfe"}', "is not UTF-8 text (byte 18 of 22)"),
    "not json": (b"access_token=SECRET-access", "is not JSON (Expecting value at line 1"),
    "an array": (b'["SECRET-access"]', "holds a JSON array, not a token object"),
    "no access token": (b'{"refresh_token": "SECRET-refresh"}', "has no access_token"),
    "expiry as text": (
        b'{"access_token": "SECRET-access", "expires_at": "SECRET-soon"}',
        "has expires_at as a JSON string, not epoch seconds or null",
    ),
    "unknown field": (b'{"access_token": "SECRET-access", "pin": 1}', "has unknown fields: pin"),
}


@pytest.mark.parametrize("content, fault", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_token_file_names_the_file_and_the_fault(
    tmp_path: Path, content: bytes, fault: str
) -> None:
    path = tmp_path / "token.json"
    path.write_bytes(content)
    with pytest.raises(TokenStoreError) as caught:
        FileTokenStore(path).load()
    message = str(caught.value)
    assert message.startswith(f"token file {path} {fault}")
    assert message.endswith(
        ". It is left as it is: restore a good copy, or move it away and log in again "
        "(`sage-accounting login`)."
    )
    assert "SECRET" not in message  # a broken file may still hold a live token


def test_a_broken_token_file_is_never_overwritten(
    tmp_path: Path, fake: SageEmulator, stored: tuple[FileTokenStore, Token]
) -> None:
    store, _ = stored
    half = store.path.read_bytes()[:40]
    store.path.write_bytes(half)
    with make_client(fake, token_store=store) as sage, pytest.raises(TokenStoreError, match="cut"):
        fake.clock.advance(301)
        sage.lead_business()
    with pytest.raises(TokenStoreError, match="cut off"):  # as `sage-accounting login` saves
        store.save(token_of(fake), replaces=None)
    assert store.path.read_bytes() == half
    assert fake.stats.refreshes == 0  # nothing was refreshed, so nothing can be lost


def test_login_refuses_a_broken_token_file_before_the_consent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "token.json"
    path.write_bytes(b"")
    monkeypatch.setenv("SAGE_CLIENT_SECRET", "secret")
    browsed: list[str] = []
    argv = ["login", "--client-id", "id", "--redirect-port", "0", "--token-file", str(path)]
    assert main(argv, open_browser=browsed.append) == 1
    assert f"token file {path} is empty (0 bytes)" in capsys.readouterr().err
    assert browsed == [] and path.read_bytes() == b""


def test_a_blank_token_is_never_written(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "token.json")
    with pytest.raises(TokenStoreError, match=f"refusing to write a blank token to {store.path}"):
        store.save(Token(access_token=""), replaces=None)
    assert not store.path.exists()


# --- a refreshed token the disk cannot take ------------------------------------------------


def test_a_full_disk_at_a_refresh_keeps_the_new_token_and_saves_it_later(
    fake: SageEmulator, stored: tuple[FileTokenStore, Token], caplog: pytest.LogCaptureFixture
) -> None:
    store, old = stored
    before = store.path.read_bytes()
    caplog.set_level(logging.INFO, logger="sage_accounting")
    with make_client(fake, token_store=store) as sage:
        fake.clock.advance(301)
        with disk_full():
            assert sage.request("GET", "/contacts").status_code == 200  # refreshed and used
            assert sage.request("GET", "/contacts").status_code == 200  # the kept token again
        assert store.path.read_bytes() == before  # the old file, whole
        assert sorted(p.name for p in store.path.parent.iterdir()) == [
            "token.json",
            "token.json.lock",
        ]  # no temp file left behind
        (error,) = _errors(caplog)
        assert f"saving the refreshed token to {store!r} failed" in error
        assert "File too large; 3 tries so far)" in error

        fake.clock.advance(5)  # the next call tries the save again, and the disk has room
        assert sage.request("GET", "/contacts").status_code == 200
        new = sage.token
    assert store.load() == new and new is not None and new.refresh_token != old.refresh_token
    assert "is saved to" in caplog.text
    assert fake.stats.refreshes == 1 and fake.stats.refresh_token_reuse == 0
    assert not any(secret in caplog.text for secret in _secrets(old, new))


def test_a_refresh_while_unsaved_starts_from_the_kept_token(
    fake: SageEmulator, stored: tuple[FileTokenStore, Token]
) -> None:
    store, old = stored
    with make_client(fake, token_store=store) as sage:
        with disk_full():
            for _ in range(3):
                fake.clock.advance(301)
                assert sage.lead_business().id == fake.lead_business_id
            assert store.load() == old
        latest = sage.token
    # The store's refresh token was spent by the first refresh: reusing it would end the grant.
    assert fake.stats.refreshes == 3 and fake.stats.refresh_token_reuse == 0
    assert store.load() == latest  # saved by the close


def test_a_new_login_while_the_token_is_unsaved_wins(
    fake: SageEmulator, stored: tuple[FileTokenStore, Token], caplog: pytest.LogCaptureFixture
) -> None:
    store, _ = stored
    with make_client(fake, token_store=store) as sage:
        fake.clock.advance(301)
        with disk_full():
            sage.lead_business()
        login = token_of(fake)  # `sage-accounting login` in another terminal
        store.save(login, replaces=store.load())
        fake.clock.advance(5)
        sage.lead_business()
        assert sage.token == login == store.load()
    assert f"{store!r} holds another token now (a new login?)" in caplog.text


def test_close_raises_while_the_token_is_unsaved_and_saves_it_once_it_can(
    fake: SageEmulator, stored: tuple[FileTokenStore, Token], caplog: pytest.LogCaptureFixture
) -> None:
    store, old = stored
    sage = make_client(fake, token_store=store)
    fake.clock.advance(301)
    with disk_full():
        sage.lead_business()
        with pytest.raises(TokenSaveError) as caught:
            sage.close()
    assert caught.value.store == repr(store)
    assert str(caught.value).startswith(f"the refreshed token is still not saved to {store!r}")
    assert "fix the store and close the client again" in str(caught.value)
    assert not any(secret in str(caught.value) for secret in _secrets(old, sage.token))
    assert store.load() == old

    sage.close()  # the disk has room again

    assert store.load() == sage.token != old


def test_an_error_leaving_the_with_block_is_not_hidden_by_an_unsaved_token(
    fake: SageEmulator, stored: tuple[FileTokenStore, Token], caplog: pytest.LogCaptureFixture
) -> None:
    store, _ = stored
    sage = make_client(fake, token_store=store)
    with disk_full(), pytest.raises(KeyError), sage:
        fake.clock.advance(301)
        sage.lead_business()
        raise KeyError("the caller's own error")
    assert len(_errors(caplog)) == 2  # at the refresh, and again at the close
    sage.close()
    assert store.load() == sage.token


def test_the_async_client_keeps_and_saves_the_token_too(
    fake: SageEmulator, stored: tuple[FileTokenStore, Token], caplog: pytest.LogCaptureFixture
) -> None:
    store, old = stored

    async def run() -> Token | None:
        async with make_async_client(fake, token_store=store) as sage:
            with disk_full():
                fake.clock.advance(301)
                assert (await sage.request("GET", "/contacts")).status_code == 200
                fake.clock.advance(301)  # refreshed again, from the kept token
                assert (await sage.request("GET", "/contacts")).status_code == 200
                assert store.load() == old
            fake.clock.advance(5)
            assert (await sage.request("GET", "/contacts")).status_code == 200
            return sage.token

    new = asyncio.run(run())
    assert store.load() == new != old
    assert fake.stats.refreshes == 2 and fake.stats.refresh_token_reuse == 0
    assert _errors(caplog)


EXITS_UNSAVED = textwrap.dedent(
    """
    import logging, resource, signal, sys
    from sage_accounting import SageAccounting
    from sage_accounting.auth import FileTokenStore

    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    base_url, token_url, client_id, secret, path = sys.argv[1:6]
    sage = SageAccounting(client_id=client_id, client_secret=secret, base_url=base_url,
                          token_url=token_url, token_store=FileTokenStore(path),
                          refresh_margin=1000, limits=None)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    sage.lead_business()  # refreshes (the margin says so); the disk takes nothing
    """
)


def test_exiting_with_an_unsaved_token_is_an_error_naming_the_store(tmp_path: Path) -> None:
    fake = SageEmulator(seed=13, access_token_ttl=300)
    store = FileTokenStore(tmp_path / "token.json")
    store.save(token_of(fake), replaces=None)
    with fake.serve():
        args = [fake.api_base_url, fake.token_url, fake.client_id, fake.client_secret]
        done = subprocess.run(
            [sys.executable, "-c", EXITS_UNSAVED, *args, str(store.path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert fake.stats.refreshes == 1
    assert (
        f"ERROR sage_accounting.auth: exiting with a refreshed token that {store!r} does not "
        "hold: it is lost" in done.stderr
    )
    # No token, whoever issued it: nothing token-like once the file's name is taken out.
    assert not re.search(r"[A-Za-z0-9_-]{32,}", done.stderr.replace(str(store.path), ""))
