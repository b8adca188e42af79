"""Plausible, schema-valid values for records and request bodies, reproducible from a seed."""

from __future__ import annotations

import base64
import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from ._spec import Schema, Spec

MAX_DEPTH = 2  # embedded objects below this depth are left out, as Sage leaves them unexpanded
_OMIT: Any = object()
_ADJECTIVES = (
    "Amber", "Brisk", "Cedar", "Dapper", "Early", "Fable", "Granite", "Harbour", "Indigo",
    "Juniper", "Kestrel", "Linden", "Meadow", "Northern", "Orchard", "Pioneer", "Quarry",
    "Riverside", "Summit", "Thistle", "Upland", "Valley", "Willow", "Yeoman",
)  # fmt: skip
_NOUNS = (
    "Bakery", "Builders", "Cafe", "Consulting", "Design", "Electrical", "Farm", "Garage",
    "Holdings", "Imports", "Joinery", "Kitchens", "Logistics", "Motors", "Nursery", "Optics",
    "Plumbing", "Printing", "Supplies", "Textiles", "Travel", "Works",
)  # fmt: skip
_EPOCH_DAY = datetime.date(2025, 1, 1)


def random_id(rng: random.Random, length: int = 32) -> str:
    """32 hex characters, as Sage's ids (fewer where a schema limits the id's length)."""
    return f"{rng.getrandbits(128):032x}"[:length]


def display_name(rng: random.Random, seq: int) -> str:
    return f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {seq}"


def decimal_text(rng: random.Random, cents_below: int = 10_000_00) -> str:
    cents = rng.randrange(cents_below)
    return f"{cents // 100}.{cents % 100:02d}"


def _top_field(name: str, identity: Identity) -> Any:
    if name == "id":
        return identity.id
    if name == "$path":
        return identity.path
    if name == "displayed_as":
        return identity.displayed_as
    if name == "created_at":
        return identity.created_at
    if name == "updated_at":
        return identity.updated_at
    if name == "deleted_at":
        return None
    return _OMIT


class Links(Protocol):
    """Where related records come from: real records of the business when there are some."""

    def link(
        self, collection: str | None, hint: str, rng: random.Random, id_length: int = 32
    ) -> dict[str, Any]: ...

    def pick_id(self, collection: str | None, rng: random.Random) -> str: ...


Maker = Callable[[random.Random, "Links"], Any]


@dataclass(frozen=True)
class Identity:
    """The top-level fields every record carries."""

    id: str
    path: str
    displayed_as: str
    created_at: str
    updated_at: str


class Values:
    """Generates records (response shapes) and bodies (request shapes) from the spec's schemas."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._collections = {
            name for name, c in spec.collections.items() if not c.is_singleton and c.get_op
        }
        self._plans: dict[tuple[str, int], list[tuple[str, Maker]]] = {}
        self.related = lru_cache(maxsize=None)(self._related)
        self.collection_for = lru_cache(maxsize=None)(self._collection_for)

    # --- records -------------------------------------------------------------------------

    def record(
        self,
        schema_name: str,
        identity: Identity | None,
        rng: random.Random,
        links: Links,
        skip: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """A complete record of `schema_name`; `identity` fills id, $path, names and times.
        Fields in `skip` are left out (the caller sets them)."""
        result: dict[str, Any] = {}
        for name, make in self._plan(schema_name, 0):
            if name in skip:
                continue
            value = _top_field(name, identity) if identity else _OMIT
            if value is _OMIT:
                value = make(rng, links)
            if value is not _OMIT:
                result[name] = value
        if identity is not None and "name" in result and isinstance(result["name"], str):
            limit = self.spec.schema(schema_name)["properties"]["name"].get("maxLength", 200)
            result["name"] = identity.displayed_as[:limit]
        return result

    def _plan(self, schema_name: str, depth: int) -> list[tuple[str, Maker]]:
        """How to make each property of a schema at a depth, worked out once."""
        key = (schema_name, depth)
        plan = self._plans.get(key)
        if plan is None:
            schema = self.spec.schema(schema_name)
            plan = [
                (name, self._maker(name, sub, depth))
                for name, sub in schema.get("properties", {}).items()
            ]
            self._plans[key] = plan
        return plan

    def _maker(self, name: str, schema: Schema, depth: int) -> Maker:
        resolved, ref = self.spec.resolve(schema)
        kind = resolved.get("type", "object" if "properties" in resolved else None)
        if kind == "object":
            related, collection = self.related(name, ref)
            if related:
                length = self.id_length(ref) if ref else 32
                return lambda rng, links: links.link(collection, name, rng, length)
            if depth >= MAX_DEPTH or ref is None:
                return lambda rng, links: _OMIT
            return self._embedded(ref, depth + 1)
        if kind == "array":
            item = self._maker(name, resolved.get("items", {}), depth)

            def array(rng: random.Random, links: Links) -> Any:
                value = item(rng, links)
                return [] if value is _OMIT else [value]

            return array
        return scalar_maker(name, resolved)

    def id_length(self, schema_name: str) -> int:
        """How long ids of a schema's records are: 32, or less where the schema says so."""
        key = self.spec.schema(schema_name).get("properties", {}).get("id", {})
        return min(32, int(key.get("maxLength", 32)))

    def _embedded(self, ref: str, depth: int) -> Maker:
        length = self.id_length(ref)

        def embedded(rng: random.Random, links: Links) -> Any:
            result: dict[str, Any] = {}
            for name, make in self._plan(ref, depth):
                value = random_id(rng, length) if name == "id" else make(rng, links)
                if value is not _OMIT:
                    result[name] = value
            return result

        return embedded

    def _related(self, name: str, ref: str | None) -> tuple[bool, str | None]:
        """Whether a nested object is a related record (shown as a link), and its collection."""
        if ref is not None and ref in self.spec.collection_of_schema:
            return True, self.spec.collection_of_schema[ref]
        if ref == "Base":
            return True, self.collection_for(name)
        return False, None

    def _collection_for(self, name: str) -> str | None:
        """The collection a field name points at: `default_sales_tax_rate` -> `tax_rates`."""
        words = name.removesuffix("_ids").removesuffix("_id").split("_")
        for start in range(len(words)):
            tail = "_".join(words[start:])
            forms = [tail, tail + "s", tail + "es"]
            if tail.endswith("y"):
                forms.append(tail[:-1] + "ies")
            for form in forms:
                if form in self._collections:
                    return form
        return None

    # --- request bodies --------------------------------------------------------------------

    def body(self, schema: Schema, rng: random.Random, links: Links, minimal: bool) -> Any:
        """A valid value for a request schema: ids of related records come from `links`."""
        return self._body("", schema, 0, rng, links, minimal)

    def _body(
        self, name: str, schema: Schema, depth: int, rng: random.Random, links: Links, minimal: bool
    ) -> Any:
        resolved, _ = self.spec.resolve(schema)
        kind = resolved.get("type", "object" if "properties" in resolved else None)
        if kind == "object":
            required = set(resolved.get("required", []))
            result: dict[str, Any] = {}
            for prop, sub in resolved.get("properties", {}).items():
                if prop in required or (not minimal and depth < MAX_DEPTH):
                    value = self._body(prop, sub, depth + 1, rng, links, minimal)
                    if value is not _OMIT:
                        result[prop] = value
            return result
        if kind == "array":
            item = self._body(name, resolved.get("items", {}), depth, rng, links, minimal)
            return [] if item is _OMIT else [item]
        if kind == "string" and name.endswith(("_id", "_ids")) and "format" not in resolved:
            return links.pick_id(self.collection_for(name), rng)
        return scalar(name, resolved, rng)


def scalar(name: str, schema: Schema, rng: random.Random) -> Any:
    return scalar_maker(name, schema)(rng, NO_LINKS)


def scalar_maker(name: str, schema: Schema) -> Maker:
    """A maker of values for a scalar schema (the field name picks plausible text)."""
    kind = schema.get("type")
    if kind == "boolean":
        return lambda rng, links: rng.random() < 0.5
    if kind in ("integer", "number"):
        low = int(schema.get("minimum", 1))
        high = int(schema.get("maximum", max(low, 1) * 100))
        return lambda rng, links: rng.randint(low, high)
    if kind != "string":
        return lambda rng, links: _OMIT
    if "enum" in schema:
        options = list(schema["enum"])
        return lambda rng, links: rng.choice(options)
    fmt = schema.get("format")
    if fmt == "decimal":
        return lambda rng, links: decimal_text(rng)
    if fmt == "date":
        return lambda rng, links: (
            _EPOCH_DAY + datetime.timedelta(days=rng.randrange(365))
        ).isoformat()
    if fmt == "date-time":
        return lambda rng, links: _datetime_text(rng)
    text = _text_maker(name)
    limit = schema.get("maxLength")
    if limit is None:
        return lambda rng, links: text(rng)
    return lambda rng, links: text(rng)[:limit]


def _datetime_text(rng: random.Random) -> str:
    day = _EPOCH_DAY + datetime.timedelta(days=rng.randrange(365))
    return f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"


def _text_maker(name: str) -> Callable[[random.Random], str]:
    for suffix, make in _NAMED:
        if name.endswith(suffix):
            return make
    return lambda rng: f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS).lower()}"


_NAMED: tuple[tuple[str, Callable[[random.Random], str]], ...] = (
    ("email", lambda r: f"{r.choice(_ADJECTIVES).lower()}{r.randrange(1000)}@example.com"),
    ("website", lambda r: f"https://{r.choice(_NOUNS).lower()}.example.com"),
    ("url", lambda r: f"https://{r.choice(_NOUNS).lower()}.example.com/{r.randrange(1000)}"),
    ("telephone", lambda r: f"01{r.randrange(10**8, 10**9)}"),
    ("mobile", lambda r: f"07{r.randrange(10**8, 10**9)}"),
    ("postal_code", lambda r: f"AB{r.randrange(1, 99)} {r.randrange(1, 9)}CD"),
    ("locale", lambda r: "en-GB"),
    ("reference", lambda r: f"R{r.randrange(10**6):06d}"),
    ("code", lambda r: f"{r.randrange(1000, 9999)}"),
    ("mime_type", lambda r: "application/pdf"),
    ("href", lambda r: f"/records/{r.getrandbits(128):032x}"),
    ("file_name", lambda r: f"document-{r.randrange(1000)}.pdf"),
    ("file_extension", lambda r: ".pdf"),
    ("file", lambda r: base64.b64encode(r.randbytes(24)).decode("ascii")),
)


class _NoLinks:
    def link(
        self, collection: str | None, hint: str, rng: random.Random, id_length: int = 32
    ) -> dict[str, Any]:
        key = random_id(rng, id_length)
        return {"id": key, "displayed_as": display_name(rng, 0), "$path": f"/{hint}/{key}"}

    def pick_id(self, collection: str | None, rng: random.Random) -> str:
        return random_id(rng)


NO_LINKS = _NoLinks()
