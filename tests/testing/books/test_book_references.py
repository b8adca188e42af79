"""Every record a body names must exist in the business, or the 422 names the field."""

from __future__ import annotations

import pytest

from sage_accounting.testing.books import BookError, check_references, references

HELD = {
    ("contact", "ACME"),
    ("ledger_account", "SALES"),
    ("tax_rate", "GB_STANDARD"),
    ("contact_type", "CUSTOMER"),
}
KINDS = {name for name, _ in HELD}


def exists(name: str, key: str) -> bool | None:
    return (name, key) in HELD if name in KINDS else None


def test_every_reference_is_found_with_its_path() -> None:
    body = {
        "contact_id": "ACME",
        "idempotency_id": "0" * 32,
        "contact_type_ids": ["CUSTOMER"],
        "invoice_lines": [{"ledger_account_id": "SALES", "tax_rate": {"id": "GB_STANDARD"}}],
    }

    assert [(r.name, r.key, r.source) for r in references(body)] == [
        ("contact", "ACME", "contact_id"),
        ("contact_type", "CUSTOMER", "contact_type_ids[0]"),
        ("ledger_account", "SALES", "invoice_lines[0].ledger_account_id"),
        ("tax_rate", "GB_STANDARD", "invoice_lines[0].tax_rate.id"),
    ]


def test_a_body_naming_records_the_business_lacks_is_refused_with_each_field() -> None:
    body = {
        "contact_id": "NOBODY",
        "invoice_lines": [
            {"ledger_account_id": "SALES", "tax_rate_id": "GB_STANDARD"},
            {"ledger_account_id": "NOPE", "tax_rate_id": "GB_STANDARD", "product_id": "unchecked"},
        ],
    }

    with pytest.raises(BookError) as refused:
        check_references(body, exists)

    assert [(p.code, p.message, p.source) for p in refused.value.problems] == [
        ("RecordInvalid", "Couldn't find Contact.", "contact_id"),
        ("RecordInvalid", "Couldn't find Ledger Account.", "invoice_lines[1].ledger_account_id"),
    ]


def test_a_body_whose_references_all_exist_passes() -> None:
    check_references(
        {"contact_id": "ACME", "invoice_lines": [{"ledger_account_id": "SALES"}]}, exists
    )
