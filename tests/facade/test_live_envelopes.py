"""Answers shaped as Sage's own guides show them, over every operation they concern.

The envelope's page size comes as `$itemsPerPage` or `$items_per_page`, and only `$items` is
sure to come; a DELETE answers 204 with no body; an unset date or amount may come as "".
Each answer is scripted with `httpx.MockTransport`, for the generated functions and the facade,
sync and async.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.facade import describe
from sage_accounting import AsyncSageAccounting, AuthenticatedClient, SageAccounting, Token
from sage_accounting.types import UNSET

API = "https://api.accounting.sage.com/v3.1"
SPEC: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "generated" / "openapi.json").read_text(encoding="utf-8")
)
RESOURCES = describe(SPEC)["resources"]
METHODS = [(resource, m) for resource in RESOURCES for m in resource["methods"]]
LISTS = [(r, m) for r, m in METHODS if m["kind"] == "list"]
DELETES = [(r, m) for r, m in METHODS if m["kind"] == "delete"]
ITEM = {"id": "0123456789abcdef0123456789abcdef", "displayed_as": "One", "$path": "/x/1"}
SECOND = {**ITEM, "id": "fedcba9876543210fedcba9876543210", "displayed_as": "Two"}

# The envelope forms of the guides: the pagination guide's spelling, the best-practices one's,
# and a page that carries only what is sure to come.
ENVELOPES: dict[str, dict[str, Any]] = {
    "itemsPerPage": {"$total": 1, "$page": 1, "$next": None, "$back": None, "$itemsPerPage": 25},
    "items_per_page": {
        "$total": 1,
        "$page": 1,
        "$next": None,
        "$back": None,
        "$items_per_page": 25,
    },
    "only $items": {},
}


def _id(pair: tuple[dict[str, Any], dict[str, Any]]) -> str:
    resource, method = pair
    return f"{resource['name']}.{method['name']}"


def _json(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def _token() -> Token:
    return Token.from_response(
        {"access_token": "test-access", "refresh_token": "test-refresh", "expires_in": 300},
        now=time.time(),
    )


def _facade(handler: Callable[[httpx.Request], httpx.Response]) -> SageAccounting:
    return SageAccounting(token=_token(), transport=httpx.MockTransport(handler), limits=None)


def _async_facade(handler: Callable[[httpx.Request], httpx.Response]) -> AsyncSageAccounting:
    return AsyncSageAccounting(token=_token(), transport=httpx.MockTransport(handler), limits=None)


def _generated(handler: Callable[[httpx.Request], httpx.Response]) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=API, token="test-access", httpx_args={"transport": httpx.MockTransport(handler)}
    )


def _async_generated(handler: Callable[[httpx.Request], httpx.Response]) -> AuthenticatedClient:
    transport = httpx.MockTransport(handler)
    return AuthenticatedClient(
        base_url=API, token="test-access", httpx_args={"transport": transport}
    )


def _operation(method: dict[str, Any]) -> Any:
    return importlib.import_module(
        f"sage_accounting.api.{method['api_package']}.{method['api_module']}"
    )


def _arguments(method: dict[str, Any], *, generated: bool = False) -> dict[str, Any]:
    """The required arguments of a call: the key, a header's media type, required filters
    (their first allowed value; the generated functions take it as their enum)."""
    arguments: dict[str, Any] = {"key": "k1"} if method["has_key"] else {}
    for name in method["headers"]:
        arguments[name] = "application/json"
    for param in method["params"]:
        if not param["required"]:
            continue
        enum = param["enum"]
        assert enum is not None, f"no test value for {param['name']}"
        enum_class = getattr(
            importlib.import_module(f"sage_accounting.models.{enum['module']}"), enum["class"]
        )
        first = next(iter(enum_class))
        arguments[param["python_name"]] = first if generated else first.value
    return arguments


# --- 1. every envelope parses ---------------------------------------------------------------


@pytest.mark.parametrize("form", list(ENVELOPES))
@pytest.mark.parametrize("pair", LISTS, ids=_id)
def test_every_list_operation_parses_every_envelope_form(
    pair: tuple[dict[str, Any], dict[str, Any]], form: str
) -> None:
    _, method = pair
    body = {**ENVELOPES[form], "$items": [ITEM]}
    operation = _operation(method)

    arguments = _arguments(method, generated=True)
    page = operation.sync(client=_generated(lambda request: _json(body)), **arguments)
    async_page = asyncio.run(
        operation.asyncio(client=_async_generated(lambda r: _json(body)), **arguments)
    )

    for parsed in (page, async_page):
        assert type(parsed).__name__ == method["returns"]["page_class"]
        assert [item.to_dict()["id"] for item in parsed.items] == [ITEM["id"]]
        assert parsed.items_per_page == (UNSET if form == "only $items" else 25)
        assert parsed.to_dict() == body  # the spelling that came is the one sent back


@pytest.mark.parametrize("form", list(ENVELOPES))
@pytest.mark.parametrize("pair", LISTS, ids=_id)
def test_every_facade_list_pages_through_every_envelope_form(
    pair: tuple[dict[str, Any], dict[str, Any]], form: str
) -> None:
    resource, method = pair
    path = method["path"]
    envelope = {key: value for key, value in ENVELOPES[form].items() if key != "$total"}
    if form != "only $items":
        envelope["$total"] = 2
    first = {**envelope, "$items": [ITEM], "$next": f"{path}?page=2"}
    second = {**envelope, "$page": 2, "$items": [SECOND], "$next": None}
    if form == "only $items":
        second.pop("$page")

    def handler(request: httpx.Request) -> httpx.Response:
        return _json(second if request.url.params.get("page") == "2" else first)

    expected = [ITEM["id"], SECOND["id"]]
    with _facade(handler) as sage:
        pager = getattr(sage, resource["name"]).list(**_arguments(method))
        assert [item.to_dict()["id"] for item in pager] == expected
        parallel = getattr(sage, resource["name"]).list(**_arguments(method))
        assert [item.to_dict()["id"] for item in parallel.all(concurrency=4)] == expected

    async def run() -> list[str]:
        async with _async_facade(handler) as sage:
            pager = getattr(sage, resource["name"]).list(**_arguments(method))
            return [item.to_dict()["id"] async for item in pager.all(concurrency=4)]

    assert asyncio.run(run()) == expected


# --- 3. no content is success ----------------------------------------------------------------


@pytest.mark.parametrize("pair", DELETES, ids=_id)
def test_every_delete_answered_204_returns_none(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    resource, method = pair
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(204)

    operation = _operation(method)
    arguments = {"key": "k1"}
    assert operation.sync(client=_generated(handler), **arguments) is None
    assert operation.sync_detailed(client=_generated(handler), **arguments).status_code == 204
    assert asyncio.run(operation.asyncio(client=_async_generated(handler), **arguments)) is None
    with _facade(handler) as sage:
        assert getattr(sage, resource["name"]).delete("k1") is None

    async def run() -> object:
        async with _async_facade(handler) as sage:
            return await getattr(sage, resource["name"]).delete("k1")

    assert asyncio.run(run()) is None
    assert seen == ["DELETE"] * 5


VOIDS = [(r, m) for r, m in DELETES if m["returns"]["kind"] == "model"]


def test_the_voids_are_the_three_deletes_that_declare_a_record() -> None:
    assert sorted(r["name"] for r, _ in VOIDS) == [
        "sales_corrective_invoices",
        "sales_credit_notes",
        "sales_invoices",
    ]
    assert len(DELETES) == 36


@pytest.mark.parametrize("pair", VOIDS, ids=_id)
def test_a_void_answered_with_the_record_returns_it_and_an_empty_200_returns_none(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    resource, method = pair
    answers = [_json(ITEM), httpx.Response(200, content=b""), _json(ITEM), httpx.Response(200)]
    model = method["returns"]["model_class"]

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["void_reason"] == "entered twice"
        return answers.pop(0)

    with _facade(handler) as sage:
        voided = getattr(sage, resource["name"]).delete("k1", void_reason="entered twice")
        assert type(voided).__name__ == model and voided.to_dict()["id"] == ITEM["id"]
        assert getattr(sage, resource["name"]).delete("k1", void_reason="entered twice") is None
    operation = _operation(method)
    record = operation.sync(client=_generated(handler), key="k1", void_reason="entered twice")
    assert type(record).__name__ == model
    assert operation.sync(client=_generated(handler), key="k1", void_reason="entered twice") is None


def test_a_get_answered_without_content_is_a_typed_error_naming_the_call() -> None:
    from sage_accounting.errors import InvalidResponseError

    with (
        _facade(lambda request: httpx.Response(200)) as sage,
        pytest.raises(InvalidResponseError) as caught,
    ):
        sage.contacts.get("k1", attributes="all")
    assert str(caught.value).startswith(f"GET {API}/contacts/k1: no content")
    assert "attributes" not in str(caught.value)  # the query stays out of the message


# --- 2. empty values decode --------------------------------------------------------------------


def test_one_record_in_200_with_empty_dates_and_amounts_reads_as_none_and_writes_back() -> None:
    records = [
        {
            "id": f"{n:032x}",
            "displayed_as": f"SI-{n}",
            "date": "2026-11-30",
            "updated_at": "2026-11-30T10:00:00+01:00",
            "total_amount": "1234.5600",
        }
        for n in range(200)
    ]
    records[137].update({"date": "", "updated_at": "", "total_amount": ""})
    body = {"$total": 200, "$items_per_page": 200, "$items": records}

    with _facade(lambda request: _json(body)) as sage:
        invoices = list(sage.sales_invoices.list())

    assert len(invoices) == 200
    blank = invoices[137]
    assert (blank.date, blank.updated_at, blank.total_amount) == (None, None, None)
    assert blank.to_dict() == records[137]
    other = invoices[3]
    assert other.updated_at == datetime.datetime.fromisoformat("2026-11-30T10:00:00+01:00")
    assert isinstance(other.updated_at, datetime.datetime)
    assert other.updated_at.utcoffset() == datetime.timedelta(hours=1)
    assert str(other.total_amount) == "1234.5600"
    assert other.to_dict() == records[3]
    blank.total_amount = other.total_amount  # a field the user sets is sent as set
    assert blank.to_dict()["total_amount"] == "1234.5600"
    assert blank.to_dict()["date"] == ""
