"""generator/attachments.py: Sage's attachment limit and attachable records, read from the spec."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator import attachments, facade

PATCHED_SPEC = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(PATCHED_SPEC.read_text(encoding="utf-8"))
    return document


def test_the_limit_and_the_contexts_come_from_the_spec(spec: dict[str, Any]) -> None:
    described = attachments.describe(spec, facade.describe(spec))
    assert described["max_file_size"] == 2_621_440
    assert {c["collection"]: (c["type_id"], c["model_class"]) for c in described["contexts"]} == {
        "other_payments": ("OTHER_PAYMENT", "OtherPayment"),
        "journals": ("JOURNAL", "Journal"),
        "purchase_credit_notes": ("PURCHASE_CREDIT_NOTE", "PurchaseCreditNote"),
        "purchase_invoices": ("PURCHASE_INVOICE", "PurchaseInvoice"),
    }


def test_a_spec_without_a_maximum_leaves_the_check_to_sage(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    changed["components"]["schemas"]["postAttachmentsAttachment"]["properties"]["file_size"].pop(
        "maximum"
    )
    assert attachments.describe(changed, facade.describe(changed))["max_file_size"] is None


def test_an_attachable_collection_missing_from_the_spec_fails_the_build(
    spec: dict[str, Any],
) -> None:
    changed = copy.deepcopy(spec)
    del changed["paths"]["/journals/{key}"]
    with pytest.raises(ValueError, match="journals"):
        attachments.describe(changed, facade.describe(changed))


def test_attachments_list_small_pages_as_sage_advises(spec: dict[str, Any]) -> None:
    resources = {r["name"]: r for r in facade.describe(spec)["resources"]}
    listing = next(m for m in resources["attachments"]["methods"] if m["kind"] == "list")
    assert "items_per_page: int = 20" in listing["signature"]
    assert listing["changes"]["items_per_page"] == 20
    contacts = next(m for m in resources["contacts"]["methods"] if m["kind"] == "list")
    assert contacts["changes"]["items_per_page"] == 200
    assert resources["attachments"]["mixin"]["methods"] == ["upload", "download"]
