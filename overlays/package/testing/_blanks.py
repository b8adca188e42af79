"""Empty strings for unset dates and numbers, as the live API sends in some records.

A client that talks to the live API meets `"updated_at": ""`, `"date": ""` or
`"total_amount": ""` where the spec says date, date-time or decimal (the field is unset). The
emulator keeps such fields as null; for a seeded share of records it sends each unset one of
them as `""` instead, so that a client's read-modify-write of those records meets them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ._spec import Spec

_BLANKABLE_FORMATS = frozenset({"date", "date-time", "decimal"})


def check_share(share: float) -> float:
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ValueError(f"blanks must be a share of records between 0 and 1, not {share!r}")
    return float(share)


class Blanks:
    """Which records are sent with `""` for their unset dates and numbers, and which fields."""

    def __init__(self, spec: Spec, share: float, seed: int) -> None:
        self.share = check_share(share)
        self._spec = spec
        self._seed = seed
        self._fields: dict[str, tuple[str, ...]] = {}

    def fields(self, schema_name: str) -> tuple[str, ...]:
        """The nullable date, date-time and decimal properties of a schema."""
        names = self._fields.get(schema_name)
        if names is None:
            properties = self._spec.schema(schema_name).get("properties", {})
            names = tuple(
                name
                for name, prop in properties.items()
                if isinstance(prop, dict)
                and prop.get("nullable")
                and prop.get("format") in _BLANKABLE_FORMATS
            )
            self._fields[schema_name] = names
        return names

    def chosen(self, record_id: str) -> bool:
        if self.share <= 0.0:
            return False
        digest = hashlib.sha256(f"blanks/{self._seed}/{record_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") < self.share * 2**64

    def served(self, schema_name: str, record_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """`data` as sent: a chosen record's unset blankable fields as `""` (a copy)."""
        if not self.chosen(record_id):
            return data
        unset = [name for name in self.fields(schema_name) if name in data and data[name] is None]
        if not unset:
            return data
        return {**data, **dict.fromkeys(unset, "")}
