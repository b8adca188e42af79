"""Query parameters are checked against the spec: a bad value is a 422 naming it, never ignored."""

from __future__ import annotations

import httpx
import pytest

from sage_accounting.testing import SageEmulator


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/ledger_accounts", {"visible_in": "AAA"}, "is not included in the list"),
        ("/ledger_accounts", {"show_included_in_chart": "maybe"}, "must be true or false"),
        ("/ledger_accounts", {"show_control_accounts": "1"}, "must be true or false"),
        ("/contacts", {"page": "2147483648"}, "must be less than or equal to 2147483647"),
        ("/contacts", {"page": "0"}, "must be greater than or equal to 1"),
        ("/contacts", {"page": "-3"}, "must be greater than or equal to 1"),
        ("/contacts", {"page": "1.5"}, "must be an integer"),
        ("/contacts", {"page": ""}, "must be an integer"),
        ("/ledger_accounts", {"show_included_in_chart": ""}, "must be true or false"),
        ("/ledger_accounts", {"visible_in": ""}, "is not included in the list"),
        ("/contacts", {"items_per_page": "201"}, "must be less than or equal to 200"),
        ("/contacts", {"items_per_page": "0"}, "must be greater than or equal to 1"),
        ("/contacts", {"updated_or_created_since": "yesterday"}, "is not a valid date-time"),
        ("/businesses", {"page": "99999999999"}, "must be less than or equal to 2147483647"),
    ],
)
def test_a_bad_query_value_answers_invalid_parameter(
    client: httpx.Client, path: str, params: dict[str, str], message: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == 422
    assert answer.json() == [
        {
            "$severity": "error",
            "$dataCode": "InvalidParameter",
            "$message": message,
            "$source": next(iter(params)),
        }
    ]


def test_every_bad_parameter_is_reported(client: httpx.Client) -> None:
    answer = client.get("/ledger_accounts", params={"visible_in": "AAA", "page": "x"})
    assert answer.status_code == 422
    assert [problem["$source"] for problem in answer.json()] == ["visible_in", "page"]


def test_good_values_filter_as_before(fake: SageEmulator, client: httpx.Client) -> None:
    everything = client.get("/ledger_accounts", params={"items_per_page": 200}).json()["$total"]
    for params in (
        {"visible_in": "sales"},
        {"show_included_in_chart": "true"},
        {"show_included_in_chart": "False"},  # Python's str(False): read as a boolean too
        {"search": ""},  # a plain string may be empty: no filter
        {"page": "2147483647"},
        {"page": "+1"},
    ):
        answer = client.get("/ledger_accounts", params=params)
        assert answer.status_code == 200, params
        assert answer.json()["$total"] <= everything


def test_an_unknown_parameter_is_ignored(client: httpx.Client) -> None:
    assert client.get("/contacts", params={"no_such_filter": "x"}).status_code == 200


def test_integers_in_bodies_stay_within_their_format(
    fake: SageEmulator, client: httpx.Client
) -> None:
    body = fake.example_body("sales_invoices", minimal=True)
    body["recurring_invoice"] = {"frequency": 2**31}
    answer = client.post("/sales_invoices", json={"sales_invoice": body})
    assert answer.status_code == 422
    assert answer.json()[0]["$source"] == "recurring_invoice.frequency"
    assert answer.json()[0]["$message"] == "must be less than or equal to 2147483647"
