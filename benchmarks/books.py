"""What keeping books costs the emulator: an invoice and its receipt posted, against the same
two writes to a business without a chart (stored as sent, nothing computed or posted).

Both run in process against one emulator, through the same httpx client, with the same bodies;
only the business differs (the books keep a business whose chart has its control accounts).
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .core import Benchmark, Result, time_call

ROUNDS = 50  # invoice + receipt pairs per timed call
_CONTROLS = ("BANK", "DEBTORS", "CREDITORS", "SALES_TAX", "PURCHASE_TAX", "PURCHASES", "SALES")


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    import httpx

    from sage_accounting.testing import SageEmulator

    fake = SageEmulator(seed=1, idempotency=False)
    plain = fake.lead_business_id
    kept = fake.add_business("Books Ltd")
    token = fake.issue_token()["access_token"]
    client = httpx.Client(
        transport=fake.transport,
        base_url=fake.api_base_url,
        headers={"Authorization": f"Bearer {token}"},
    )

    def post(business: str, path: str, wrapper: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(path, json={wrapper: body}, headers={"X-Business": business})
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def chart(business: str, books: bool) -> dict[str, str]:
        ids = {}
        for code, control in enumerate(_CONTROLS, start=1000):
            account = {"ledger_account_type_id": "SALES", "included_in_chart": True,
                       "name": control, "display_name": control, "nominal_code": code,
                       "control_name": control if books else ""}  # fmt: skip
            ids[control] = post(business, "/ledger_accounts", "ledger_account", account)["id"]
        bank = {"bank_account_type_id": "CHECKING", "ledger_account_id": ids["BANK"]}
        ids["bank_account"] = post(business, "/bank_accounts", "bank_account", bank)["id"]
        rate = {"name": "Standard", "percentage": "20.00"}
        ids["rate"] = post(business, "/tax_rates", "tax_rate", rate)["id"]
        types = client.get("/contact_types", headers={"X-Business": business}).json()["$items"]
        contact = {"name": "Acme", "contact_type_ids": [types[0]["id"]]}
        ids["contact"] = post(business, "/contacts", "contact", contact)["id"]
        return ids

    def rounds(business: str, ids: dict[str, str]) -> None:
        for _ in range(ROUNDS):
            line = {"description": "Chairs", "ledger_account_id": ids["SALES"], "quantity": "2",
                    "unit_price": "600.00", "tax_rate_id": ids["rate"]}  # fmt: skip
            invoice = {"contact_id": ids["contact"], "date": "2026-01-05", "invoice_lines": [line]}
            made = post(business, "/sales_invoices", "sales_invoice", invoice)
            settled = [{"artefact_id": made["id"], "amount": "1440.00"}]
            receipt = {"transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": ids["contact"],
                       "bank_account_id": ids["bank_account"], "date": "2026-01-06",
                       "total_amount": "1440.00", "allocated_artefacts": settled}  # fmt: skip
            post(business, "/contact_payments", "contact_payment", receipt)

    plain_ids, kept_ids = chart(plain, books=False), chart(kept, books=True)
    ours = time_call(lambda: rounds(kept, kept_ids), repeat=5)
    baseline = time_call(lambda: rounds(plain, plain_ids), repeat=5)
    client.close()
    return [
        Result(
            name="books-invoice-and-receipt",
            ours=ours,
            baseline=baseline,
            baseline_label="the same writes to a business without books",
            method=f"{ROUNDS} invoices and receipts in process, median of 5",
        )
    ]


BOOKS = Benchmark(
    name="books",
    summary="an invoice and its receipt with the books kept, against plain storing",
    run=_run,
)
