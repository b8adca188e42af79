"""Broken answers (a proxy's HTML page, cut-off or non-UTF-8 JSON, JSON of the wrong shape,
Sage's error list with a 200, redirects) raise an `APIError` subclass naming the method, the URL
without its query and what was wrong: for get, list (first and later page) and create, sync and
async, served over HTTP from 127.0.0.1. Never a bare `KeyError`, `ValueError`,
`JSONDecodeError` or `AttributeError`, and a redirect is never followed."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from sage_accounting import errors as e
from sage_accounting.api.contacts import get_contacts, get_contacts_key

from .calls import CALLS, FLAVORS, LISTS, check, failure, serve
from .server import ITEM, JSON, Answer, HostileServer, async_client, page, sync_client

HTML = {"content-type": "text/html"}
NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    b"Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
SAGE_ERRORS = [
    {"$severity": "error", "$dataCode": "RecordInvalid", "$message": "is busy", "$source": ""}
]

# (what the server answers, the error class, what the message says)
ANSWERS = {
    "an HTML 502 from a proxy": (
        Answer(502, HTML, NGINX_502),
        e.ServerError,
        "an HTML page, not Sage's answer (from a proxy or gateway?): 502 Bad Gateway",
    ),
    "an HTML 504 from a proxy": (
        Answer(504, HTML, b"<!DOCTYPE html><html><title>504 Gateway Time-out</title></html>"),
        e.ServerError,
        "504 Gateway Time-out",
    ),
    "an HTML page with 200": (
        Answer(200, HTML, b"<html><title>Sign in</title><form></form></html>"),
        e.InvalidResponseError,
        "an HTML page where JSON was due",
    ),
    "truncated JSON": (
        Answer(body=b'{"$items": [{"id": "0123", "displayed_as": "Acme'),
        e.InvalidResponseError,
        "the JSON is cut off after 48 bytes",
    ),
    "invalid UTF-8": (
        Answer(body=b'{"$items": [], "displayed_as": "Caf\xe9"}'),
        e.InvalidResponseError,
        "the body is not UTF-8 (byte 0xe9 at offset 35)",
    ),
    "a list where an object is due": (
        Answer(body=b'[{"id": "0123"}]'),
        e.InvalidResponseError,
        "a JSON array where a",
    ),
    "a string where an object is due": (
        Answer(body=b'"hello"'),
        e.InvalidResponseError,
        "the JSON string 'hello' where a",
    ),
    "a 200 whose body is Sage's error array": (
        Answer(body=json.dumps(SAGE_ERRORS).encode()),
        e.InvalidResponseError,
        "Sage's error list where a",
    ),
}

# Pages of the wrong shape: only a list has them.
PAGES = {
    "$items missing": (b'{"$total": 3, "$page": 1}', "the page has no `$items`"),
    "$items an object": (b'{"$items": {"id": "0123"}}', "`$items` is a JSON object, not an array"),
    "$items of strings": (b'{"$items": ["0123"]}', "item 0 of `$items` is the JSON string '0123'"),
    "$total not a number": (
        b'{"$total": "many", "$items": []}',
        "`$total` is the JSON string 'many', not a whole number",
    ),
    "$next not a link": (b'{"$next": 2, "$items": []}', "`$next` is the JSON number 2, not a link"),
}


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", list(ANSWERS))
def test_a_broken_answer_is_a_typed_error_naming_the_call(
    server: HostileServer, case: str, call: str, flavor: str
) -> None:
    answer, expected, fragment = ANSWERS[case]
    serve(server, call, answer)
    check(failure(server, flavor, call), server, call, expected, fragment)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("call", LISTS)
@pytest.mark.parametrize("case", list(PAGES))
def test_a_page_of_the_wrong_shape_is_a_typed_error(
    server: HostileServer, case: str, call: str, flavor: str
) -> None:
    body, fragment = PAGES[case]
    serve(server, call, Answer(body=body))
    check(failure(server, flavor, call), server, call, e.InvalidResponseError, fragment)


def test_sages_error_list_in_a_200_is_kept_on_the_error(server: HostileServer) -> None:
    serve(server, "get", Answer(body=json.dumps(SAGE_ERRORS).encode()))
    error = failure(server, "sync", "get")
    assert isinstance(error, e.InvalidResponseError)
    assert error.status_code == 200
    assert error.errors == [e.SageErrorDetail("error", "RecordInvalid", "is busy", "")]
    assert str(error).endswith(
        "Sage's error list where a Contact was due: is busy (RecordInvalid) (HTTP 200)"
    )


# --- redirects --------------------------------------------------------------------------------

REDIRECTS = {
    "302 to another origin, no body": (302, "elsewhere", b""),
    "302 to another origin, with a body": (302, "elsewhere", json.dumps(ITEM).encode()),
    "307 to another origin, with a body": (307, "elsewhere", b"<html>Moved</html>"),
    "301 to the same origin, no body": (301, "same", b""),
    "308 to the same origin, with a body": (308, "same", json.dumps(ITEM).encode()),
}


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", list(REDIRECTS))
def test_a_redirect_is_a_typed_error_and_is_never_followed(
    server: HostileServer, elsewhere: HostileServer, case: str, call: str, flavor: str
) -> None:
    status, where, body = REDIRECTS[case]
    target = (elsewhere.base_url if where == "elsewhere" else server.base_url) + "/contacts/k2"
    headers = {**JSON, "location": target + "?token=in-the-query"}
    serve(server, call, Answer(status, headers, body))

    error = failure(server, flavor, call)

    check(error, server, call, e.RedirectError, f"{status} ")
    assert isinstance(error, e.RedirectError) and error.status_code == status
    assert error.location == target  # without the query
    assert error.same_origin is (where == "same")
    assert f"a redirect to {target} ({'the same' if where == 'same' else 'another'} origin)" in (
        str(error)
    )
    assert elsewhere.seen == []  # the token never left the API origin
    assert len(server.seen) == (2 if call.endswith("page 2") else 1)  # nor was the link followed


def test_a_raw_request_refuses_to_follow_redirects(server: HostileServer) -> None:
    with sync_client(server) as sage, pytest.raises(TypeError, match="follows no redirect"):
        sage.request("GET", "/contacts", follow_redirects=True)
    assert server.seen == []


# --- the generated operations, the business calls, the raw request ---------------------------


@pytest.mark.parametrize(
    "case", ["an HTML 502 from a proxy", "truncated JSON", "a list where an object is due"]
)
def test_generated_operations_raise_the_same_typed_errors(server: HostileServer, case: str) -> None:
    answer, expected, fragment = ANSWERS[case]
    server.script = lambda seen: answer
    with sync_client(server) as sage:
        with pytest.raises(expected, match=re.escape(fragment)):
            get_contacts_key.sync(client=sage.api_client, key="k1")
        with pytest.raises(expected):
            get_contacts.sync(client=sage.api_client)

    async def run() -> None:
        async with async_client(server) as sage:
            await get_contacts_key.asyncio(client=sage.api_client, key="k1")

    with pytest.raises(expected):
        asyncio.run(run())


def test_generated_operations_do_not_follow_a_redirect(
    server: HostileServer, elsewhere: HostileServer
) -> None:
    server.script = lambda seen: Answer(302, {"location": elsewhere.base_url + "/contacts/k2"})
    with sync_client(server) as sage, pytest.raises(e.RedirectError):
        get_contacts_key.sync(client=sage.api_client, key="k1")
    assert elsewhere.seen == []


def test_the_business_calls_raise_typed_errors(server: HostileServer) -> None:
    server.script = lambda seen: Answer(body=b'"a string"')
    with sync_client(server) as sage:
        with pytest.raises(e.InvalidResponseError, match="where a Business"):
            sage.lead_business()
        server.script = lambda seen: Answer(body=b'{"$items": [1, 2]')
        with pytest.raises(e.InvalidResponseError, match="cut off"):
            sage.list_businesses()


def test_a_good_answer_still_reads(server: HostileServer) -> None:
    server.script = lambda seen: page(ITEM, total=1, page=1)
    with sync_client(server) as sage:
        assert [contact.id for contact in sage.contacts.list()] == [ITEM["id"]]
        assert sage.request("GET", "/contacts").json()["$items"] == [ITEM]


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("call", ["get", "list", "list, page 2"])
def test_a_record_that_does_not_read_names_the_field(
    server: HostileServer, call: str, flavor: str
) -> None:
    bad = {**ITEM, "created_at": "yesterday"}
    serve(
        server, call, Answer(body=json.dumps(bad if call == "get" else {"$items": [bad]}).encode())
    )
    where = "created_at" if call == "get" else "$items[0].created_at"
    check(
        failure(server, flavor, call),
        server,
        call,
        e.InvalidResponseError,
        f"{where}: Invalid isoformat string: 'yesterday'",
    )
