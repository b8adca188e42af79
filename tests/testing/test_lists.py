"""The list envelope, paging, attributes, change tracking and $next/$back links."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest

from sage_accounting.testing import FakeClock, SageEmulator
from tests.testing.conftest import api_client


def test_envelope_and_paging(fake: SageEmulator, client: httpx.Client) -> None:
    seeded = fake.seed("contacts", 45, full=False)
    first = client.get("/contacts").json()
    assert first["$total"] == 45
    assert first["$page"] == 1
    assert first.get("$items_per_page", first.get("$itemsPerPage")) == 20  # either spelling
    assert first["$back"] is None
    assert len(first["$items"]) == 20
    assert set(first["$items"][0]) == {"id", "displayed_as", "$path"}
    seen = []
    page = first
    while True:
        seen += [item["id"] for item in page["$items"]]
        if page["$next"] is None:
            break
        page = client.get(page["$next"]).json()
    assert seen == [s["id"] for s in seeded]
    assert page["$page"] == 3
    assert len(page["$items"]) == 5
    assert page["$back"] == "/contacts?items_per_page=20&page=2"
    past = client.get("/contacts", params={"page": 9}).json()  # the live API: the last page
    assert past["$page"] == 3
    assert [item["id"] for item in past["$items"]] == [s["id"] for s in seeded[40:]]
    assert past["$next"] is None


@pytest.mark.parametrize(
    ("params", "source"),
    [
        ({"items_per_page": "201"}, "items_per_page"),
        ({"items_per_page": "0"}, "items_per_page"),
        ({"items_per_page": "many"}, "items_per_page"),
        ({"page": "0"}, "page"),
        ({"updated_or_created_since": "yesterday"}, "updated_or_created_since"),
    ],
)
def test_bad_paging_answers_422(client: httpx.Client, params: dict[str, str], source: str) -> None:
    answer = client.get("/contacts", params=params)
    assert answer.status_code == 422
    assert answer.json()[0]["$source"] == source


def test_items_per_page_maximum(fake: SageEmulator, client: httpx.Client) -> None:
    fake.seed("contacts", 250, full=False)
    page = client.get("/contacts", params={"items_per_page": 200}).json()
    assert len(page["$items"]) == 200
    assert page["$next"] == "/contacts?items_per_page=200&page=2"


def test_attributes(fake: SageEmulator, client: httpx.Client) -> None:
    full = fake.seed("contacts", 1)[0]
    some = client.get("/contacts", params={"attributes": "name,balance"}).json()["$items"][0]
    assert some == {k: full[k] for k in ("id", "displayed_as", "$path", "name", "balance")}
    everything = client.get("/contacts", params={"attributes": "all"}).json()["$items"][0]
    assert everything == full


def test_change_tracking_on_the_clock(
    fake: SageEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    old = fake.seed("contacts", 3, full=False)
    clock.advance(60)
    mark = fake.seed("contacts", 1, full=False)[0]["created_at"]
    clock.advance(60)
    client.put(old[0]["$path"], json={"contact": {"notes": "changed"}})
    since = client.get("/contacts", params={"updated_or_created_since": mark}).json()
    assert since["$total"] == 2  # inclusive of the mark itself, plus the update after it
    clock.advance(60)
    client.delete(old[1]["$path"])
    deleted_at = client.get("/contacts", params={"deleted_since": mark}).json()["$items"][0][
        "deleted_at"
    ]
    gone = client.get("/contacts", params={"deleted_since": mark}).json()
    assert [item["id"] for item in gone["$items"]] == [old[1]["id"]]
    assert client.get("/contacts", params={"deleted_since": deleted_at}).json()["$total"] == 0
    assert client.get("/contacts").json()["$total"] == 3


def test_search_and_filters(fake: SageEmulator, client: httpx.Client) -> None:
    fake.seed("contacts", 30, full=False)
    created = client.post(
        "/contacts",
        json={"contact": {"name": "Zebra Crossing Ltd", "contact_type_ids": ["VENDOR"]}},
    ).json()
    found = client.get("/contacts", params={"search": "zebra"}).json()
    assert [item["id"] for item in found["$items"]] == [created["id"]]
    query: dict[str, str | int] = {
        "contact_type_id": "VENDOR",
        "attributes": "contact_types",
        "items_per_page": 200,
    }
    typed = client.get("/contacts", params=query).json()["$items"]
    assert created["id"] in [item["id"] for item in typed]
    assert all("VENDOR" in [t["id"] for t in item["contact_types"]] for item in typed)


def test_links_keep_the_query(fake: SageEmulator, client: httpx.Client) -> None:
    fake.seed("contacts", 30, full=False)
    page = client.get(
        "/contacts", params={"search": "", "attributes": "name", "items_per_page": 10}
    ).json()
    assert page["$next"] == "/contacts?search=&attributes=name&items_per_page=10&page=2"


@pytest.mark.parametrize("style", ["absolute", "mixed"])
def test_absolute_and_mixed_links(clock: FakeClock, style: str) -> None:
    fake = SageEmulator(seed=2, clock=clock, links=style)  # type: ignore[arg-type]
    fake.seed("contacts", 200, full=False)
    client = api_client(fake)
    forms = set()
    ids = []
    link: str | None = "/contacts?items_per_page=5"
    while link:
        page = client.get(link).json()
        ids += [item["id"] for item in page["$items"]]
        link = page["$next"]
        if link:
            forms.add("absolute" if link.startswith("https://") else "relative")
            if link.startswith("https://"):
                assert link.startswith(fake.api_base_url + "/contacts?")
            assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["items_per_page"] == [
                "5"
            ]
    assert len(ids) == len(set(ids)) == 200
    assert forms == ({"absolute"} if style == "absolute" else {"absolute", "relative"})
