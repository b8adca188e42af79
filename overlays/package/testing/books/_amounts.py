"""A document's amounts from its lines, as Sage computes them, in Decimal only.

Rounding (decided from public sources; tested in tests/testing/books/test_amounts.py):
- Tax is worked out line by line, each line's tax rounded to 2 places, and the document's
  tax is the sum of its lines' taxes; never tax on the document's net total. Sage's v3.1 spec
  makes the line the unit of tax (`invoice_lines[].tax_amount` is "required in v3.1": the
  document carries no tax of its own), and Sage's desktop products round per line too
  (promotionaloffice.co.uk, "Why is there a rounding difference ... Sage 50/200": "take the
  net total price of a single invoice line, round this off to 2 decimals then calculate VAT
  ... round the VAT total off to 2 decimal places"; sageconstructionmanagement.ideas.aha.io
  SAGECM-I-69: "Sage calculating only at the line level").
- Half a cent rounds away from zero (ROUND_HALF_UP): HMRC's VAT Guide lets line-level VAT
  be rounded up or down to the nearest penny, and adding up rounded line taxes is "correct as
  per Section 17.5 of the HMRC VAT Guide" (tallyaccounts.co.uk, VAT Calculations & Rounding).
- A line's net is quantity x unit price, rounded, less its discount; with
  `unit_price_includes_tax` the unit price is gross: the tax inside it is
  gross x rate / (100 + rate), rounded, and the net is what is left.
- A `tax_amount` the client sends on a line is kept (the spec: v3.1 takes the line's tax as
  given); without one it is computed from the rate on the document's date.
- Base currency: `exchange_rate` is units of the document's currency per unit of the base
  currency (Sage's "Currency per Pound Sterling", gb-kb.sage.com article 200427112159205),
  so a base amount is the amount / exchange_rate, rounded per line; the document's base
  amounts are the sums of its lines' base amounts, so its postings balance in base currency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._money import HUNDRED, ZERO, BookError, cents, decimal_of, wire, wire_rate
from ._rates import percentage_on

RateLookup = Callable[[str], "dict[str, Any] | None"]  # a tax rate record by id, None: unknown
ONE = Decimal(1)


def ref_id(item: dict[str, Any], name: str) -> str | None:
    """The id `item` names for `name`: `name_id` as sent, or the stored link `name: {id}`."""
    sent = item.get(f"{name}_id")
    if isinstance(sent, str) and sent:
        return sent
    link = item.get(name)
    if isinstance(link, dict) and isinstance(link.get("id"), str):
        return str(link["id"])
    return None


@dataclass(frozen=True)
class Line:
    """One line's amounts in the document's currency and in base currency."""

    quantity: Decimal
    gross: Decimal  # quantity x unit price, rounded, before the discount
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    base_net: Decimal
    base_tax: Decimal
    base_discount: Decimal
    tax_rate_id: str | None
    ledger_account_id: str | None

    @property
    def base_total(self) -> Decimal:
        return self.base_net + self.base_tax


def line_amounts(
    line: dict[str, Any], percentage: Decimal, exchange_rate: Decimal, source: str
) -> Line:
    quantity = decimal_of(line.get("quantity"), f"{source}.quantity", ONE)
    unit_price = decimal_of(line.get("unit_price"), f"{source}.unit_price")
    gross = cents(quantity * unit_price)
    discount = _discount(line, gross, source)
    sent_tax = line.get("tax_amount")
    if line.get("unit_price_includes_tax") is True:
        total = gross - discount
        tax = _sent_or(
            sent_tax, f"{source}.tax_amount", total * percentage / (HUNDRED + percentage)
        )
        net = total - tax
    else:
        net = gross - discount
        tax = _sent_or(sent_tax, f"{source}.tax_amount", net * percentage / HUNDRED)
        total = net + tax
    return Line(
        quantity=quantity,
        gross=gross,
        discount=discount,
        net=net,
        tax=tax,
        total=total,
        base_net=cents(net / exchange_rate),
        base_tax=cents(tax / exchange_rate),
        base_discount=cents(discount / exchange_rate),
        tax_rate_id=ref_id(line, "tax_rate"),
        ledger_account_id=ref_id(line, "ledger_account"),
    )


def single_amount(
    net: Decimal,
    tax: Decimal,
    exchange_rate: Decimal,
    tax_rate_id: str | None,
    ledger_account_id: str | None,
    quantity: Decimal = ONE,
) -> Line:
    """A line of one amount (a quick entry, a payment line, shipping): no price, no discount."""
    return Line(
        quantity=quantity,
        gross=net,
        discount=ZERO,
        net=net,
        tax=tax,
        total=net + tax,
        base_net=cents(net / exchange_rate),
        base_tax=cents(tax / exchange_rate),
        base_discount=ZERO,
        tax_rate_id=tax_rate_id,
        ledger_account_id=ledger_account_id,
    )


def line_fields(line: Line, unit_price: Decimal, exchange_rate: Decimal) -> dict[str, Any]:
    """The fields Sage computes on a line, as it sends them (what a client sent is replaced)."""
    percent = cents(line.discount * HUNDRED / line.gross) if line.gross else ZERO
    return {
        "net_amount": wire(line.net),
        "tax_amount": wire(line.tax),
        "total_amount": wire(line.total),
        "discount_amount": wire(line.discount),
        "discount_percentage": wire(percent),
        "base_currency_unit_price": wire(unit_price / exchange_rate),
        "base_currency_net_amount": wire(line.base_net),
        "base_currency_tax_amount": wire(line.base_tax),
        "base_currency_total_amount": wire(line.base_total),
        "base_currency_discount_amount": wire(line.base_discount),
    }


def exchange_rate_of(document: dict[str, Any]) -> Decimal:
    """The document's rate to its business's base currency; 1 for a base-currency document."""
    rate = decimal_of(document.get("exchange_rate"), "exchange_rate", ONE)
    if rate <= 0:
        raise BookError.one("RecordInvalid", "must be greater than 0", "exchange_rate")
    return rate


def document_amounts(
    document: dict[str, Any], lines_key: str, rates: RateLookup
) -> tuple[dict[str, Any], list[Line]]:
    """The document with every computed field replaced, and its lines' amounts.

    `document` is the body as sent (`tax_rate_id`) or as stored (`tax_rate: {id}`); lines
    keep every other field they had."""
    on = str(document.get("date") or "")
    exchange_rate = exchange_rate_of(document)
    raw_lines = document.get(lines_key)
    if not isinstance(raw_lines, list):
        raise BookError.one("RecordInvalid", "can't be blank", lines_key)
    lines: list[Line] = []
    sent_lines: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_lines):
        source = f"{lines_key}[{index}]"
        if not isinstance(raw, dict):
            raise BookError.one("RecordInvalid", "must be an object", source)
        percentage = _percentage(raw, rates, on, f"{source}.tax_rate_id")
        line = line_amounts(raw, percentage, exchange_rate, source)
        unit_price = decimal_of(raw.get("unit_price"), f"{source}.unit_price")
        lines.append(line)
        sent_lines.append({**raw, **line_fields(line, unit_price, exchange_rate)})
    shipping = _shipping(document, rates, on, exchange_rate)
    every = [*lines, *([shipping] if shipping else [])]
    computed = dict(document)
    computed[lines_key] = sent_lines
    computed.update(_totals(every, exchange_rate))
    computed["total_quantity"] = str(sum((line.quantity for line in lines), Decimal(0)))
    computed["total_discount_amount"] = wire(sum((x.discount for x in lines), ZERO))
    computed["base_currency_total_discount_amount"] = wire(
        sum((x.base_discount for x in lines), ZERO)
    )
    computed["tax_analysis"] = tax_analysis(every)
    if shipping is not None:
        computed.update(
            shipping_tax_amount=wire(shipping.tax),
            shipping_total_amount=wire(shipping.total),
            base_currency_shipping_net_amount=wire(shipping.base_net),
            base_currency_shipping_tax_amount=wire(shipping.base_tax),
            base_currency_shipping_total_amount=wire(shipping.base_total),
        )
    return computed, every


def quick_entry_amounts(
    entry: dict[str, Any], rates: RateLookup
) -> tuple[dict[str, Any], list[Line]]:
    """A quick entry (one net or total amount, one rate) with its computed fields replaced.

    From `net_amount`: tax = net x rate; from `total_amount` alone the tax is inside it."""
    on = str(entry.get("date") or "")
    exchange_rate = exchange_rate_of(entry)
    percentage = _percentage(entry, rates, on, "tax_rate_id")
    if entry.get("net_amount") not in (None, ""):
        net = cents(decimal_of(entry.get("net_amount"), "net_amount"))
        tax = _sent_or(entry.get("tax_amount"), "tax_amount", net * percentage / HUNDRED)
    else:
        total = cents(decimal_of(entry.get("total_amount"), "total_amount"))
        tax = _sent_or(
            entry.get("tax_amount"), "tax_amount", total * percentage / (HUNDRED + percentage)
        )
        net = total - tax
    line = single_amount(
        net, tax, exchange_rate, ref_id(entry, "tax_rate"), ref_id(entry, "ledger_account")
    )
    computed = dict(entry)
    computed.update(_totals([line], exchange_rate))
    return computed, [line]


def payment_line_amounts(
    payment: dict[str, Any], rates: RateLookup
) -> tuple[dict[str, Any], list[Line]]:
    """An other payment's or receipt's lines: each line's `total_amount` holds its tax (worked
    out from its rate unless `tax_amount` is sent); the payment's totals are their sums."""
    on = str(payment.get("date") or "")
    exchange_rate = exchange_rate_of(payment)
    raw_lines = payment.get("payment_lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise BookError.one("RecordInvalid", "can't be blank", "payment_lines")
    lines: list[Line] = []
    sent_lines: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_lines):
        source = f"payment_lines[{index}]"
        if not isinstance(raw, dict):
            raise BookError.one("RecordInvalid", "must be an object", source)
        percentage = _percentage(raw, rates, on, f"{source}.tax_rate_id")
        total = cents(decimal_of(raw.get("total_amount"), f"{source}.total_amount"))
        inside = total * percentage / (HUNDRED + percentage)
        tax = _sent_or(raw.get("tax_amount"), f"{source}.tax_amount", inside)
        line = single_amount(
            total - tax, tax, exchange_rate, ref_id(raw, "tax_rate"), ref_id(raw, "ledger_account")
        )
        lines.append(line)
        sent_lines.append(
            {
                **raw,
                "net_amount": wire(line.net),
                "tax_amount": wire(tax),
                "total_amount": wire(total),
            }
        )
    computed = dict(payment)
    computed["payment_lines"] = sent_lines
    totals = _totals(lines, exchange_rate)
    computed.update({k: totals[k] for k in ("net_amount", "tax_amount", "total_amount")})
    return computed, lines


def tax_analysis(lines: list[Line]) -> list[dict[str, Any]]:
    """Net, tax and total per tax rate, in the order the rates first appear."""
    groups: dict[str | None, list[Line]] = {}
    for line in lines:
        groups.setdefault(line.tax_rate_id, []).append(line)
    analysis = []
    for rate_id, group in groups.items():
        net = sum((x.net for x in group), ZERO)
        tax = sum((x.tax for x in group), ZERO)
        item: dict[str, Any] = {
            "net_amount": wire(net),
            "tax_amount": wire(tax),
            "total_amount": wire(net + tax),
        }
        if rate_id is not None:
            item["tax_rate_id"] = rate_id
        analysis.append(item)
    return analysis


def _totals(lines: list[Line], exchange_rate: Decimal) -> dict[str, Any]:
    net = sum((x.net for x in lines), ZERO)
    tax = sum((x.tax for x in lines), ZERO)
    base_net = sum((x.base_net for x in lines), ZERO)
    base_tax = sum((x.base_tax for x in lines), ZERO)
    return {
        "net_amount": wire(net),
        "tax_amount": wire(tax),
        "total_amount": wire(net + tax),
        "base_currency_net_amount": wire(base_net),
        "base_currency_tax_amount": wire(base_tax),
        "base_currency_total_amount": wire(base_net + base_tax),
        "exchange_rate": wire_rate(exchange_rate),
        "inverse_exchange_rate": wire_rate(ONE / exchange_rate),
    }


def _shipping(
    document: dict[str, Any], rates: RateLookup, on: str, exchange_rate: Decimal
) -> Line | None:
    if document.get("shipping_net_amount") in (None, ""):
        return None
    net = cents(decimal_of(document.get("shipping_net_amount"), "shipping_net_amount"))
    rate_id = ref_id(document, "shipping_tax_rate")
    rate = rates(rate_id) if rate_id else None
    # The spec: the shipping tax "is calculated based on the shipping_net_amount and the
    # shipping_tax_rate" (not taken from the client, unlike a line's).
    tax = cents(net * percentage_on(rate, on, "shipping_tax_rate_id") / HUNDRED)
    # No ledger account: shipping posts to the default sales or purchases account.
    return single_amount(net, tax, exchange_rate, rate_id, None, quantity=ZERO)


def _percentage(item: dict[str, Any], rates: RateLookup, on: str, source: str) -> Decimal:
    rate_id = ref_id(item, "tax_rate")
    if rate_id is None:
        return ZERO
    rate = rates(rate_id)
    if rate is None:
        raise BookError.one("RecordInvalid", "Couldn't find Tax Rate.", source)
    return percentage_on(rate, on, source)


def _discount(line: dict[str, Any], gross: Decimal, source: str) -> Decimal:
    if line.get("discount_amount") not in (None, ""):
        return cents(decimal_of(line.get("discount_amount"), f"{source}.discount_amount"))
    if line.get("discount_percentage") not in (None, ""):
        percent = decimal_of(line.get("discount_percentage"), f"{source}.discount_percentage")
        return cents(gross * percent / HUNDRED)
    return ZERO


def _sent_or(sent: Any, source: str, computed: Decimal) -> Decimal:
    if sent in (None, ""):
        return cents(computed)
    return cents(decimal_of(sent, source))
