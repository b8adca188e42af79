"""Consent, code exchange, rotating refresh tokens, reuse detection, expiry and revocation."""

from __future__ import annotations

import base64
import urllib.parse

import httpx
import pytest

from sage_accounting.testing import FakeClock, SageEmulator

REDIRECT = "http://127.0.0.1:8765/callback"


def _oauth_client(fake: SageEmulator) -> httpx.Client:
    return httpx.Client(transport=fake.transport, follow_redirects=False)


def _authorize(fake: SageEmulator, http: httpx.Client, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": fake.client_id,
        "redirect_uri": REDIRECT,
        "scope": "full_access",
        "state": "s-123",
        **extra,
    }
    answer = http.get(fake.authorize_url, params=params)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def _exchange(fake: SageEmulator, http: httpx.Client, code: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
    }
    return http.post(fake.token_url, data=form)


def _refresh(fake: SageEmulator, http: httpx.Client, token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token}
    credentials = base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()
    return http.post(fake.token_url, data=form, headers={"Authorization": f"Basic {credentials}"})


def test_login_flow_end_to_end(fake: SageEmulator) -> None:
    http = _oauth_client(fake)
    assert fake.authorize_url == "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1"
    callback = _authorize(fake, http, country="gb")
    assert callback["state"] == "s-123"
    answer = _exchange(fake, http, callback["code"])
    assert answer.status_code == 200
    token = answer.json()
    assert token["expires_in"] == 300
    assert token["refresh_token_expires_in"] == 31 * 86400
    assert token["token_type"] == "bearer"
    assert token["scope"] == "full_access"
    assert token["requested_by_id"]
    api = http.get(
        f"{fake.api_base_url}/contacts",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert api.status_code == 200
    again = _exchange(fake, http, callback["code"])
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


def test_consent_denied_and_bad_requests(fake: SageEmulator) -> None:
    http = _oauth_client(fake)
    fake.deny_consent = True
    assert _authorize(fake, http) == {"error": "access_denied", "state": "s-123"}
    fake.deny_consent = False
    assert _authorize(fake, http, scope="everything")["error"] == "invalid_scope"
    unknown = http.get(
        fake.authorize_url,
        params={"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT},
    )
    assert unknown.status_code == 400
    fake.register_client("strict", "secret", redirect_uris=["https://app.example.com/cb"])
    wrong_uri = http.get(
        fake.authorize_url,
        params={"response_type": "code", "client_id": "strict", "redirect_uri": REDIRECT},
    )
    assert wrong_uri.status_code == 400


def test_a_failed_consent_comes_back_with_error_and_reason(fake: SageEmulator) -> None:
    http = _oauth_client(fake)
    fake.refuse_consent("Invalid request", "Email already in use")
    assert _authorize(fake, http) == {
        "error": "Invalid request",
        "reason": "Email already in use",
        "state": "s-123",
    }
    fake.deny_consent = False
    assert "code" in _authorize(fake, http)


def test_a_code_lives_60_seconds(fake: SageEmulator, clock: FakeClock) -> None:
    http = _oauth_client(fake)
    late = _authorize(fake, http)["code"]
    clock.advance(59.9)
    assert _exchange(fake, http, _authorize(fake, http)["code"]).status_code == 200
    clock.advance(0.1)
    refused = _exchange(fake, http, late)
    assert refused.status_code == 400 and refused.json() == {"error": "invalid_grant"}
    patient = SageEmulator(seed=1, clock=clock, authorization_code_ttl=600)
    code = _authorize(patient, _oauth_client(patient))["code"]
    clock.advance(599)
    assert _exchange(patient, _oauth_client(patient), code).status_code == 200


def test_a_business_without_subscription_answers_401_to_every_token(
    fake: SageEmulator,
) -> None:
    lapsed = fake.add_business("Lapsed Ltd")
    fake.end_subscription(lapsed)
    http = _oauth_client(fake)
    for token in (fake.issue_token(), fake.issue_token()):  # a fresh token does not help
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        refused = http.get(
            f"{fake.api_base_url}/contacts", headers={**bearer, "X-Business": lapsed}
        )
        assert refused.status_code == 401
        assert refused.json() == [
            {
                "$severity": "error",
                "$dataCode": "AuthorizationFailure",
                "$message": "No active subscription. (MSE)",
                "$source": "",
            }
        ]
        lead = http.get(f"{fake.api_base_url}/contacts", headers=bearer)  # other businesses go on
        assert lead.status_code == 200
    fake.renew_subscription(lapsed)
    answered = http.get(f"{fake.api_base_url}/contacts", headers={**bearer, "X-Business": lapsed})
    assert answered.status_code == 200
    fake.end_subscription(message="Access Denied")  # the lead business, without X-Business
    denied = http.get(f"{fake.api_base_url}/contacts", headers=bearer)
    assert denied.status_code == 401 and denied.json()[0]["$message"] == "Access Denied"
    with pytest.raises(KeyError):
        fake.end_subscription("no-such-business")


def test_code_bound_to_redirect_uri_and_client(fake: SageEmulator) -> None:
    http = _oauth_client(fake)
    code = _authorize(fake, http)["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://elsewhere/cb",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
    }
    assert http.post(fake.token_url, data=form).json() == {"error": "invalid_grant"}
    form["client_secret"] = "wrong"
    wrong_secret = http.post(fake.token_url, data=form)
    assert wrong_secret.status_code == 401
    assert wrong_secret.json() == {"error": "invalid_client"}
    json_body = http.post(fake.token_url, json={"grant_type": "authorization_code"})
    assert json_body.status_code == 400


def test_refresh_rotates_and_reuse_is_recorded(fake: SageEmulator) -> None:
    http = _oauth_client(fake)
    first = fake.issue_token()
    second = _refresh(fake, http, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert "requested_by_id" not in rotated
    assert fake.stats.refreshes == 1
    assert fake.stats.refresh_token_reuse == 0
    reused = _refresh(fake, http, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant"}
    assert fake.stats.refresh_token_reuse == 1
    assert len(fake.stats.refresh_token_reuse) == 1
    assert fake.stats.refresh_token_reuse[0].client_id == fake.client_id
    # Reuse is taken as theft: the whole consent is revoked, the rotated token included.
    assert _refresh(fake, http, rotated["refresh_token"]).status_code == 400
    assert fake.stats.token_calls == 3


def test_rotated_tokens_keep_working_without_reuse(fake: SageEmulator) -> None:
    http = _oauth_client(fake)
    token = fake.issue_token()
    for _ in range(5):
        answer = _refresh(fake, http, token["refresh_token"])
        assert answer.status_code == 200
        token = answer.json()
    assert fake.stats.refreshes == 5
    assert fake.stats.refresh_token_reuse == 0


def test_expired_and_unknown_tokens_answer_401(clock: FakeClock) -> None:
    fake = SageEmulator(seed=1, access_token_ttl=1.0, clock=clock)
    token = fake.issue_token()
    assert token["expires_in"] == 1
    http = httpx.Client(transport=fake.transport, base_url=fake.api_base_url)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert http.get("/contacts", headers=bearer).status_code == 200
    clock.advance(1.0)
    expired = http.get("/contacts", headers=bearer)
    assert expired.status_code == 401
    assert expired.json()[0]["$message"] == "The access token has expired"
    assert http.get("/contacts", headers={"Authorization": "Bearer nope"}).status_code == 401
    missing = http.get("/contacts")
    assert missing.status_code == 401
    assert missing.json()[0]["$severity"] == "error"


def test_revoke(fake: SageEmulator) -> None:
    http = _oauth_client(fake)
    token = fake.issue_token()
    form = {
        "token": token["refresh_token"],
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
    }
    assert fake.revoke_url == "https://oauth.accounting.sage.com/revoke"
    assert http.post(fake.revoke_url, data=form).status_code == 200
    assert _refresh(fake, http, token["refresh_token"]).status_code == 400
    api = http.get(
        f"{fake.api_base_url}/contacts",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert api.status_code == 401


def test_readonly_scope_cannot_write(fake: SageEmulator) -> None:
    token = fake.issue_token("readonly")
    http = httpx.Client(
        transport=fake.transport,
        base_url=fake.api_base_url,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert http.get("/contacts").status_code == 200
    assert http.post("/contacts", json={"contact": {}}).status_code == 403
    with pytest.raises(ValueError, match="scope"):
        fake.issue_token("admin")
