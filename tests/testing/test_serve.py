"""The emulator over real HTTP on 127.0.0.1, and the standalone command."""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import io
import threading
import time
import urllib.parse

import httpx
import pytest

from sage_accounting.testing import Fault, SageEmulator
from sage_accounting.testing.__main__ import main


def test_served_urls_and_a_full_session() -> None:
    fake = SageEmulator(seed=1, links="absolute")
    fake.seed("contacts", 30, full=False)
    with fake.serve() as base_url:
        assert base_url == fake.api_base_url
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v3.1")
        origin = base_url.removesuffix("/v3.1")
        assert fake.token_url == origin + "/token"
        assert fake.revoke_url == origin + "/revoke"
        assert fake.authorize_url == origin + "/oauth2/auth/central?filter=apiv3.1"
        with httpx.Client(follow_redirects=False) as http:
            consent = http.get(
                fake.authorize_url,
                params={
                    "response_type": "code",
                    "client_id": fake.client_id,
                    "redirect_uri": "http://127.0.0.1:9/cb",
                    "state": "xyz",
                },
            )
            query = dict(
                urllib.parse.parse_qsl(urllib.parse.urlsplit(consent.headers["Location"]).query)
            )
            assert query["state"] == "xyz"
            token = http.post(
                fake.token_url,
                data={
                    "grant_type": "authorization_code",
                    "code": query["code"],
                    "redirect_uri": "http://127.0.0.1:9/cb",
                    "client_id": fake.client_id,
                    "client_secret": fake.client_secret,
                },
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            page = http.get(f"{base_url}/contacts", headers=headers).json()
            assert page["$next"].startswith(base_url + "/contacts?")
            assert len(http.get(page["$next"], headers=headers).json()["$items"]) == 10
            created = http.post(
                f"{base_url}/contacts",
                headers=headers,
                json={"contact": {"name": "Over HTTP", "contact_type_ids": ["CUSTOMER"]}},
            )
            assert created.status_code == 201
            assert (
                http.delete(f"{base_url}{created.json()['$path']}", headers=headers).status_code
                == 204
            )
            assert "Date" in created.headers
    assert fake.api_base_url == "https://api.accounting.sage.com/v3.1"
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/contacts", timeout=1.0)


def test_served_cap_holds_under_many_connections() -> None:
    fake = SageEmulator(seed=1, concurrency_limit=20, latency=0.2)
    token = fake.issue_token()["access_token"]
    local = threading.local()
    with fake.serve() as base_url:
        port = urllib.parse.urlsplit(base_url).port

        def call(_: int) -> int:
            # One keep-alive connection per thread, as a pool of 160 clients would hold.
            if not hasattr(local, "connection"):
                local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            local.connection.request(
                "GET", "/v3.1/contacts", headers={"Authorization": f"Bearer {token}"}
            )
            answer = local.connection.getresponse()
            answer.read()
            return int(answer.status)

        with concurrent.futures.ThreadPoolExecutor(max_workers=160) as pool:
            statuses = list(pool.map(call, range(480)))
    assert set(statuses) == {200, 429}
    assert statuses.count(200) >= 20
    assert fake.stats.max_in_flight > 100  # clients tried far more than the cap ...
    assert fake.stats.in_flight == 0
    assert len(fake.stats.requests) == 480  # ... and every request was answered
    assert fake.stats.by_status[429] == statuses.count(429)


def test_served_drop_closes_the_connection() -> None:
    fake = SageEmulator(seed=1)
    token = fake.issue_token()["access_token"]
    fake.faults.script([Fault("drop")])
    with (
        fake.serve() as base_url,
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/contacts")
        assert http.get("/contacts").status_code == 200


def test_command_line_serves_a_seeded_emulator() -> None:
    stop = threading.Event()
    output = io.StringIO()

    def run() -> None:
        with contextlib.redirect_stdout(output):
            main(["--port", "0", "--seed", "3", "--contacts", "25"], stop=stop)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "business" not in output.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        text = output.getvalue()
        base_url = text.split("base URL ", 1)[1].split()[0]
        access = text.split("access token", 1)[1].split()[0]
        assert "token URL http://127.0.0.1:" in " ".join(text.split())
        assert "refresh token" in text
        answer = httpx.get(f"{base_url}/contacts", headers={"Authorization": f"Bearer {access}"})
        assert answer.json()["$total"] == 25
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
