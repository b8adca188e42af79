"""What `sage_accounting.attachments` needs from the spec, as plain data.

`describe(spec, facade)` is what `overlays/package/_attachment_spec.py.jinja` renders:

* `max_file_size`: the largest file Sage takes, the `maximum` of `file_size` in the create
  body of `/attachments` (2,621,440 bytes in the published spec), or None when the spec no
  longer says (the client then leaves the check to Sage);
* `contexts`: the records a file attaches to, one per collection: its attachment context type
  id and the generated model of its records.

Which transactions take attachments is not in the spec (`/attachment_context_types` lists
them at run time only); `ATTACHABLE` below is Sage's attachments guide, and each of its
collections must exist in the spec with a `GET /{collection}/{key}`, so a renamed one fails
the build instead of a user's upload.
"""

from __future__ import annotations

from typing import Any

from .facade import _ref

ATTACHMENTS = "attachments"
#: Sage, "Attachments" (developer.sage.com/accounting/guides/concepts/attachments): Other
#: Receipts & Other Payments (Start: Money In & Money Out), Journals, Purchase Credits and
#: Purchase Invoices. The context type id is the singular in capitals, as Sage spells it
#: (`PURCHASE_INVOICE`, `OTHER_PAYMENT`).
ATTACHABLE = ("other_payments", "journals", "purchase_credit_notes", "purchase_invoices")


def describe(spec: dict[str, Any], facade: dict[str, Any]) -> dict[str, Any]:
    """`{"max_file_size": int | None, "contexts": [...]}` (see the module)."""
    resources = {resource["name"]: resource for resource in facade["resources"]}
    if ATTACHMENTS not in resources:
        raise ValueError("the spec has no /attachments: sage_accounting.attachments needs it")
    contexts = []
    for collection in ATTACHABLE:
        resource = resources.get(collection)
        getter = next((m for m in (resource or {}).get("methods", []) if m["kind"] == "get"), None)
        if getter is None or getter["returns"]["kind"] != "model":
            raise ValueError(
                f"attachments attach to {collection} (Sage's guide), but the spec has no "
                f"GET /{collection}/{{key}} answering a record: update generator/attachments.py"
            )
        contexts.append(
            {
                "collection": collection,
                "type_id": collection.removesuffix("s").upper(),
                "model_class": getter["returns"]["model_class"],
            }
        )
    return {"max_file_size": _max_file_size(spec, resources[ATTACHMENTS]), "contexts": contexts}


def _max_file_size(spec: dict[str, Any], resource: dict[str, Any]) -> int | None:
    if not any(m["kind"] == "create" for m in resource["methods"]):
        return None
    body = spec["components"]["schemas"].get(_body_schema_name(spec), {})
    maximum = body.get("properties", {}).get("file_size", {}).get("maximum")
    return maximum if isinstance(maximum, int) and not isinstance(maximum, bool) else None


def _body_schema_name(spec: dict[str, Any]) -> str:
    """The inner schema of `POST /attachments`' wrapped body (`postAttachmentsAttachment`)."""
    op = spec["paths"][f"/{ATTACHMENTS}"]["post"]
    wrapper = _ref(op["requestBody"]["content"]["application/json"]["schema"]) or ""
    properties = spec["components"]["schemas"][wrapper]["properties"]
    return _ref(next(iter(properties.values()))) or ""
