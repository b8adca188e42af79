"""Records of every business, kept lazily: a seeded record is only built when it is read."""

from __future__ import annotations

import bisect
import copy
import functools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._blanks import Blanks
from ._clock import iso_datetime
from ._merge import Merge
from ._reference import check_country, check_edition
from ._seeded import Seeded
from ._setup import Setup, Template
from ._spec import Spec
from ._values import NO_LINKS, Identity, Values, display_name, random_id

_IDENTITY = ("id", "displayed_as", "$path")
_TIMES = ("created_at", "updated_at")


@dataclass(slots=True)
class Record:
    collection: str
    id: str
    seq: int
    display: str
    created_at: float
    updated_at: float
    deleted_at: float | None = None
    data: dict[str, Any] | None = None  # None: the record is exactly what its seed generates
    template: dict[str, Any] | None = None  # a new business's record: shared fields, never changed


@dataclass
class Business:
    id: str
    info: dict[str, Any]
    country: str = "GB"
    edition: str = "plus"
    alive: dict[str, dict[str, Record]] = field(default_factory=dict)
    history: dict[str, list[Record]] = field(default_factory=dict)
    deleted: dict[str, list[Record]] = field(default_factory=dict)
    singletons: dict[str, dict[str, Any]] = field(default_factory=dict)


class Store:
    """All data of one emulated Sage user; every method is safe to call from many threads."""

    def __init__(
        self,
        spec: Spec,
        values: Values,
        seed: int,
        now: Callable[[], float],
        blanks: float = 0.0,
        setup: Setup | None = None,
    ) -> None:
        self.spec = spec
        self.setup = setup or Setup(spec, values)
        self.seeded = Seeded(self)
        self.blanks = Blanks(spec, blanks, seed)
        self.values = values
        self.seed_value = seed
        self.now = now
        self.lock = threading.RLock()
        self.businesses: dict[str, Business] = {}
        self.lead_business_id = ""
        self._seq = 0
        rng = self._rng("user", 0)
        user_id = random_id(rng)
        identity = self._identity(user_id, "/user", "Pat Example", now(), now())
        self.user = values.record("User", identity, rng, NO_LINKS)
        self.user.update(first_name="Pat", last_name="Example", initials="PE")

    # --- businesses ------------------------------------------------------------------------

    def add_business(self, name: str, country: str = "GB", edition: str = "plus") -> str:
        """A new business as Sage starts it in `country` on `edition` (`_setup.py`)."""
        known = check_edition(edition)
        check_country(country)
        with self.lock:
            index = len(self.businesses)
            rng = self._rng("business", index)
            business_id = random_id(rng)
            moment = self.now()
            identity = self._identity(
                business_id, f"/businesses/{business_id}", name, moment, moment
            )
            info = self.setup.business_info(identity, rng, country, known)
            business = Business(business_id, info, country=country, edition=known)
            self.businesses[business_id] = business
            if not self.lead_business_id:
                self.lead_business_id = business_id
            for template in self.setup.templates(country):
                self._add_template(business, template, moment)
            lookup = functools.partial(self.account_link, business, "nominal_code")
            for template in list(self.setup.per_business(country, lookup)):
                self._add_template(business, template, moment)
            return business_id

    def account_link(self, business: Business, field: str, value: Any) -> dict[str, Any] | None:
        """The link of the business's ledger account whose `field` is `value` (first found)."""
        for record in self.records(business, "ledger_accounts"):
            fields = record.data if record.data is not None else record.template
            if fields is None:
                fields = self.materialize(business, record)
            if fields.get(field) == value:
                return {
                    "id": record.id,
                    "displayed_as": record.display,
                    "$path": f"/ledger_accounts/{record.id}",
                }
        return None

    def business(self, business_id: str | None) -> Business | None:
        with self.lock:
            return self.businesses.get(business_id or self.lead_business_id)

    # --- records ---------------------------------------------------------------------------

    def seed(self, business: Business, collection: str, count: int) -> list[Record]:
        with self.lock:
            return self._add_lazy(business, collection, count, self.now())

    def create(self, business: Business, collection: str, fields: dict[str, Any]) -> Record:
        with self.lock:
            moment = self.now()
            record = self._new_record(business, collection, moment)
            data = self._finished(business, record, foreign=False)
            self._apply(business, data, fields, self.spec.collections[collection].item_schema)
            record.display = _display_of(data, record.display)
            data["displayed_as"] = record.display
            record.data = data
            self._insert(business, record)
            return record

    def update(self, business: Business, record: Record, fields: dict[str, Any]) -> Record:
        with self.lock:
            data = dict(self.materialize(business, record))
            self._apply(
                business, data, fields, self.spec.collections[record.collection].item_schema
            )
            record.updated_at = self.now()
            record.display = _display_of(data, record.display)
            if "displayed_as" in data:
                data["displayed_as"] = record.display
            if "updated_at" in data:
                data["updated_at"] = iso_datetime(record.updated_at)
            record.data = data
            return record

    def touch(self, business: Business, record: Record) -> Record:
        return self.update(business, record, {})

    def delete(self, business: Business, record: Record) -> None:
        with self.lock:
            business.alive[record.collection].pop(record.id, None)
            record.deleted_at = self.now()
            business.deleted.setdefault(record.collection, []).append(record)

    def get(self, business: Business, collection: str, key: str) -> Record | None:
        with self.lock:
            return business.alive.get(collection, {}).get(key)

    def records(self, business: Business, collection: str) -> list[Record]:
        """Live records in creation order (a snapshot)."""
        with self.lock:
            return list(business.alive.get(collection, {}).values())

    def deleted_records(self, business: Business, collection: str) -> list[Record]:
        with self.lock:
            return list(business.deleted.get(collection, []))

    def count(self, business: Business, collection: str) -> int:
        with self.lock:
            return len(business.alive.get(collection, {}))

    def materialize(self, business: Business, record: Record) -> dict[str, Any]:
        """The record's full content."""
        if record.data is not None:
            return record.data
        if record.template is not None:
            return self._from_template(record)
        return self._finished(business, record, foreign=True)

    def generate(
        self, business: Business, record: Record, skip: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """A seeded record as its seed makes it from the schema alone, without the fields in
        `skip` (`materialize` leaves out what `_seeded.py` then sets, to add up)."""
        identity = self._identity(
            record.id,
            f"/{record.collection}/{record.id}",
            record.display,
            record.created_at,
            record.updated_at,
        )
        rng = self._rng(f"{business.id}/{record.collection}", record.seq)
        links = _BusinessLinks(self, business, record.seq)
        schema = self.spec.collections[record.collection].item_schema
        return self.values.record(schema, identity, rng, links, skip)

    def _finished(self, business: Business, record: Record, foreign: bool) -> dict[str, Any]:
        rng = self._rng(f"{business.id}/{record.collection}/books", record.seq)
        generated = self.generate(business, record, self.seeded.skipped(record.collection))
        return self.seeded.finish(business, record, generated, rng, foreign)

    def served(self, business: Business, record: Record) -> dict[str, Any]:
        """The record as the API sends it: its content, an unset date or number of a seeded
        share of records as `""` (the `blanks` switch)."""
        data = self.materialize(business, record)
        schema = self.spec.collections[record.collection].item_schema
        return self.blanks.served(schema, record.id, data)

    def summary(self, record: Record) -> dict[str, Any]:
        return {
            "id": record.id,
            "displayed_as": record.display,
            "$path": f"/{record.collection}/{record.id}",
            "created_at": iso_datetime(record.created_at),
            "updated_at": iso_datetime(record.updated_at),
        }

    def tombstone(self, record: Record) -> dict[str, Any]:
        deleted_at = iso_datetime(record.deleted_at or 0.0)
        return {
            "id": record.id,
            "displayed_as": record.display,
            "$path": f"/{record.collection}/{record.id}",
            "deleted_at": deleted_at,
        }

    def link(self, business: Business, collection: str | None, key: str) -> dict[str, Any]:
        """`{id, displayed_as, $path}` of a record named by id (lenient: unknown ids are kept)."""
        found = self.get(business, collection, key) if collection else None
        display = found.display if found else key
        return {"id": key, "displayed_as": display, "$path": f"/{collection or 'records'}/{key}"}

    # --- singletons and user-level records -------------------------------------------------

    def singleton(self, business: Business, name: str) -> dict[str, Any]:
        with self.lock:
            current = business.singletons.get(name)
            if current is None:
                schema = self.spec.collections[name].item_schema
                rng = self._rng(f"{business.id}/{name}", 0)
                moment = self.now()
                identity = self._identity(random_id(rng), f"/{name}", name, moment, moment)
                links = _BusinessLinks(self, business, self._seq + 1)
                current = self.values.record(schema, identity, rng, links)
                lookup = functools.partial(self.account_link, business, "control_name")
                current.update(self.setup.settings(name, business.country, lookup))
                business.singletons[name] = current
            return current

    def update_singleton(
        self, business: Business | None, name: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            if name == "user":
                current, schema = self.user, "User"
            elif name == "businesses" and business is not None:
                current, schema = business.info, "Business"
            else:
                assert business is not None
                current, schema = (
                    self.singleton(business, name),
                    self.spec.collections[name].item_schema,
                )
            data = dict(current)
            self._apply(business, data, fields, schema)
            if "updated_at" in data:
                data["updated_at"] = iso_datetime(self.now())
            if name == "user":
                self.user = data
            elif name == "businesses" and business is not None:
                data["displayed_as"] = data.get("name") or data.get("displayed_as")
                business.info = data
            elif business is not None:
                business.singletons[name] = data
            return data

    # --- internals -------------------------------------------------------------------------

    def _rng(self, scope: str, seq: int) -> random.Random:
        return random.Random(f"{self.seed_value}/{scope}/{seq}")

    def _identity(
        self, key: str, path: str, display: str, created: float, updated: float
    ) -> Identity:
        return Identity(key, path, display, iso_datetime(created), iso_datetime(updated))

    def _new_record(self, business: Business, collection: str, moment: float) -> Record:
        self._seq += 1
        rng = self._rng(f"{business.id}/{collection}/identity", self._seq)
        length = self.values.id_length(self.spec.collections[collection].item_schema)
        key = random_id(rng, length)
        return Record(collection, key, self._seq, display_name(rng, self._seq), moment, moment)

    def _insert(self, business: Business, record: Record) -> None:
        business.alive.setdefault(record.collection, {})[record.id] = record
        business.history.setdefault(record.collection, []).append(record)

    def _add_template(self, business: Business, template: Template, moment: float) -> Record:
        record = self._new_record(business, template.collection, moment)
        if template.key is not None:
            record.id = template.key
        record.display = template.display
        record.template = template.fields
        self._insert(business, record)
        return record

    def _from_template(self, record: Record) -> dict[str, Any]:
        """A new business's record: its shared fields (a copy) and its own identity."""
        assert record.template is not None
        properties = self.spec.schema(self.spec.collections[record.collection].item_schema).get(
            "properties", {}
        )
        identity = (record.id, record.display, f"/{record.collection}/{record.id}")
        data = {
            name: value
            for name, value in zip(_IDENTITY, identity, strict=True)
            if name in properties
        }
        data.update(copy.deepcopy(record.template))
        for name, moment in zip(_TIMES, (record.created_at, record.updated_at), strict=True):
            if name in properties:
                data[name] = iso_datetime(moment)
        return data

    def _add_lazy(
        self, business: Business, collection: str, count: int, moment: float
    ) -> list[Record]:
        added = [self._new_record(business, collection, moment) for _ in range(count)]
        for record in added:
            self._insert(business, record)
        return added

    def _apply(
        self, business: Business | None, data: dict[str, Any], fields: dict[str, Any], schema: str
    ) -> None:
        self._seq += 1
        rng = self._rng("merge", self._seq)
        Merge(self, business, rng).into(data, fields, self.spec.schema(schema), 1)


class _BusinessLinks:
    """Links to records of one business that existed before the record being built."""

    def __init__(self, store: Store, business: Business, before_seq: int) -> None:
        self.store = store
        self.business = business
        self.before_seq = before_seq

    def _candidates(self, collection: str | None) -> list[Record]:
        if collection is None:
            return []
        history = self.business.history.get(collection, [])
        end = bisect.bisect_left(history, self.before_seq, key=lambda r: r.seq)
        return history[:end]

    def link(
        self, collection: str | None, hint: str, rng: random.Random, id_length: int = 32
    ) -> dict[str, Any]:
        candidates = self._candidates(collection)
        if candidates:
            target = candidates[rng.randrange(len(candidates))]
            return {
                "id": target.id,
                "displayed_as": target.display,
                "$path": f"/{target.collection}/{target.id}",
            }
        key = random_id(rng, id_length)
        return {
            "id": key,
            "displayed_as": display_name(rng, 0),
            "$path": f"/{collection or hint}/{key}",
        }

    def pick_id(self, collection: str | None, rng: random.Random) -> str:
        candidates = self._candidates(collection)
        return candidates[rng.randrange(len(candidates))].id if candidates else random_id(rng)


def _display_of(data: dict[str, Any], fallback: str) -> str:
    for name in ("name", "display_name", "reference", "description", "item_code"):
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return fallback
