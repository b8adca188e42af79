"""What one synced table is: its columns' kinds (from the spec) and how it is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dlt.common.schema.typing import TColumnSchema

from ..errors import SageAccountingError

DELETED = "_sage_deleted"  # hard-delete flag: a row carrying it removes the row of its key
PARENT_ID = "parent_id"
LINE_NUMBER = "line_number"
DECIMAL_PRECISION, DECIMAL_SCALE = 38, 9


class SyncError(SageAccountingError):
    """A sync cannot run as asked, or a value does not fit its column."""


def column_hint(name: str, kind: str, *, nullable: bool = True) -> TColumnSchema:
    """The dlt column schema of a column of `kind` (a kind of generator/sync_tables.py)."""
    hint = TColumnSchema(name=name, nullable=nullable)
    if kind == "decimal":
        hint["data_type"] = "decimal"
        hint["precision"], hint["scale"] = DECIMAL_PRECISION, DECIMAL_SCALE
    elif kind == "timestamp":
        hint["data_type"], hint["timezone"] = "timestamp", True
    elif kind in ("ref", "json"):
        hint["data_type"] = "json"
    elif kind in ("text", "bool", "bigint", "date"):
        hint["data_type"] = kind  # type: ignore[typeddict-item]  # checked: a dlt data type
    else:
        raise SyncError(f"column {name}: no column kind {kind!r}")
    return hint


def column_hints(columns: Mapping[str, str]) -> dict[str, TColumnSchema]:
    """dlt column schemas for `{name: kind}`; a `ref` also gets its `<name>_id` text column."""
    hints: dict[str, TColumnSchema] = {}
    for name, kind in columns.items():
        hints[name] = column_hint(name, kind)
        if kind == "ref":
            hints[f"{name}_id"] = column_hint(f"{name}_id", "text")
    return hints


def _hard_delete() -> TColumnSchema:
    return TColumnSchema(name=DELETED, data_type="bool", nullable=True, hard_delete=True)


@dataclass(frozen=True)
class Child:
    """The lines of a record (`invoice_lines`, ...): rows of `table`, one per line."""

    field: str
    table: str
    columns: Mapping[str, str]

    def hints(self, *, merged: bool) -> dict[str, TColumnSchema]:
        hints = {
            PARENT_ID: column_hint(PARENT_ID, "text", nullable=False),
            LINE_NUMBER: column_hint(LINE_NUMBER, "bigint", nullable=False),
            **column_hints(self.columns),
        }
        # A line's own id stays nullable: a hard-delete row has none (explicit, or dlt would
        # carry over the parent table's not-null id).
        if merged:
            hints[DELETED] = _hard_delete()
        return hints


@dataclass(frozen=True)
class Table:
    """One collection: merged on `id` when it tracks changes, else replaced on every sync."""

    name: str
    keyed: bool
    attributes: bool  # the list takes `attributes` (asked for "all": a complete copy)
    changes: bool
    deletions: bool
    columns: Mapping[str, str]
    children: tuple[Child, ...] = field(default=())

    @property
    def merged(self) -> bool:
        return self.changes

    def hints(self) -> dict[str, TColumnSchema]:
        hints = column_hints(self.columns)
        if self.keyed:
            hints["id"] = column_hint("id", "text", nullable=False)
            hints["id"]["primary_key"] = True
        if self.merged:
            hints[DELETED] = _hard_delete()
        return hints
