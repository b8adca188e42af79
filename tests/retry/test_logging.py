"""`SAGE_ACCOUNTING_LOG`: a switch that shows what the client does on stderr, each attempt,
retry and refresh at DEBUG, and never a token, the client secret or an Authorization header."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from sage_accounting._logs import shown_url
from sage_accounting.testing import SageEmulator
from tests.clients import make_client, token_of

from .test_retry import FAST


@pytest.fixture()
def fake() -> SageEmulator:
    return SageEmulator(seed=5)


@pytest.fixture(autouse=True)
def _fresh_logger() -> Iterator[None]:
    """Each test starts and ends with the `sage_accounting` logger as a program finds it."""
    logger = logging.getLogger("sage_accounting")
    before = (logger.level, list(logger.handlers))
    yield
    logger.setLevel(before[0])
    logger.handlers[:] = before[1]


def _run(fake: SageEmulator) -> None:
    with make_client(fake, retry_policy=FAST, business_id=fake.lead_business_id) as sage:
        fake.clock.advance(400)  # the token has expired: the call refreshes first
        fake.faults.script(["503"])
        sage.contacts.list(search="acme").first_page()


def test_debug_shows_each_attempt_retry_and_refresh_on_stderr(
    fake: SageEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAGE_ACCOUNTING_LOG", "debug")
    _run(fake)
    lines = capsys.readouterr().err.splitlines()
    business = fake.lead_business_id
    contacts = f"GET {fake.api_base_url}/contacts?search=acme&items_per_page=200&page=1"
    assert any("sage_accounting.auth: refreshing the access token at" in line for line in lines)
    assert any("sage_accounting.auth: token refreshed" in line for line in lines)
    answers = [line for line in lines if contacts in line and " in " in line]
    assert [line.split(": ", 2)[2].split(" in ")[0] for line in answers] == ["HTTP 503", "HTTP 200"]
    assert f"attempt 1, business {business}" in answers[0]
    assert f"attempt 2, business {business}" in answers[1]
    (retry,) = [line for line in lines if "retry 1/" in line]
    assert "after HTTP 503: waiting" in retry
    assert all(" DEBUG sage_accounting." in line for line in lines if contacts in line)


def test_info_shows_no_debug_lines(
    fake: SageEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAGE_ACCOUNTING_LOG", "INFO")
    _run(fake)
    _run(fake)  # a second client adds no second handler
    assert capsys.readouterr().err == ""
    handlers = logging.getLogger("sage_accounting").handlers
    assert [type(h).__name__ for h in handlers].count("_EnvHandler") == 1


def test_without_the_variable_nothing_is_configured(
    fake: SageEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SAGE_ACCOUNTING_LOG", raising=False)
    _run(fake)
    assert capsys.readouterr().err == ""
    assert logging.getLogger("sage_accounting").level == logging.NOTSET


def test_an_unknown_level_is_a_warning_naming_the_variable(
    fake: SageEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAGE_ACCOUNTING_LOG", "verbose")
    with pytest.warns(RuntimeWarning, match="SAGE_ACCOUNTING_LOG='verbose' is not a level"):
        make_client(fake)


def test_debug_lines_hold_no_secret(
    fake: SageEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAGE_ACCOUNTING_LOG", "debug")
    token = token_of(fake)
    with make_client(fake, token=token, retry_policy=FAST) as sage:
        fake.clock.advance(400)
        fake.faults.script(["500"])
        sage.lead_business()
        new = sage.token
    err = capsys.readouterr().err
    assert new is not None and new.refresh_token is not None and token.refresh_token is not None
    for secret in (token.access_token, token.refresh_token, new.access_token, new.refresh_token):
        assert secret not in err
    assert fake.client_secret not in err and "Bearer" not in err and "uthorization" not in err


def test_a_logged_url_hides_secret_parameters_and_userinfo() -> None:
    url = httpx.URL("https://user:pw@example.test/cb?code=abc123&state=s&page=2&Token=t")
    shown = shown_url(url)
    assert "abc123" not in shown and "pw" not in shown and "=t" not in shown
    assert "code=%2A%2A%2A" in shown and "page=2" in shown and "state=s" in shown
