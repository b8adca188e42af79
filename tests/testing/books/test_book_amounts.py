"""A document's amounts, worked out as Sage works them: per line, half up, to the penny."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sage_accounting.testing.books import BookError, document_amounts, quick_entry_amounts
from sage_accounting.testing.books._amounts import payment_line_amounts

# UK VAT's standard rate over time (gov.uk "VAT rates on different goods and services"
# history: 17.5% to 30 Nov 2008, 15% to 31 Dec 2009, 17.5% to 3 Jan 2011, then 20%).
GB_STANDARD: dict[str, Any] = {
    "id": "GB_STANDARD",
    "percentage": "20.00",
    "percentages": [
        {"percentage": "17.50", "from_date": None, "to_date": "2008-11-30"},
        {"percentage": "15.00", "from_date": "2008-12-01", "to_date": "2009-12-31"},
        {"percentage": "17.50", "from_date": "2010-01-01", "to_date": "2011-01-03"},
        {"percentage": "20.00", "from_date": "2011-01-04", "to_date": None},
    ],
}
GB_ZERO: dict[str, Any] = {"id": "GB_ZERO", "percentage": "0.00", "percentages": []}
RATES: dict[str, dict[str, Any]] = {"GB_STANDARD": GB_STANDARD, "GB_ZERO": GB_ZERO}


def invoice(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"contact_id": "C1", "date": "2026-05-02", "invoice_lines": list(lines), **fields}


def line(
    unit_price: str, quantity: str = "1", rate: str = "GB_STANDARD", **more: Any
) -> dict[str, Any]:
    return {
        "description": "Consulting",
        "ledger_account_id": "SALES",
        "quantity": quantity,
        "unit_price": unit_price,
        "tax_rate_id": rate,
        **more,
    }


def test_the_readme_invoice_adds_up_line_by_line() -> None:
    computed, _ = document_amounts(invoice(line("600.00", "2")), "invoice_lines", RATES.get)

    first = computed["invoice_lines"][0]
    assert (first["net_amount"], first["tax_amount"], first["total_amount"]) == (
        "1200.00",
        "240.00",
        "1440.00",
    )
    assert (computed["net_amount"], computed["tax_amount"], computed["total_amount"]) == (
        "1200.00",
        "240.00",
        "1440.00",
    )
    assert computed["total_quantity"] == "2"
    assert computed["tax_analysis"] == [
        {
            "net_amount": "1200.00",
            "tax_amount": "240.00",
            "total_amount": "1440.00",
            "tax_rate_id": "GB_STANDARD",
        }
    ]


def test_tax_is_rounded_on_each_line_not_on_the_total() -> None:
    # 50 lines of 0.02 at 20%: 0.004 of tax each rounds to 0.00, so the invoice has no tax,
    # where tax on the net total (1.00) would be 0.20.
    lines = [line("0.02") for _ in range(50)]
    computed, _ = document_amounts(invoice(*lines), "invoice_lines", RATES.get)

    assert computed["net_amount"] == "1.00"
    assert computed["tax_amount"] == "0.00"


def test_half_a_penny_rounds_up() -> None:
    computed, _ = document_amounts(
        invoice(line("0.125"), line("10.025", rate="GB_ZERO")), "invoice_lines", RATES.get
    )

    assert computed["invoice_lines"][0]["net_amount"] == "0.13"  # 0.125 -> 0.13
    assert computed["invoice_lines"][0]["tax_amount"] == "0.03"  # 0.026 -> 0.03
    assert computed["invoice_lines"][1]["net_amount"] == "10.03"


def test_the_rate_is_the_one_in_force_on_the_documents_date() -> None:
    in_2010, _ = document_amounts(
        invoice(line("100.00"), date="2010-06-30"), "invoice_lines", RATES.get
    )
    in_2009, _ = document_amounts(
        invoice(line("100.00"), date="2009-06-30"), "invoice_lines", RATES.get
    )
    today, _ = document_amounts(invoice(line("100.00")), "invoice_lines", RATES.get)

    assert [x["tax_amount"] for x in (in_2009, in_2010, today)] == ["15.00", "17.50", "20.00"]


def test_a_tax_inclusive_unit_price_holds_its_tax() -> None:
    computed, _ = document_amounts(
        invoice(line("100.00", unit_price_includes_tax=True)), "invoice_lines", RATES.get
    )

    only = computed["invoice_lines"][0]
    assert (only["net_amount"], only["tax_amount"], only["total_amount"]) == (
        "83.33",
        "16.67",
        "100.00",
    )


def test_a_discount_comes_off_the_net_before_tax() -> None:
    by_amount, _ = document_amounts(
        invoice(line("50.00", "3", discount_amount="15.00")), "invoice_lines", RATES.get
    )
    by_percent, _ = document_amounts(
        invoice(line("50.00", "3", discount_percentage="10")), "invoice_lines", RATES.get
    )

    for computed in (by_amount, by_percent):
        only = computed["invoice_lines"][0]
        assert (only["net_amount"], only["tax_amount"], only["total_amount"]) == (
            "135.00",
            "27.00",
            "162.00",
        )
        assert (only["discount_amount"], only["discount_percentage"]) == ("15.00", "10.00")
        assert computed["total_discount_amount"] == "15.00"


def test_what_the_client_sent_for_computed_fields_is_replaced() -> None:
    sent = invoice(
        line("600.00", "2", net_amount="5076.49", total_amount="1.00"),
        net_amount="5076.49",
        tax_amount="1741.21",
        total_amount="5671.70",
        base_currency_total_amount="9.99",
    )
    computed, _ = document_amounts(sent, "invoice_lines", RATES.get)

    assert computed["invoice_lines"][0]["net_amount"] == "1200.00"
    assert computed["invoice_lines"][0]["total_amount"] == "1440.00"
    assert (computed["net_amount"], computed["tax_amount"], computed["total_amount"]) == (
        "1200.00",
        "240.00",
        "1440.00",
    )
    assert computed["base_currency_total_amount"] == "1440.00"


def test_a_lines_tax_amount_sent_by_the_client_is_kept() -> None:
    # v3.1 takes a line's tax as given (the spec: tax_amount "is required in v3.1").
    computed, _ = document_amounts(
        invoice(line("100.00", tax_amount="19.99")), "invoice_lines", RATES.get
    )

    assert computed["tax_amount"] == "19.99"
    assert computed["total_amount"] == "119.99"


def test_a_foreign_currency_invoice_has_base_amounts_through_its_rate() -> None:
    # 1.25 USD per GBP: 1,000.00 USD is 800.00 GBP.
    computed, _ = document_amounts(
        invoice(line("1000.00"), currency_id="USD", exchange_rate="1.25"),
        "invoice_lines",
        RATES.get,
    )

    assert computed["total_amount"] == "1200.00"
    assert (
        computed["base_currency_net_amount"],
        computed["base_currency_tax_amount"],
        computed["base_currency_total_amount"],
    ) == ("800.00", "160.00", "960.00")
    assert computed["inverse_exchange_rate"] == "0.800000"
    assert computed["invoice_lines"][0]["base_currency_unit_price"] == "800.00"


def test_shipping_is_taxed_at_its_own_rate_and_counted_in_the_totals() -> None:
    computed, lines = document_amounts(
        invoice(line("100.00"), shipping_net_amount="10.00", shipping_tax_rate_id="GB_STANDARD"),
        "invoice_lines",
        RATES.get,
    )

    assert (computed["shipping_tax_amount"], computed["shipping_total_amount"]) == ("2.00", "12.00")
    assert computed["total_amount"] == "132.00"
    assert len(lines) == 2


def test_a_quick_entry_taxes_its_net_or_finds_the_tax_inside_its_total() -> None:
    from_net, _ = quick_entry_amounts(
        {"date": "2026-01-01", "net_amount": "100.00", "tax_rate_id": "GB_STANDARD"}, RATES.get
    )
    from_total, _ = quick_entry_amounts(
        {"date": "2026-01-01", "total_amount": "120.00", "tax_rate_id": "GB_STANDARD"}, RATES.get
    )

    assert (from_net["tax_amount"], from_net["total_amount"]) == ("20.00", "120.00")
    assert (from_total["net_amount"], from_total["tax_amount"]) == ("100.00", "20.00")


def test_an_other_payments_lines_hold_their_tax() -> None:
    computed, lines = payment_line_amounts(
        {
            "date": "2026-01-01",
            "payment_lines": [
                {
                    "ledger_account_id": "TRAVEL",
                    "total_amount": "60.00",
                    "tax_rate_id": "GB_STANDARD",
                }
            ],
        },
        RATES.get,
    )

    assert computed["payment_lines"][0]["net_amount"] == "50.00"
    assert (computed["net_amount"], computed["tax_amount"], computed["total_amount"]) == (
        "50.00",
        "10.00",
        "60.00",
    )
    assert lines[0].base_total == Decimal("60.00")


@pytest.mark.parametrize(
    ("bad", "source"),
    [
        ({"unit_price": "ten"}, "invoice_lines[0].unit_price"),
        ({"quantity": "lots"}, "invoice_lines[0].quantity"),
        ({"tax_rate_id": "NOPE"}, "invoice_lines[0].tax_rate_id"),
    ],
)
def test_a_line_that_cannot_be_worked_out_names_its_field(bad: dict[str, str], source: str) -> None:
    with pytest.raises(BookError) as refused:
        document_amounts(invoice(line("1.00", **{}) | bad), "invoice_lines", RATES.get)

    assert [p.source for p in refused.value.problems] == [source]
