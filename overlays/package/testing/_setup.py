"""A new business as Sage starts it: its reference records, chart of accounts, bank accounts,
settings and `GET /businesses` answer, built from the rows `_reference.py` reads.

Records of a file with an `id` column carry that id in every business of the country (Sage's
shared ids: `GB_STANDARD`, `CUSTOMER`, `GBP`); the others get per-business ids from the store.
A template's fields are shared by all businesses of a country and never changed in place.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from . import _reference as reference
from ._availability import EDITION_NAMES
from ._spec import Spec
from ._values import NO_LINKS, Identity, Values, random_id

#: Activity a new business has none of: ledger entries and transactions come from postings.
STARTS_EMPTY = frozenset({"ledger_entries", "transactions", "unallocated_artefacts"})
GENERATED_RECORDS = 3  # records a read-only collection without a data file holds
_USER_SCOPED = frozenset({"businesses", "user"})
_DEFAULTS: dict[str, dict[str, Any]] = {
    "tax_rates": {"is_visible": True, "retailer": False, "editable": False, "deletable": False},
    "ledger_accounts": {"included_in_chart": True, "fixed_tax_rate": False},
    "bank_accounts": {"balance": "0.00", "is_active": True, "editable": True, "deletable": False},
}
#: business_settings.default_ledger_accounts: each default by the control account it names.
_DEFAULT_ACCOUNTS = {
    "sales_ledger_account": "SALES",
    "product_sales_ledger_account": "SALES",
    "service_sales_ledger_account": "SALES",
    "other_receipt_ledger_account": "SALES",
    "sales_discount_ledger_account": "SALES_DISCOUNT",
    "purchase_ledger_account": "PURCHASES",
    "product_purchase_ledger_account": "PURCHASES",
    "service_purchase_ledger_account": "PURCHASES",
    "stock_purchase_ledger_account": "PURCHASES",
    "other_payment_ledger_account": "PURCHASES",
    "purchase_discount_ledger_account": "PURCHASE_DISCOUNT",
    "bank_charges_ledger_account": "BANK_CHARGES",
}
_PERIOD_COLUMNS = frozenset({"percentage", "from_date", "to_date", "components"})

#: Finds a ledger account of the business by nominal code: its link, or None.
AccountLookup = Callable[[int], dict[str, Any] | None]


@dataclass(frozen=True)
class Template:
    """One record of a new business: `key` None for a per-business id."""

    collection: str
    key: str | None
    display: str
    fields: dict[str, Any]


class Setup:
    """Builds new businesses from the data files; one per emulator, cached per country."""

    def __init__(self, spec: Spec, values: Values) -> None:
        self.spec = spec
        self.values = values
        self.templates = functools.lru_cache(maxsize=None)(self._templates)
        self._displays = functools.lru_cache(maxsize=None)(self._display_names)

    # --- what a new business holds ---------------------------------------------------------

    def _templates(self, country: str) -> tuple[Template, ...]:
        """Every record a new business of `country` starts with whose fields are the same in
        every business of the country, in creation order (reference first, then the chart)."""
        found: list[Template] = []
        files = set(reference.collections(country))
        for name, collection in self.spec.collections.items():
            if name in _USER_SCOPED or collection.get_op is None or name in STARTS_EMPTY:
                continue
            if name in files:
                if not self._per_business(country, name):
                    found.extend(self._from_rows(country, name))
            elif collection.create_op is None:
                found.extend(self._generated(country, name))
        return tuple(found)

    def per_business(self, country: str, lookup: AccountLookup) -> Iterator[Template]:
        """Records that link the business's own ledger accounts (bank accounts): built per
        business once its chart exists."""
        for name in reference.collections(country):
            if name in self.spec.collections and self._per_business(country, name):
                yield from self._from_rows(country, name, lookup)

    def _per_business(self, country: str, collection: str) -> bool:
        found = reference.rows(country, collection)
        return bool(found) and any(column.endswith("_nominal_code") for column in found[0])

    def _from_rows(
        self, country: str, collection: str, lookup: AccountLookup | None = None
    ) -> Iterator[Template]:
        rows = reference.rows(country, collection)
        if collection == "tax_rates":
            yield from self._tax_rates(country, rows)
            return
        for row in rows:
            fields = self._fields(country, collection, row, lookup)
            yield Template(collection, row.get("id") or None, _display(collection, row), fields)

    def _fields(
        self,
        country: str,
        collection: str,
        row: reference.Row,
        lookup: AccountLookup | None,
    ) -> dict[str, Any]:
        properties = self._properties(self.spec.collections[collection].item_schema)
        fields: dict[str, Any] = dict(_DEFAULTS.get(collection, {}))
        for column, text in row.items():
            if column in ("id", "displayed_as") or column in _PERIOD_COLUMNS:
                continue
            if column == "visible_in":
                words = set(text.split("|"))
                for name in properties:
                    if name.startswith("visible_in_"):
                        fields[name] = name.removeprefix("visible_in_") in words
            elif text == "":
                continue
            elif "." in column:
                outer, inner = column.split(".", 1)
                if outer in properties:
                    fields.setdefault(outer, {})[inner] = text
            elif column.endswith("_nominal_code") and lookup is not None:
                link = lookup(int(text))
                if link is not None and column.removesuffix("_nominal_code") in properties:
                    fields[column.removesuffix("_nominal_code")] = link
            elif column.endswith("_id") and column[:-3] in properties:
                fields[column[:-3]] = self.link(country, column[:-3], text)
            elif column in properties:
                fields[column] = _typed(properties[column], text)
        if collection == "ledger_accounts":
            fields["display_name"] = fields.get("name")
            fields["is_control_account"] = "control_name" in fields
        return fields

    def _tax_rates(self, country: str, rows: tuple[reference.Row, ...]) -> Iterator[Template]:
        """One tax rate per id, its `percentages` from the rows of its periods (in order)."""
        periods: dict[str, list[reference.Row]] = {}
        for row in rows:
            periods.setdefault(row["id"], []).append(row)
        made: dict[str, Template] = {}
        for key, own in periods.items():
            first, current = own[0], next((r for r in own if not r["to_date"]), own[-1])
            fields = self._fields(country, "tax_rates", first, None)
            fields["percentage"] = current["percentage"]
            fields["percentages"] = [
                {"percentage": r["percentage"], "from_date": r["from_date"] or None,
                 "to_date": r["to_date"] or None}
                for r in own
            ]  # fmt: skip
            parts = [made[part] for part in current.get("components", "").split("|") if part]
            fields["is_combined_rate"] = bool(parts)
            fields["component_tax_rates"] = [
                {"id": part.key, "displayed_as": part.display, "$path": f"/tax_rates/{part.key}",
                 **{name: part.fields[name] for name in ("name", "agency", "percentage")}}
                for part in parts
            ]  # fmt: skip
            made[key] = Template("tax_rates", key, first["displayed_as"], fields)
            yield made[key]

    def _generated(self, country: str, collection: str) -> Iterator[Template]:
        """Records no public material gives: generated, with ids shared by the country."""
        schema = self.spec.collections[collection].item_schema
        length = self.values.id_length(schema)
        for number in range(GENERATED_RECORDS):
            rng = random.Random(f"reference/{country}/{collection}/{number}")
            key = random_id(rng, length)
            display = f"{collection.replace('_', ' ').title()} {number + 1}"
            identity = Identity(key, f"/{collection}/{key}", display, "", "")
            fields = self.values.record(schema, identity, rng, NO_LINKS)
            for name in ("id", "$path", "displayed_as", "created_at", "updated_at"):
                fields.pop(name, None)
            yield Template(collection, key, display, fields)

    # --- links, the business, its settings -------------------------------------------------

    def link(self, country: str, field: str, key: str) -> dict[str, Any]:
        """`{id, displayed_as, $path}` of a reference record of the country."""
        collection = self.values.collection_for(field) or field
        display = self._displays(country, collection).get(key, key)
        return {"id": key, "displayed_as": display, "$path": f"/{collection}/{key}"}

    def _display_names(self, country: str, collection: str) -> dict[str, str]:
        return {
            row["id"]: _display(collection, row)
            for row in reference.rows(country, collection)
            if row.get("id")
        }

    def business_info(
        self,
        identity: Identity,
        rng: random.Random,
        country: str,
        edition: str,
    ) -> dict[str, Any]:
        """What `GET /businesses/{id}` answers: the country as Sage's country link, the
        subscription named after the edition."""
        info = self.values.record("Business", identity, rng, NO_LINKS)
        name = reference.country_row(country)["displayed_as"]
        info["country"] = {"id": country, "displayed_as": name}
        info["subscriptions"] = [
            {
                "id": random_id(rng),
                "displayed_as": EDITION_NAMES[edition],
                "created_at": identity.created_at,
                "updated_at": identity.updated_at,
                "active": True,
                "status": "ACTIVE",
            }
        ]
        info.update(is_demo=False, ni_based=False)
        return info

    def settings(self, name: str, country: str, lookup: Callable[[str], Any]) -> dict[str, Any]:
        """Fields a new business's settings singleton `name` holds from its reference data;
        `lookup(control_name)` links the ledger account with that control name."""
        if name == "financial_settings":
            currency = reference.country_row(country)["currency_id"]
            return {"base_currency": self.link(country, "currency", currency)}
        if name == "business_settings":
            defaults = {field: lookup(control) for field, control in _DEFAULT_ACCOUNTS.items()}
            return {"default_ledger_accounts": {k: v for k, v in defaults.items() if v}}
        return {}

    def _properties(self, schema_name: str) -> dict[str, Any]:
        return {
            name: self.spec.resolve(sub)[0]
            for name, sub in self.spec.schema(schema_name).get("properties", {}).items()
        }


def _display(collection: str, row: reference.Row) -> str:
    if collection == "ledger_accounts":
        return f"{row['name']} ({row['nominal_code']})"
    return row.get("displayed_as") or row.get("bank_account_details.account_name") or row["id"]


def _typed(schema: dict[str, Any], text: str) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        return text.lower() == "true"
    return text
