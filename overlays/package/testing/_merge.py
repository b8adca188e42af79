"""Request fields written into a stored record: `x_id` becomes the link `x`, objects merge
deeply, array items get their own ids; computed and identity fields are never written."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ._spec import ref_name
from ._validate import check
from ._values import random_id

if TYPE_CHECKING:
    from ._store import Business, Store

_PROTECTED = frozenset({"id", "$path", "created_at", "updated_at", "deleted_at", "displayed_as"})


class Merge:
    """Writes request fields into a record: `x_id` becomes the link `x`, objects merge deeply."""

    def __init__(self, store: Store, business: Business | None, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.spec = store.spec
        self.business = business

    def into(self, data: dict[str, Any], fields: dict[str, Any], schema: Any, depth: int) -> None:
        properties = schema.get("properties", {})
        for name, value in fields.items():
            if name in _PROTECTED:
                continue
            if name in properties:
                merged = self._value(name, data.get(name), value, properties[name], depth)
                if merged is None and ref_name(properties[name]) is not None:
                    data.pop(name, None)  # a null nested record is left out, as Sage does
                elif not check(self.spec, merged, properties[name], name):
                    data[name] = merged
            elif name.endswith("_id") and name[:-3] in properties and isinstance(value, str):
                data[name[:-3]] = self._link(name[:-3], value)
            elif name.endswith("_ids") and isinstance(value, list):
                target = name[:-4] + "s"
                if target in properties:
                    data[target] = [self._link(target, str(v)) for v in value]

    def _value(self, name: str, current: Any, value: Any, schema: Any, depth: int) -> Any:
        resolved, ref = self.spec.resolve(schema)
        kind = resolved.get("type", "object" if "properties" in resolved else None)
        related, _ = self.store.values.related(name, ref)
        if kind == "object" and isinstance(value, dict):
            if related:
                return current
            merged = dict(current) if isinstance(current, dict) else {}
            self.into(merged, value, resolved, depth + 1)
            return merged
        if kind == "array" and isinstance(value, list):
            item_schema = resolved.get("items", {})
            item_resolved, item_ref = self.spec.resolve(item_schema)
            if "properties" not in item_resolved:
                return value
            if self.store.values.related(name, item_ref)[0]:
                return current
            items: list[Any] = []
            for entry in value:
                item: dict[str, Any] = {}
                if "id" in item_resolved.get("properties", {}) and item_ref is not None:
                    item["id"] = random_id(self.rng, self.store.values.id_length(item_ref))
                if isinstance(entry, dict):
                    self.into(item, entry, item_resolved, depth + 1)
                items.append(item)
            return items
        return value

    def _link(self, name: str, key: str) -> dict[str, Any]:
        collection = self.store.values.collection_for(name)
        if self.business is None:
            return {"id": key, "displayed_as": key, "$path": f"/{collection or name}/{key}"}
        return self.store.link(self.business, collection, key)
