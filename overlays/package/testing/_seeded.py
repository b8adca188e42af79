"""Seeded documents that add up: what `fake.seed` generates for a document, made consistent.

A generated sales or purchase invoice, credit note, quote, estimate or quick entry gets 1 to 3
lines drawn from the business's own chart (accounts offered for sales, or for expenses, with
their default tax rate, now and then another rate of the country), a quantity, a unit price
and sometimes a discount; then the books (`books.document_amounts`) work out every line's and
the document's amounts on its date, in its currency and in base currency. An invoice, credit
note or quick entry is unpaid: outstanding is its total, status UNPAID, nothing allocated.

Seeded documents are opening history: they are not in the ledger until the books first use
one (a payment or allocation names it, it is updated or voided); then it posts as on its date
(`_bookkeeping.Bookkeeping.adopt`). A seeded contact owes nothing yet (`balance` 0.00): its
balance is what the ledger holds for it, like every contact's.
"""

from __future__ import annotations

import datetime
import functools
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import _reference as reference
from ._values import random_id
from .books import BookError, document_amounts, quick_entry_amounts, ref_id, settled_fields
from .books._kinds import DOCUMENTS, QUICK_ENTRIES, quick_entry_kind
from .books._ledger import PURCHASE, SALES, ArtefactKind

if TYPE_CHECKING:
    from ._store import Business, Record, Store

#: Generated amounts no rule of the books makes (CIS, shipping, withholding, what was paid):
#: a seeded document has none of them.
_UNSET = (
    "cis_applicable_amount", "base_currency_cis_applicable_amount", "total_after_cis_deduction",
    "base_currency_total_after_cis_deduction", "total_itc_amount", "base_currency_total_itc_amount",
    "total_itr_amount", "base_currency_total_itr_amount", "withholding_tax_rate",
    "withholding_tax_amount", "base_currency_withholding_tax_amount", "shipping_net_amount",
    "shipping_tax_rate", "shipping_tax_amount", "shipping_total_amount",
    "base_currency_shipping_net_amount", "base_currency_shipping_tax_amount",
    "base_currency_shipping_total_amount", "gst_amount", "pst_amount", "transaction",
    "void_reason", "payments_allocations_total_amount", "payments_allocations_total_discount",
    "total_paid", "tax_amount", "total_amount", "detailed_tax_analysis",
)  # fmt: skip
_EMPTIED = (
    "shipping_tax_breakdown", "base_currency_shipping_tax_breakdown", "payments_allocations",
    "corrections", "tax_breakdown", "base_currency_tax_breakdown",
)  # fmt: skip
#: A line's fields the books compute (or that a seeded line leaves out: no tax breakdowns).
_LINE_COMPUTED = frozenset(
    {
        "net_amount", "tax_amount", "total_amount", "discount_amount", "discount_percentage",
        "base_currency_unit_price", "base_currency_net_amount", "base_currency_tax_amount",
        "base_currency_total_amount", "base_currency_discount_amount", "tax_breakdown",
        "base_currency_tax_breakdown",
    }
)  # fmt: skip
_ABSENT: Any = object()
FOREIGN_SHARE = 0.2  # seeded documents in another currency than the business's
DISCOUNTS = ("5.00", "10.00", "12.50")  # a line's discount_percentage, on one line in five
TERMS = datetime.timedelta(days=30)  # due (or, for a quote, expiring) 30 days after its date

Account = tuple[dict[str, Any], "str | None"]  # a ledger account's link, its default tax rate


class Seeded:
    """Makes the generated documents of one store add up (`Store.materialize` calls `finish`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._accounts: dict[tuple[str, str], tuple[Account, ...]] = {}
        self._rates: dict[str, dict[str, dict[str, Any]]] = {}  # business: its reference rates
        self._rate_ids: dict[str, tuple[str, ...]] = {}
        self._cleared: dict[str, tuple[tuple[str, Any], ...]] = {}
        self._skipped: dict[str, frozenset[str]] = {}

    def skipped(self, collection: str) -> frozenset[str]:
        """What the generator need not make for a record of `collection`: `finish` sets it."""
        found = self._skipped.get(collection)
        if found is None:
            found = frozenset()
            if collection in DOCUMENTS or collection in QUICK_ENTRIES:
                found = frozenset(name for name, _ in self._cleared_fields(collection))
                found |= {"tax_analysis"}
                if collection in QUICK_ENTRIES or DOCUMENTS[collection].kind is not None:
                    found |= {"status"}  # an artefact's status is worked out (UNPAID)
            self._skipped[collection] = found
        return found

    def finish(
        self,
        business: Business,
        record: Record,
        data: dict[str, Any],
        rng: random.Random,
        foreign: bool = True,
    ) -> dict[str, Any]:
        """`data`, generated for `record`, made consistent (the same for the same seed); not
        `foreign`: in the business's currency (the base a create's fields are written over)."""
        collection = record.collection
        if collection == "contacts":
            if "balance" in data:
                data["balance"] = "0.00"
            return data
        if collection not in DOCUMENTS and collection not in QUICK_ENTRIES:
            return data
        side = QUICK_ENTRIES.get(collection) or (PURCHASE if "purchase" in collection else SALES)
        self._clear(collection, data)
        self._dates(data)
        self._currency(business, data, rng, foreign)
        try:
            if collection in DOCUMENTS:
                document = DOCUMENTS[collection]
                lines = data.get(document.lines_key)
                template = lines[0] if isinstance(lines, list) and lines else {}
                count = rng.randint(1, 3)
                data[document.lines_key] = [
                    self._line(business, side, template, rng) for _ in range(count)
                ]
                computed, _ = document_amounts(data, document.lines_key, self._rate(business))
                kind = document.kind
            else:
                self._quick_entry(business, side, data, rng)
                computed, _ = quick_entry_amounts(data, self._rate(business))
                kind = quick_entry_kind(side, ref_id(data, "quick_entry_type"))
        except BookError:
            return data  # a chart the books cannot read (no such business in Sage's data)
        if kind is not None:
            self._unpaid(business, kind, computed)
        return computed

    # --- parts of a document -------------------------------------------------------------------

    def _cleared_fields(self, collection: str) -> tuple[tuple[str, Any], ...]:
        """The fields of the collection's schema a seeded document has none of, each with its
        value: [] for a list, None for a nullable number or text, `_ABSENT` for a link (a null
        link, `oneOf` a record, fails validators)."""
        cleared = self._cleared.get(collection)
        if cleared is None:
            schema = self.store.spec.collections[collection].item_schema
            properties = self.store.spec.schema(schema).get("properties", {})
            found: list[tuple[str, Any]] = []
            for name in (*_UNSET, *_EMPTIED):
                prop = properties.get(name)
                if prop is None:
                    continue
                if name in _EMPTIED:
                    found.append((name, ()))
                elif prop.get("nullable") and "type" in prop:
                    found.append((name, None))
                else:
                    found.append((name, _ABSENT))
            cleared = self._cleared[collection] = tuple(found)
        return cleared

    def _clear(self, collection: str, data: dict[str, Any]) -> None:
        for name, value in self._cleared_fields(collection):
            if value is _ABSENT:
                data.pop(name, None)
            else:
                data[name] = [] if value == () else None

    def _dates(self, data: dict[str, Any]) -> None:
        try:
            day = datetime.date.fromisoformat(str(data.get("date")))
        except ValueError:
            return
        for name in ("due_date", "expiry_date"):
            if name in data:
                data[name] = (day + TERMS).isoformat()

    def _currency(
        self, business: Business, data: dict[str, Any], rng: random.Random, foreign: bool
    ) -> None:
        """Mostly the business's own currency (rate 1); a share in the currency the generator
        drew, at a rate between 0.5 and 2 (the emulator's choice: no market rates)."""
        base = _base_currency(business.country)
        drawn = data.get("currency")
        drawn_id = drawn.get("id") if isinstance(drawn, dict) else None
        drawn_foreign = rng.random() < FOREIGN_SHARE
        rate = Decimal(rng.randint(5_000, 20_000)) / 10_000
        if foreign and drawn_foreign and drawn_id not in (None, base):
            data["exchange_rate"] = str(rate)
            return
        if "currency" in data:
            data["currency"] = self.store.setup.link(business.country, "currency", base)
        data["exchange_rate"] = "1"

    def _line(
        self, business: Business, side: str, template: dict[str, Any], rng: random.Random
    ) -> dict[str, Any]:
        line = {name: value for name, value in template.items() if name not in _LINE_COMPUTED}
        if "id" in template:
            line["id"] = random_id(rng)
        self._account_and_rate(business, side, line, rng)
        line["quantity"] = str(rng.randint(1, 12))
        line["unit_price"] = _price(rng)
        line["unit_price_includes_tax"] = False
        if rng.random() < 0.2:
            line["discount_percentage"] = rng.choice(DISCOUNTS)
        return line

    def _quick_entry(
        self, business: Business, side: str, data: dict[str, Any], rng: random.Random
    ) -> None:
        self._account_and_rate(business, side, data, rng)
        data["net_amount"] = _price(rng)

    def _account_and_rate(
        self, business: Business, side: str, item: dict[str, Any], rng: random.Random
    ) -> None:
        """An account of the chart offered for the side, and its default rate (one time in
        four another rate of the country); what was generated where the chart offers none."""
        accounts = self._chart(business, side)
        if accounts:
            link, rate_id = accounts[rng.randrange(len(accounts))]
            item["ledger_account"] = dict(link)
        else:
            rate_id = ref_id(item, "tax_rate")
        rates = self._usable_rates(business)
        if rates and (rate_id not in rates or rng.random() < 0.25):
            rate_id = rates[rng.randrange(len(rates))]
        if rate_id in rates:
            item["tax_rate"] = self.store.link(business, "tax_rates", str(rate_id))
        else:
            item.pop("tax_rate", None)  # a country without rates (US): no tax

    def _unpaid(self, business: Business, kind: ArtefactKind, computed: dict[str, Any]) -> None:
        total = Decimal(str(computed["total_amount"]))
        rate = Decimal(str(computed["exchange_rate"]))
        computed.update(settled_fields(total, (), rate))
        if "transaction_type" in computed:
            computed["transaction_type"] = self.store.setup.link(
                business.country, "transaction_type", kind.transaction_type_id
            )

    # --- the business's chart and rates (its reference records only: the same every time) ------

    def _chart(self, business: Business, side: str) -> tuple[Account, ...]:
        found = self._accounts.get((business.id, side))
        if found is None:
            offered = "visible_in_sales" if side == SALES else "visible_in_expenses"
            found = tuple(
                (
                    {"id": r.id, "displayed_as": r.display, "$path": f"/ledger_accounts/{r.id}"},
                    ref_id(r.template, "tax_rate"),
                )
                for r in self.store.records(business, "ledger_accounts")
                if r.template is not None and r.template.get(offered)
            )
            self._accounts[(business.id, side)] = found
        return found

    def _reference_rates(self, business: Business) -> dict[str, dict[str, Any]]:
        """The tax rates the business started with that have a percentage, by id (read only)."""
        found = self._rates.get(business.id)
        if found is None:
            found = {
                r.id: r.template
                for r in self.store.records(business, "tax_rates")
                if r.template is not None and r.template.get("percentage") not in (None, "")
            }
            self._rates[business.id] = found
        return found

    def _usable_rates(self, business: Business) -> tuple[str, ...]:
        found = self._rate_ids.get(business.id)
        if found is None:
            found = self._rate_ids[business.id] = tuple(self._reference_rates(business))
        return found

    def _rate(self, business: Business) -> Any:
        reference_rates = self._reference_rates(business)

        def lookup(key: str) -> dict[str, Any] | None:
            found = reference_rates.get(key)
            if found is not None:
                return found
            record = self.store.get(business, "tax_rates", key)
            return None if record is None else self.store.materialize(business, record)

        return lookup


@functools.cache
def _base_currency(country: str) -> str:
    return reference.country_row(country)["currency_id"]


def _price(rng: random.Random) -> str:
    cents = rng.randrange(100, 1_500_00)
    return f"{cents // 100}.{cents % 100:02d}"
