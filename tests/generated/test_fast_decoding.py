"""What the faster `from_dict` must keep: every field read, unknown keys kept, a subclass made
through its own `__init__`, and the garbage collector as the program had it.

`from_dict` sets a record's attributes without attrs' `__init__` and pauses the cyclic garbage
collector while a decode runs (`_wire.read_record`); speed is measured in
`benchmarks/decode.py`, not here.
"""

from __future__ import annotations

import gc
import threading
from decimal import Decimal
from typing import Any

import attrs
import httpx
import pytest

from sage_accounting._wire import loads_json
from sage_accounting.errors import WireValueError
from sage_accounting.models import Contact, ContactList, SalesInvoice, TaxBreakdown
from sage_accounting.testing import SageEmulator
from sage_accounting.types import UNSET
from tests.clients import make_client

RECORD: dict[str, Any] = {
    "id": "8a9e7a2d1c3b4f5e6a7b8c9d0e1f2a3b",
    "displayed_as": "Acme (ACME)",
    "$path": "/contacts/8a9e7a2d1c3b4f5e6a7b8c9d0e1f2a3b",
    "balance": "367.09",
    "created_at": "",
    "a_field_sage_added_later": {"nested": [1, 2]},
}


def test_a_record_read_without_init_has_every_attribute_set() -> None:
    contact = Contact.from_dict(RECORD)

    for field in attrs.fields(Contact):
        assert hasattr(contact, field.name), field.name  # none left unset
    assert contact.balance == Decimal("367.09") and contact.name is UNSET
    assert contact.created_at is None  # Sage's "" for no value, written back as it came
    assert contact.additional_properties == {"a_field_sage_added_later": {"nested": [1, 2]}}
    assert contact.to_dict() == RECORD
    assert contact == Contact.from_dict(dict(RECORD))  # and records compare as before
    first, second = Contact.from_dict({}), Contact.from_dict({})
    assert first.additional_properties is not second.additional_properties  # each its own


def test_a_page_size_spelt_both_ways_keeps_the_other_spelling_as_unknown() -> None:
    page = ContactList.from_dict({"$items": [], "$items_per_page": 2, "$itemsPerPage": 3})
    assert page.items_per_page == 2
    assert page.additional_properties == {"$itemsPerPage": 3}


def test_any_mapping_reads_as_a_dict_does() -> None:
    class Frozen(dict[str, Any]):
        pass

    assert TaxBreakdown.from_dict(Frozen(percentage="20.00")).percentage == Decimal("20.00")


@attrs.define
class TaggedContact(Contact):
    """A user's subclass: a field of its own and a hook that runs on every record made."""

    tag: str = "imported"
    seen: list[str] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        self.seen.append(str(self.id))


def test_a_subclass_is_made_through_its_own_init() -> None:
    contact = TaggedContact.from_dict(RECORD)

    assert type(contact) is TaggedContact
    assert contact.tag == "imported" and contact.seen == [RECORD["id"]]
    assert contact.balance == Decimal("367.09")
    assert contact.additional_properties == {"a_field_sage_added_later": {"nested": [1, 2]}}
    assert contact.to_dict() == RECORD


def test_the_garbage_collector_is_on_again_after_a_decode_good_or_bad() -> None:
    assert gc.isenabled()
    SalesInvoice.from_dict({"id": "x", "invoice_lines": [{"unit_price": "1.50"}]})
    loads_json(b'{"a": 1.5}')
    assert gc.isenabled()

    with pytest.raises(WireValueError):
        SalesInvoice.from_dict({"invoice_lines": [{"unit_price": "one"}]})
    with pytest.raises(ValueError):
        loads_json(b'{"a": ')
    assert gc.isenabled()


def test_a_program_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    try:
        SalesInvoice.from_dict({"id": "x"})
        loads_json(b"{}")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_decodes_in_several_threads_leave_the_collector_on() -> None:
    page = {"$items": [{**RECORD, "id": str(n)} for n in range(300)]}

    def decode() -> None:
        for _ in range(20):
            assert len(ContactList.from_dict(page).items) == 300

    threads = [threading.Thread(target=decode) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_a_decoded_answer_leaves_no_cycle_holding_its_bytes() -> None:
    fake = SageEmulator(seed=4)
    fake.seed("contacts", 600, full=False)
    with make_client(fake) as sage:
        gc.collect()
        gc.disable()  # what refcounting alone frees: an answer kept by a cycle stays
        try:
            ids = [contact.id for contact in sage.contacts.list(items_per_page=100)]
            responses = [o for o in gc.get_objects() if isinstance(o, httpx.Response)]
        finally:
            gc.enable()
    assert len(ids) == 600
    assert responses == []  # six pages read, none of their answers (nor bytes) left behind
