"""sage_accounting.availability and the emulator's copy: what the spec says each business has."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sage_accounting import availability
from sage_accounting.testing import _availability as emulator_table


def test_stock_movements_are_accounting_plus_only() -> None:
    assert availability.offered("stock_movements", "GB", "plus") is True
    assert availability.offered("stock_movements", "GB", "standard") is False
    assert availability.offered("stock_movements", "CA", "start") is False
    assert availability.offered("stock_movements.create", "IE", "standard") is False
    assert availability.offered("GET /stock_movements/{key}", "US", "plus") is True
    assert availability.offered("getStockMovements", "DE", "plus") is False


def test_datev_settings_are_germany_only() -> None:
    for edition in availability.EDITIONS:
        assert availability.offered("datev_settings", "DE", edition) is True
        assert availability.offered("datev_settings", "GB", edition) is False
    assert availability.where("datev_settings.update") == {
        "plus": frozenset({"DE"}),
        "standard": frozenset({"DE"}),
        "start": frozenset({"DE"}),
    }


def test_journal_codes_are_france_only_in_every_edition() -> None:
    for method in ("list", "get", "create", "update", "delete"):
        where = availability.where(f"journal_codes.{method}")
        assert where is not None
        assert set(where.values()) == {frozenset({"FR"})}


def test_a_collections_operations_may_differ() -> None:
    # tax rates: the list names its editions, the create says nothing
    assert availability.offered("tax_rates", "GB", "start") is True
    assert availability.offered("tax_rates.create", "GB", "start") is None


def test_what_the_spec_is_silent_on_is_none_not_false() -> None:
    assert availability.offered("businesses", "GB", "plus") is None
    assert availability.offered("journals.reissue", "GB", "plus") is None
    assert availability.where("user") is None


@pytest.mark.parametrize(
    ("args", "named", "allowed"),
    [
        (("stock_movement", "GB", "plus"), "'stock_movement'", "'stock_movements'"),
        (("contacts", "UK", "plus"), "'UK'", "CA, DE, ES, FR, GB, IE, US"),
        (("contacts", "gb", "plus"), "'gb'", "GB"),
        (("contacts", "GB", "Plus"), "'Plus'", "plus, standard, start"),
        (("contacts", "GB", "premium"), "'premium'", "plus, standard, start"),
    ],
)
def test_bad_input_names_the_bad_value_and_the_allowed_ones(
    args: tuple[str, str, str], named: str, allowed: str
) -> None:
    with pytest.raises(ValueError) as caught:
        availability.offered(*args)
    assert named in str(caught.value)
    assert allowed in str(caught.value)
    with pytest.raises(ValueError):
        emulator_table.offered(*args)


def test_the_emulator_has_the_same_table() -> None:
    names = ["contacts", "stock_movements", "datev_settings", "businesses", "tax_rates.create"]
    for name in names:
        for country in availability.COUNTRIES:
            for edition in availability.EDITIONS:
                assert emulator_table.offered(name, country, edition) == availability.offered(
                    name, country, edition
                )


def test_a_request_path_finds_its_operation() -> None:
    assert availability.operation_for("GET", "/stock_movements/0a1b") == "getStockMovementsKey"
    assert availability.operation_for("post", "/sales_invoices/k/release?x=1") == (
        "postSalesInvoicesKeyRelease"
    )
    assert availability.operation_for("GET", "/no_such_thing") is None


def test_the_note_says_what_the_table_says() -> None:
    note = availability.not_offered_note("GET", "/stock_movements", "GB", "start")
    assert note == (
        "the spec's Endpoint Availability does not offer stock_movements.list "
        "(GET /stock_movements) to Accounting Start in GB"
    )
    assert availability.not_offered_note("GET", "/stock_movements", "GB", "plus") is None
    assert availability.not_offered_note("GET", "/stock_movements", "GB", None) is None
    assert "in GB (any edition)" in str(
        availability.not_offered_note("GET", "/datev_settings", "GB", None)
    )
    assert availability.not_offered_note("GET", "/businesses/x", "GB", "start") is None  # unknown
    assert availability.not_offered_note("GET", "/contacts", "ZA", "start") is None


def test_importing_the_package_does_not_load_the_table() -> None:
    code = "import sys, sage_accounting; print('sage_accounting.availability' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
