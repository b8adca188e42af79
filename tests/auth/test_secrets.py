"""Secrets stay put: only the API origin gets the bearer token and X-Business; no repr, log or
error shows a token or the client secret."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from sage_accounting import RetryPolicy, Token
from sage_accounting.auth import FileTokenStore, MemoryTokenStore, OAuth2Flow, TokenRefreshError
from sage_accounting.errors import NotFoundError
from sage_accounting.testing import SageEmulator
from tests.clients import make_client, token_of


class Router(httpx.BaseTransport):
    """The emulator for the API origin and token URL; a recorder for anything else."""

    def __init__(self, fake: SageEmulator) -> None:
        self.fake = fake
        self.elsewhere: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https" and request.url.host.endswith("sage.com"):
            return self.fake.transport.handle_request(request)
        self.elsewhere.append(request)
        return httpx.Response(200, json={})


def test_absolute_link_to_another_origin_carries_no_credentials(fake: SageEmulator) -> None:
    router = Router(fake)
    with make_client(fake, transport=router, business_id=fake.lead_business_id) as sage:
        sage.request("GET", "https://files.example.test/download?x=1")
        sage.request("GET", "http://api.accounting.sage.com/v3.1/user")  # same host, other scheme
        sage.request("GET", "https://api.accounting.sage.com/v3.1/user")
    assert [str(r.url.host) for r in router.elsewhere] == [
        "files.example.test",
        "api.accounting.sage.com",
    ]
    for request in router.elsewhere:
        assert "authorization" not in request.headers and "x-business" not in request.headers
    api_calls = [e for e in fake.stats.requests if e.path.endswith("/user")]
    assert [(e.status, e.business) for e in api_calls] == [(200, fake.lead_business_id)]


def test_redirects_are_not_followed(fake: SageEmulator) -> None:
    with make_client(fake) as sage:
        assert sage.http_client.follow_redirects is False


def test_client_secret_goes_only_to_the_token_url(fake: SageEmulator) -> None:
    seen: list[httpx.Request] = []

    class Spy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            request.read()
            seen.append(request)
            return fake.transport.handle_request(request)

    with make_client(fake, transport=Spy()) as sage:
        fake.clock.advance(400)
        sage.lead_business()
    secret = fake.client_secret.encode()
    carrying = [
        str(r.url) for r in seen if secret in r.content or secret in repr(r.headers).encode()
    ]
    assert carrying == [fake.token_url]


def test_reprs_show_no_secret(fake: SageEmulator, tmp_path: Path) -> None:
    token = token_of(fake)
    store = FileTokenStore(tmp_path / "t.json")
    flow = OAuth2Flow("id", "very-secret-value", "http://127.0.0.1:1/cb")
    with make_client(fake, token_store=MemoryTokenStore(token)) as sage:
        texts = [repr(token), str(token), repr(store), repr(flow), repr(sage), repr(sage._auth)]
        texts.append(repr(sage._shared.manager))
    for text in texts:
        assert token.access_token not in text
        assert token.refresh_token is not None and token.refresh_token not in text
        assert fake.client_secret not in text and "very-secret-value" not in text


def test_logs_and_errors_show_no_secret(
    fake: SageEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_of(fake)
    caplog.set_level(logging.DEBUG)
    fast = RetryPolicy(backoff_base=0.001, backoff_max=0.002)
    with make_client(fake, token=token, retry_policy=fast) as sage:
        fake.clock.advance(400)
        fake.faults.script(["503"])  # a retry's lines too
        sage.lead_business()  # refreshes: the old refresh token is now spent
        new = sage.token
        with pytest.raises(NotFoundError) as missing:
            sage.with_raw_response.contacts.get("missing")
    with make_client(fake, token=token) as again, pytest.raises(TokenRefreshError) as caught:
        again.lead_business()
    assert "retry 1/" in caplog.text and "HTTP 200 in" in caplog.text  # the lines were made
    errors = [caught.value, missing.value]
    everything = caplog.text + "".join(str(e) + repr(e) + repr(vars(e)) for e in errors)
    assert new is not None and new.refresh_token is not None
    for secret in (token.access_token, token.refresh_token, new.access_token, new.refresh_token):
        assert secret is not None and secret not in everything
    assert fake.client_secret not in everything and "Bearer" not in caplog.text


def test_token_repr_tells_tokens_apart_without_showing_them() -> None:
    one = Token(access_token="secret-one", refresh_token="r", expires_at=0)
    two = Token(access_token="secret-two", refresh_token="r", expires_at=0)
    assert repr(one) != repr(two)
    assert "secret" not in repr(one) + repr(two)
    assert "1970-01-01T00:00:00+00:00" in repr(one)
