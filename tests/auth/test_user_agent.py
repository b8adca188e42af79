"""Who is calling: every request names this library, its Python and httpx, and the caller's
app when it says (`app_info`); a header of the caller's wins."""

from __future__ import annotations

import platform
import re

import httpx
import pytest

from sage_accounting.testing import SageEmulator
from tests.clients import make_client

AGENT = re.compile(
    r"sage-accounting/(?P<ours>\S+) \(python (?P<python>\S+); httpx (?P<httpx>\S+)\)(?P<app>.*)"
)


def _agents(fake: SageEmulator, **options: object) -> list[str]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return fake.transport.handle_request(request)

    with make_client(fake, transport=httpx.MockTransport(handler), **options) as sage:
        fake.clock.advance(400)  # the token request too
        sage.lead_business()
        sage.contacts.list(extra_headers={"User-Agent": "mine/1"}).first_page()
    return seen


def test_every_request_names_the_library_python_and_httpx(fake: SageEmulator) -> None:
    refresh, call, overridden = _agents(fake)
    assert refresh == call
    found = AGENT.fullmatch(call)
    assert found is not None, call
    assert found["python"] == platform.python_version()
    assert found["httpx"] == httpx.__version__
    assert found["ours"] and found["app"] == ""
    assert overridden == "mine/1"  # a call's own header wins


def test_app_info_is_appended(fake: SageEmulator) -> None:
    _, call, _ = _agents(fake, app_info=("MyApp", "2.1"))
    found = AGENT.fullmatch(call)
    assert found is not None and found["app"] == " MyApp/2.1"


@pytest.mark.parametrize("bad", [("My App", "2.1"), ("MyApp",), ("MyApp", 2.1), "MyApp/2.1"])
def test_bad_app_info_is_refused_by_name(fake: SageEmulator, bad: object) -> None:
    with pytest.raises(ValueError, match=r"app_info must be \(name, version\)"):
        make_client(fake, app_info=bad)


def test_a_callers_own_user_agent_is_kept(fake: SageEmulator) -> None:
    own = httpx.Client(transport=fake.transport, headers={"User-Agent": "their-service/3"})
    with make_client(fake, transport=None, http_client=own) as sage:
        raw = sage.with_raw_response.lead_business()
    assert raw.request.headers["user-agent"] == "their-service/3"
    own.close()
