"""`Pager.from_page(n)`: a read resumed at page n (the MCP server's cursors use it)."""

from __future__ import annotations

import pytest

from sage_accounting import SageAccounting
from sage_accounting.testing import SageEmulator

from .conftest import CONTACTS


def test_from_page_reads_that_page_and_the_rest(client: SageAccounting, fake: SageEmulator) -> None:
    everything = [str(r["id"]) for r in fake.records("contacts")]
    pager = client.contacts.list(items_per_page=100).from_page(12)
    assert pager.first_page().page == 12
    assert [contact.id for contact in pager] == everything[1100:]
    assert len(everything) == CONTACTS


def test_from_page_needs_a_pager_that_has_read_nothing(client: SageAccounting) -> None:
    pager = client.contacts.list(items_per_page=100)
    with pytest.raises(ValueError, match="n >= 1"):
        pager.from_page(0)
    pager.first_page()
    with pytest.raises(ValueError, match="before the pager has read a page"):
        pager.from_page(2)
