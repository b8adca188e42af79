"""The chart of accounts the facade tests of the books work with: a new business's own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sage_accounting import SageAccounting
from sage_accounting.types import Unset

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
T = TypeVar("T")
#: Each country's standard rate, as Sage's reference data names it (testing/data/<country>/).
STANDARD_RATES = {"GB": "GB_STANDARD", "IE": "IE_STANDARD", "CA": "CA_GST"}


def the(value: T | Unset | None) -> T:
    """A field the emulator always answers (the models type every field as optional)."""
    assert value is not None and not isinstance(value, Unset)
    return value


@dataclass
class Chart:
    bank_account: str
    bank: str  # the bank account's ledger account
    debtors: str
    sales_tax: str
    sales: str
    standard_rate: str
    customer_type: str
    creditors: str
    purchase_tax: str
    purchases: str
    sales_discount: str
    purchase_discount: str
    vendor_type: str = "VENDOR"


def open_books(sage: SageAccounting, country: str = "GB") -> Chart:
    """The accounts the business started with: its control accounts by `control_name`, its
    current bank account and its country's standard rate."""
    controls = {
        a.control_name: the(a.id)
        for a in sage.ledger_accounts.list(attributes="all")
        if a.control_name
    }
    current = next(
        b
        for b in sage.bank_accounts.list(attributes="all")
        if the(b.bank_account_type).id == "CHECKING"
    )
    return Chart(
        bank_account=the(current.id),
        bank=the(the(current.ledger_account).id),
        debtors=controls["DEBTORS"],
        sales_tax=controls["SALES_TAX"],
        sales=controls["SALES"],
        standard_rate=STANDARD_RATES[country],
        customer_type="CUSTOMER",
        creditors=controls["CREDITORS"],
        purchase_tax=controls["PURCHASE_TAX"],
        purchases=controls["PURCHASES"],
        sales_discount=controls["SALES_DISCOUNT"],
        purchase_discount=controls["PURCHASE_DISCOUNT"],
    )


def receipt(sage: SageAccounting, chart: Chart, customer: str, artefact: str, amount: str) -> None:
    """The customer pays `amount` into the current account, all of it against `artefact`."""
    sage.contact_payments.create(
        {
            "transaction_type_id": "CUSTOMER_RECEIPT",
            "contact_id": customer,
            "bank_account_id": chart.bank_account,
            "date": "2026-01-20",
            "total_amount": amount,
            "allocated_artefacts": [{"artefact_id": artefact, "amount": amount}],
        }
    )
