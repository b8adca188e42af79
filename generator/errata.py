"""Step 4: our errata to the published spec, so that it describes the API as it really behaves.

Each patch is a small named function with a one-line why. It edits the merged OpenAPI 3
document in place and returns how many places it changed; a patch that changes nothing fails
the build, so that an upstream fix is noticed and the patch retired (`update-spec` reports it
under "Errata no longer needed" instead: see unneeded_errata.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .idempotency import idempotency_ids

Document = dict[str, Any]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

AUTHORIZATION_URL = "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1"
TOKEN_URL = "https://oauth.accounting.sage.com/token"

# A decimal number as Sage writes money, quantities and rates on the wire ("367.09", "-1", "1e-7").
DECIMAL_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"


class ErratumDidNothing(RuntimeError):
    """A patch found nothing to change: the upstream spec may have been fixed."""


@dataclass(frozen=True)
class Erratum:
    name: str
    why: str
    apply: Callable[[Document], int]


def operations(doc: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def schema_nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema object reachable from `schema` without following $ref."""
    if not isinstance(schema, dict):
        return
    yield schema
    for prop in schema.get("properties", {}).values():
        yield from schema_nodes(prop)
    for key in ("items", "additionalProperties", "not"):
        yield from schema_nodes(schema.get(key))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            yield from schema_nodes(sub)


def all_schema_roots(doc: Document) -> Iterator[dict[str, Any]]:
    """Component schemas and every schema inline in parameters, bodies and responses."""
    components = doc.get("components", {})
    yield from components.get("schemas", {}).values()
    for parameter in components.get("parameters", {}).values():
        if "schema" in parameter:
            yield parameter["schema"]
    for item in doc.get("paths", {}).values():
        for parameter in item.get("parameters", []):
            if "schema" in parameter:
                yield parameter["schema"]
    for _, _, operation in operations(doc):
        for parameter in operation.get("parameters", []):
            if "schema" in parameter:
                yield parameter["schema"]
        for media in operation.get("requestBody", {}).get("content", {}).values():
            if "schema" in media:
                yield media["schema"]
        for response in operation.get("responses", {}).values():
            for media in response.get("content", {}).values():
                if "schema" in media:
                    yield media["schema"]


def _schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def list_envelopes(doc: Document) -> int:
    """Sage answers a list GET with a pagination envelope, not the bare array the spec shows."""
    schemas = doc["components"]["schemas"]
    changed = 0
    for path, method, operation in operations(doc):
        if method != "get":
            continue
        media = operation.get("responses", {}).get("200", {}).get("content", {})
        json_media = media.get("application/json")
        schema = json_media.get("schema", {}) if json_media else {}
        item_ref = schema.get("items", {}).get("$ref", "") if schema.get("type") == "array" else ""
        if not item_ref.startswith("#/components/schemas/"):
            continue
        item = item_ref.rsplit("/", 1)[1]
        envelope = f"{item}List"
        body = _envelope_schema(item)
        if schemas.setdefault(envelope, body) != body:
            raise ValueError(f"{method.upper()} {path}: schema name {envelope!r} is already taken")
        json_media["schema"] = _schema_ref(envelope)
        changed += 1
    return changed


#: Other spellings of an envelope key that Sage's own guides show: the pagination guide's example
#: has `$itemsPerPage`, the best-practices guide's `/businesses` example `$items_per_page`.
ENVELOPE_ALIASES: dict[str, tuple[str, ...]] = {"$items_per_page": ("$itemsPerPage",)}


def _envelope_schema(item: str) -> dict[str, Any]:
    link = "a path relative to the API root or an absolute URL"
    count = {"type": "integer", "nullable": True}
    return {
        "type": "object",
        "description": f"One page of a list of {item} records.",
        # Only `$items` is sure to come: Sage's guides show envelopes without the other keys.
        "required": ["$items"],
        "properties": {
            "$total": {**count, "description": "Number of records in the whole list."},
            "$page": {**count, "description": "This page's number, from 1."},
            "$next": {
                "type": "string",
                "nullable": True,
                "description": f"The next page: {link}; null on the last page.",
            },
            "$back": {
                "type": "string",
                "nullable": True,
                "description": f"The previous page: {link}; null on the first page.",
            },
            "$items_per_page": {
                **count,
                "description": "Page size of this list (sent as `$itemsPerPage` too).",
                "x-sage-aliases": list(ENVELOPE_ALIASES["$items_per_page"]),
            },
            "$items": {"type": "array", "items": _schema_ref(item)},
        },
    }


def error_responses(doc: Document) -> int:
    """Sage answers 4xx/5xx with a typed error list that the spec never mentions."""
    components = doc["components"]
    components["schemas"].setdefault(
        "SageError",
        {
            "type": "object",
            "description": "One problem Sage reports about a request.",
            "properties": {
                "$severity": {"type": "string", "description": "error, warning or info"},
                "$dataCode": {"type": "string", "description": "A code, e.g. RecordInvalid"},
                "$message": {"type": "string", "description": "What went wrong"},
                "$source": {"type": "string", "description": "The field at fault, if any"},
            },
        },
    )
    components.setdefault("responses", {})["SageErrors"] = {
        "description": "Sage's error list",
        "content": {
            "application/json": {"schema": {"type": "array", "items": _schema_ref("SageError")}}
        },
    }
    changed = 0
    for _, _, operation in operations(doc):
        responses = operation.setdefault("responses", {})
        for family in ("4XX", "5XX"):
            if family not in responses:
                responses[family] = {"$ref": "#/components/responses/SageErrors"}
                changed += 1
    return changed


# No int32 erratum: every integer query parameter already declares `format: int32`, whose range
# validators (and the emulator) enforce; a `maximum` beside it would say the same again.
def page_minimum(doc: Document) -> int:
    """Pages count from 1 (Sage's pagination guide); the spec leaves `page` unbounded below."""
    changed = 0
    for _, _, operation in operations(doc):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            is_page = parameter.get("in") == "query" and parameter.get("name") == "page"
            if is_page and "minimum" not in schema:
                schema["minimum"] = 1
                changed += 1
    return changed


def required_body_wrappers(doc: Document) -> int:
    """Every body wraps its object ({"user": {...}}); putUser and putBusinesses omit `required`."""
    schemas = doc["components"]["schemas"]
    changed = 0
    for _, _, operation in operations(doc):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            ref = media.get("schema", {}).get("$ref", "")
            body = schemas.get(ref.removeprefix("#/components/schemas/"), {})
            if len(body.get("properties", {})) == 1 and not body.get("required"):
                body["required"] = list(body["properties"])
                changed += 1
    return changed


def oauth2_security(doc: Document) -> int:
    """Every call needs an OAuth 2.0 bearer token, and neither document declares a scheme."""
    schemes = doc["components"].setdefault("securitySchemes", {})
    if "oauth2" in schemes:
        return 0
    schemes["oauth2"] = {
        "type": "oauth2",
        "description": "Authorization code grant; refresh tokens rotate on every use.",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": AUTHORIZATION_URL,
                "tokenUrl": TOKEN_URL,
                "refreshUrl": TOKEN_URL,
                "scopes": {
                    "full_access": "Read and write all data the user can reach",
                    "readonly": "Read all data the user can reach",
                },
            }
        },
    }
    doc["security"] = [{"oauth2": ["full_access"]}, {"oauth2": ["readonly"]}]
    return 1


def decimal_numbers(doc: Document) -> int:
    """Money and quantities travel as numeric strings; as floats they would lose exactness."""
    changed = 0
    for root in list(all_schema_roots(doc)):
        for node in schema_nodes(root):
            if node.get("type") != "number":
                continue
            original = node.pop("format", None)
            node["type"] = "string"
            node["format"] = "decimal"
            node["pattern"] = DECIMAL_PATTERN
            node["x-sage-wire-type"] = "number" if original is None else f"number/{original}"
            for key in ("default", "example"):
                if key in node and not isinstance(node[key], str):
                    node[key] = str(node[key])
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
                if key in node:
                    node[f"x-{key}"] = node.pop(key)
            changed += 1
    return changed


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("$", "").split("_"))


def _is_inline_object(schema: dict[str, Any]) -> bool:
    return "$ref" not in schema and bool(schema.get("properties") or schema.get("enum"))


def hoist_inline_objects(doc: Document) -> int:
    """Inline objects and enums get a schema name, so they can be null and keep a readable name."""
    schemas = doc["components"]["schemas"]
    changed = 0
    pending = list(schemas.items())
    while pending:
        owner, schema = pending.pop(0)
        for prop_name, prop in schema.get("properties", {}).items():
            target, suffix = prop, ""
            if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
                target, suffix = prop["items"], "Item"
            if not _is_inline_object(target):
                continue
            name = f"{owner}{_pascal(prop_name)}{suffix}"
            if name in schemas:
                raise ValueError(f"{owner}.{prop_name}: schema name {name!r} is already taken")
            hoisted = dict(target)
            schemas[name] = hoisted
            pending.append((name, hoisted))
            ref = _schema_ref(name)
            if suffix:
                prop["items"] = ref
            else:
                description = prop.get("description")
                schema["properties"][prop_name] = (
                    {**ref, "description": description} if description else ref
                )
            changed += 1
    return changed


def nullable_properties(doc: Document) -> int:
    """The live API sends null for empty fields; a model that refuses null crashes on real data."""
    changed = 0
    for name, root in doc["components"]["schemas"].items():
        if name.endswith("List") and "$items" in root.get("properties", {}):
            continue  # our own envelopes say exactly what may be null
        required = set(root.get("required", []))
        for prop_name, prop in list(root.get("properties", {}).items()):
            if prop_name in required or prop.get("nullable") is True:
                continue
            if "$ref" in prop:
                extra = {k: v for k, v in prop.items() if k != "$ref"}
                root["properties"][prop_name] = {
                    "oneOf": [{"$ref": prop["$ref"]}],
                    "nullable": True,
                    **extra,
                }
            else:
                prop["nullable"] = True
            changed += 1
    return changed


def attachment_file_download(doc: Document) -> int:
    """GET /attachments/{key}/file answers the file's bytes, not an Attachment record."""
    operation = doc["paths"].get("/attachments/{key}/file", {}).get("get")
    if operation is None:
        return 0
    response = operation["responses"].get("200", {})
    if "application/octet-stream" in response.get("content", {}):
        return 0
    response["content"] = {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    return 1


def array_items(doc: Document) -> int:
    """A few arrays (AnalysisType.active_areas) omit `items`, which OpenAPI 3 requires: any item."""
    changed = 0
    for root in list(all_schema_roots(doc)):
        for node in schema_nodes(root):
            if node.get("type") == "array" and "items" not in node:
                node["items"] = {}
                changed += 1
    return changed


def operation_ids(doc: Document) -> int:
    """The User/Businesses document has no operationIds; name them as the Accounts one does."""
    changed = 0
    for path, method, operation in operations(doc):
        if operation.get("operationId"):
            continue
        words = [part for part in path.strip("/").split("/") if part]
        camel = "".join(
            "Key" if word == "{key}" else "".join(p.capitalize() for p in word.split("_"))
            for word in words
        )
        operation["operationId"] = method + camel
        changed += 1
    return changed


ERRATA: tuple[Erratum, ...] = tuple(
    Erratum(name=fn.__name__, why=(fn.__doc__ or "").strip(), apply=fn)
    for fn in (
        operation_ids,
        list_envelopes,
        error_responses,
        page_minimum,
        required_body_wrappers,
        oauth2_security,
        attachment_file_download,
        array_items,
        idempotency_ids,
        decimal_numbers,
        hoist_inline_objects,
        nullable_properties,
    )
)


def apply_errata(
    doc: Document, errata: tuple[Erratum, ...] = ERRATA, *, unneeded_ok: bool = False
) -> tuple[Document, dict[str, int]]:
    """Return a patched copy of `doc` and how many places each erratum changed.

    `unneeded_ok` (update-spec only) counts an erratum that changes nothing as 0 instead of
    failing: a new document in which Sage fixed it is reported, not refused.
    """
    patched = copy.deepcopy(doc)
    counts: dict[str, int] = {}
    for erratum in errata:
        count = erratum.apply(patched)
        if count == 0 and not unneeded_ok:
            raise ErratumDidNothing(
                f"erratum {erratum.name!r} changed nothing ({erratum.why}) - "
                "has Sage fixed the spec? Retire the patch in generator/errata.py."
            )
        counts[erratum.name] = count
    return patched, counts
