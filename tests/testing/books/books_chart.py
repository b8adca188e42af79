"""The chart of accounts the facade tests of the books work with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sage_accounting import SageAccounting
from sage_accounting.types import Unset

T = TypeVar("T")


def the(value: T | Unset | None) -> T:
    """A field the emulator always answers (the models type every field as optional)."""
    assert value is not None and not isinstance(value, Unset)
    return value


START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@dataclass
class Chart:
    bank_account: str
    bank: str
    debtors: str
    sales_tax: str
    sales: str
    standard_rate: str
    customer_type: str


def open_books(sage: SageAccounting) -> Chart:
    """The business's chart: its own when it started from Sage's reference data, else the
    accounts a new Sage business starts with (control accounts, a bank account, a 20% rate)
    made through the API (the books keep a business once its chart has its controls)."""
    controls = {
        a.control_name: the(a.id)
        for a in sage.ledger_accounts.list(attributes="all")
        if a.control_name
    }
    if "DEBTORS" in controls:
        return Chart(
            bank_account=the(next(iter(sage.bank_accounts.list(attributes="all"))).id),
            bank=controls["BANK"],
            debtors=controls["DEBTORS"],
            sales_tax=controls["SALES_TAX"],
            sales=controls["SALES"],
            standard_rate="GB_STANDARD",
            customer_type="CUSTOMER",
        )

    def account(code: int, name: str, control: str) -> str:
        body = {
            "ledger_account_type_id": "CURRENT_ASSETS",
            "included_in_chart": True,
            "name": name,
            "display_name": name,
            "nominal_code": code,
            "control_name": control,
        }
        return the(sage.ledger_accounts.create(body).id)

    bank = account(1200, "Current", "BANK")
    bank_account = the(
        sage.bank_accounts.create(
            {"bank_account_type_id": "CHECKING", "ledger_account_id": bank}
        ).id
    )
    rate = the(
        sage.tax_rates.create(
            {
                "name": "Standard",
                "percentage": "20.00",
                "percentages": [
                    {"percentage": "20.00", "from_date": "2011-01-04", "to_date": None}
                ],
            }
        ).id
    )
    customer_type = the(next(iter(sage.contact_types.list())).id)
    debtors = account(1100, "Trade Debtors", "DEBTORS")
    account(2100, "Trade Creditors", "CREDITORS")
    sales_tax = account(2200, "VAT on Sales", "SALES_TAX")
    account(2201, "VAT on Purchases", "PURCHASE_TAX")
    account(5000, "Materials Purchased", "PURCHASES")
    sales = account(4000, "Sales Type A", "SALES")
    return Chart(bank_account, bank, debtors, sales_tax, sales, rate, customer_type)
