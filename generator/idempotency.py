"""The erratum `idempotency_ids` (listed in errata.ERRATA): Sage's creates that deduplicate.

Sage's idempotency guide: an `idempotency_id` (32 lowercase hex characters) inside the resource
object of a create's body makes the same request within 7 days answer the first answer and
create nothing. The published spec declares the field on no model.
"""

from __future__ import annotations

from typing import Any

Document = dict[str, Any]

# The guide names 37 resources; the spec has a create (POST /{collection}) for 36 of them:
# `tax_profile` is only ever updated (PUT /tax_profiles/{key}), so it is not here.
IDEMPOTENT_CREATES = (
    "address",
    "bank_account",
    "bank_deposit",
    "bank_opening_balance",
    "bank_reconciliation",
    "bank_transfer",
    "business_exchange_rate",
    "contact",
    "contact_allocation",
    "contact_opening_balance",
    "contact_payment",
    "contact_person",
    "hosted_artefact_payment_setting",
    "journal",
    "journal_code",
    "ledger_account",
    "ledger_account_opening_balance",
    "migration_tax_return",
    "opening_balance_journal",
    "other_payment",
    "product",
    "product_sales_price_type",
    "purchase_corrective_invoice",
    "purchase_credit_note",
    "purchase_invoice",
    "purchase_quick_entry",
    "sales_corrective_invoice",
    "sales_credit_note",
    "sales_estimate",
    "sales_invoice",
    "sales_quick_entry",
    "sales_quote",
    "service",
    "service_rate_type",
    "stock_item",
    "stock_movement",
)
FIELD = "idempotency_id"
PATTERN = "^[0-9a-f]{32}$"
_REF_PREFIX = "#/components/schemas/"


def _resolve(doc: Document, schema: dict[str, Any]) -> dict[str, Any]:
    ref = str(schema.get("$ref", ""))
    if ref.startswith(_REF_PREFIX):
        resolved: dict[str, Any] = doc["components"]["schemas"][ref.removeprefix(_REF_PREFIX)]
        return resolved
    return schema


def _create_bodies(doc: Document) -> dict[str, list[dict[str, Any]]]:
    """The inner objects of the create (POST /{collection}) bodies, by their wrapper key."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path, item in doc.get("paths", {}).items():
        if "post" not in item or path.strip("/").count("/"):
            continue
        media = item["post"].get("requestBody", {}).get("content", {}).get("application/json")
        properties = _resolve(doc, media.get("schema", {})).get("properties", {}) if media else {}
        if len(properties) == 1:
            ((wrapper, inner),) = properties.items()
            found.setdefault(wrapper, []).append(_resolve(doc, inner))
    return found


def idempotency_ids(doc: Document) -> int:
    """Sage's creates of 36 resources take `idempotency_id`, which the spec declares nowhere."""
    bodies = _create_bodies(doc)
    unfound = [name for name in IDEMPOTENT_CREATES if len(bodies.get(name, [])) != 1]
    if unfound:
        raise ValueError(
            f"idempotency_ids: no single create body {{name: {{...}}}} for {', '.join(unfound)}"
            " - has Sage renamed or removed a create? Update generator/idempotency.py."
        )
    changed = 0
    for name in IDEMPOTENT_CREATES:
        (inner,) = bodies[name]
        properties = inner.setdefault("properties", {})
        if FIELD in properties:
            continue
        properties[FIELD] = {
            "type": "string",
            "pattern": PATTERN,
            "description": (
                "A random 32-character lowercase hex GUID without hyphens, made by the client: "
                "for 7 days the same request with it returns the first request's result and "
                "creates nothing new."
            ),
        }
        changed += 1
    return changed
