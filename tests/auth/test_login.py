"""Login: consent URL with state, the callback checked, the code exchanged; the CLI end to end."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
from pathlib import Path

import httpx
import pytest

from sage_accounting import SageAccounting
from sage_accounting.auth import LoginError, OAuth2Flow
from sage_accounting.cli import main
from sage_accounting.testing import SageEmulator

REDIRECT = "http://127.0.0.1:8765/callback"


def _flow(fake: SageEmulator, scope: str = "full_access") -> OAuth2Flow:
    return OAuth2Flow(
        fake.client_id,
        fake.client_secret,
        REDIRECT,
        scope,
        authorization_url=fake.authorize_url,
        token_url=fake.token_url,
        revoke_url=fake.revoke_url,
        transport=fake.transport,
        clock=fake.clock.now,
    )


def _consent(fake: SageEmulator, url: str) -> str:
    """What the browser does: open the consent page, get redirected to the callback."""
    with httpx.Client(transport=fake.transport) as browser:
        answer = browser.get(url)
    assert answer.status_code == 302
    return answer.headers["location"]


def test_authorization_url_carries_a_fresh_unguessable_state(fake: SageEmulator) -> None:
    flow = _flow(fake)
    url, state = flow.authorization_url(country="GB", locale="en-GB")
    _, other_state = flow.authorization_url()
    params = httpx.URL(url).params
    assert params["state"] == state and state != other_state and len(state) >= 40
    assert params["response_type"] == "code" and params["scope"] == "full_access"
    assert params["redirect_uri"] == REDIRECT and params["country"] == "gb"
    assert params["filter"] == "apiv3.1"  # the consent page's own query survives


def test_exchange_returns_a_working_token(fake: SageEmulator) -> None:
    flow = _flow(fake)
    url, state = flow.authorization_url()
    token = flow.exchange(_consent(fake, url), state)
    assert token.refresh_token and token.expires_at == pytest.approx(fake.clock.now() + 300, 5)
    with httpx.Client(transport=fake.transport) as http:
        me = http.get(
            f"{fake.api_base_url}/user",
            headers={"Authorization": f"Bearer {token.access_token}"},
        )
    assert me.status_code == 200


def test_the_token_names_the_user_who_consented_and_refreshes_keep_it(
    fake: SageEmulator,
) -> None:
    flow = _flow(fake)
    url, state = flow.authorization_url()
    token = flow.exchange(_consent(fake, url), state)
    with SageAccounting(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        token=token,
        base_url=fake.api_base_url,
        token_url=fake.token_url,
        transport=fake.transport,
        clock=fake.clock.now,
        limits=None,
    ) as sage:
        user = sage.request("GET", "/user").json()
        assert token.requested_by_id == user["id"]
        fake.clock.advance(400)
        sage.lead_business()  # refreshes: Sage's refresh answer does not name the user
        assert sage.token is not None and sage.token.access_token != token.access_token
        assert sage.token.requested_by_id == user["id"]


def test_a_failed_consent_shows_sages_error_and_reason(fake: SageEmulator) -> None:
    fake.refuse_consent(error="Invalid request", reason="Email already in use")
    flow = _flow(fake)
    url, state = flow.authorization_url()
    with pytest.raises(LoginError) as caught:
        flow.exchange(_consent(fake, url), state)
    assert "Invalid request" in str(caught.value) and "Email already in use" in str(caught.value)
    assert (caught.value.error, caught.value.reason) == ("Invalid request", "Email already in use")


def test_a_code_older_than_60_seconds_is_refused(fake: SageEmulator) -> None:
    flow = _flow(fake)
    url, state = flow.authorization_url()
    callback = _consent(fake, url)
    fake.clock.advance(61)
    with pytest.raises(LoginError, match="invalid_grant") as caught:
        flow.exchange(callback, state)
    assert "60 seconds" in str(caught.value)


def test_a_code_works_once(fake: SageEmulator) -> None:
    flow = _flow(fake)
    url, state = flow.authorization_url()
    callback = _consent(fake, url)
    fake.clock.advance(59)
    assert flow.exchange(callback, state).access_token
    with pytest.raises(LoginError, match="already used"):
        flow.exchange(callback, state)


def test_mismatched_state_is_refused(fake: SageEmulator) -> None:
    flow = _flow(fake)
    url, _ = flow.authorization_url()
    callback = _consent(fake, url)
    calls = fake.stats.token_calls
    with pytest.raises(LoginError, match="does not match"):
        flow.exchange(callback, "a-state-we-never-sent")
    assert fake.stats.token_calls == calls  # the code was never sent


def test_missing_state_is_refused(fake: SageEmulator) -> None:
    flow = _flow(fake)
    url, state = flow.authorization_url()
    code = httpx.URL(_consent(fake, url)).params["code"]
    with pytest.raises(LoginError, match="no state"):
        flow.exchange(f"{REDIRECT}?code={code}", state)
    with pytest.raises(LoginError, match="no state"):
        flow.exchange(code, state)
    assert flow.exchange(code, state, received_state=state).access_token


def test_denied_consent_is_reported(fake: SageEmulator) -> None:
    fake.deny_consent = True
    flow = _flow(fake)
    url, state = flow.authorization_url()
    with pytest.raises(LoginError, match="access_denied"):
        flow.exchange(_consent(fake, url), state)


def test_async_exchange(fake: SageEmulator) -> None:
    flow = OAuth2Flow(
        fake.client_id,
        fake.client_secret,
        REDIRECT,
        authorization_url=fake.authorize_url,
        token_url=fake.token_url,
        async_transport=fake.async_transport,
    )
    url, state = flow.authorization_url()
    token = asyncio.run(flow.aexchange(_consent(fake, url), state))
    assert token.access_token


def test_revoke_kills_the_grant(fake: SageEmulator) -> None:
    flow = _flow(fake)
    url, state = flow.authorization_url()
    token = flow.exchange(_consent(fake, url), state)
    flow.revoke(token)
    with httpx.Client(transport=fake.transport) as http:
        refreshed = http.post(
            fake.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": token.refresh_token,
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
            },
        )
    assert refreshed.status_code == 400


def test_cli_login_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = SageEmulator(seed=9)
    token_file = tmp_path / "config" / "token.json"
    monkeypatch.setenv("SAGE_CLIENT_SECRET", fake.client_secret)
    browsed: list[int] = []

    def browser(url: str) -> None:
        def visit() -> None:
            with httpx.Client(follow_redirects=True, timeout=10) as http:
                browsed.append(http.get(url).status_code)

        threading.Thread(target=visit, daemon=True).start()

    with fake.serve():
        code = main(
            [
                "login",
                "--client-id",
                fake.client_id,
                "--redirect-port",
                "0",
                "--token-file",
                str(token_file),
                "--authorize-url",
                fake.authorize_url,
                "--token-url",
                fake.token_url,
                "--timeout",
                "20",
            ],
            open_browser=browser,
        )
    assert code == 0
    assert browsed == [200]  # the callback page answered the browser
    saved = json.loads(token_file.read_text())
    assert saved["access_token"] and saved["refresh_token"] and saved["requested_by_id"]
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600


def test_cli_without_secret_says_which_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SAGE_CLIENT_SECRET", raising=False)
    with open(os.devnull) as not_a_terminal:  # so there is no prompt for the secret
        monkeypatch.setattr("sys.stdin", not_a_terminal)
        assert main(["login", "--client-id", "x"]) == 2
    assert "SAGE_CLIENT_SECRET" in capsys.readouterr().err
