"""The emulator sends "" for a record's unset dates and numbers, as the live API does in some
records, and the client reads them as None and writes them back as it got them."""

from __future__ import annotations

import pytest

from sage_accounting.testing import SageEmulator
from tests.clients import make_client


def test_every_unset_date_of_a_chosen_record_comes_as_an_empty_string_and_reads_as_none() -> None:
    fake = SageEmulator(seed=3, blanks=1.0)
    fake.seed("sales_invoices", 5)
    with make_client(fake) as sage:
        raw = sage.request("GET", "/sales_invoices", params={"attributes": "all"}).json()
        assert {item["deleted_at"] for item in raw["$items"]} == {""}
        invoices = list(sage.sales_invoices.list(attributes="all"))
        assert len(invoices) == 5
        for invoice in invoices:
            assert invoice.deleted_at is None
            assert invoice.to_dict()["deleted_at"] == ""  # sent back as it came
        key = invoices[0].id
        assert isinstance(key, str)
        one = sage.sales_invoices.get(key)
        assert one.deleted_at is None and one.to_dict()["deleted_at"] == ""


def test_without_blanks_unset_fields_are_null() -> None:
    fake = SageEmulator(seed=3, blanks=0)
    fake.seed("sales_invoices", 5)
    with make_client(fake) as sage:
        raw = sage.request("GET", "/sales_invoices", params={"attributes": "all"}).json()
        assert {item["deleted_at"] for item in raw["$items"]} == {None}


def test_by_default_about_one_record_in_200_carries_blanks_and_every_record_decodes() -> None:
    fake = SageEmulator(seed=5)
    fake.seed("contacts", 2000)
    with make_client(fake) as sage:
        raw = [
            item
            for page in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
            for item in sage.request(
                "GET",
                "/contacts",
                params={"attributes": "all", "page": page, "items_per_page": 200},
            ).json()["$items"]
        ]
        blank = [item["id"] for item in raw if item.get("deleted_at") == ""]
        assert 2 <= len(blank) <= 25  # 0.005 of 2000 is 10
        contacts = {contact.id: contact for contact in sage.contacts.list(attributes="all")}
        assert len(contacts) == 2000
        assert all(contacts[key].deleted_at is None for key in blank)


@pytest.mark.parametrize("share", [-0.1, 1.5, True, "half"])
def test_a_share_outside_0_to_1_is_refused_naming_it(share: object) -> None:
    with pytest.raises(ValueError, match="blanks must be a share"):
        SageEmulator(blanks=share)  # type: ignore[arg-type]
