"""What one synced table is: its columns' kinds (from the spec) and how it is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dlt.common.schema.typing import TColumnSchema

from ..errors import SageAccountingError

DELETED = "_sage_deleted"  # hard-delete flag: a row carrying it removes the row of its key
BUSINESS_ID = "business_id"  # the business a row was read for: first column of every key
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


def _hard_delete(append: bool) -> TColumnSchema:
    """The flag column; appended, it is plain (dlt heeds the flag only when it merges)."""
    return TColumnSchema(name=DELETED, data_type="bool", nullable=True, hard_delete=not append)


def _key(name: str, kind: str, *, merge: bool) -> TColumnSchema:
    """A not-null key column; `merge_key` is always stated, so a run that changes it (a full
    refresh) is undone by the next."""
    hint = column_hint(name, kind, nullable=False)
    hint["primary_key"] = True
    hint["merge_key"] = merge
    return hint


@dataclass(frozen=True)
class Child:
    """The lines of a record (`invoice_lines`, ...): rows of `table`, one per line."""

    field: str
    table: str
    columns: Mapping[str, str]

    def hints(self, *, whole: bool, append: bool = False) -> dict[str, TColumnSchema]:
        """Keyed (business_id, parent_id, line_number). Read whole, a business's lines replace
        all its lines (merge key business_id); else a record's replace its own (+ parent_id).
        `append`: the rows are appended (the table holds none of the business's)."""
        hints = {
            BUSINESS_ID: _key(BUSINESS_ID, "text", merge=True),
            PARENT_ID: _key(PARENT_ID, "text", merge=not whole),
            LINE_NUMBER: _key(LINE_NUMBER, "bigint", merge=False),
            **column_hints(self.columns),
        }
        # A line's own id stays nullable: a hard-delete row has none (explicit, or dlt would
        # carry over the parent table's not-null id).
        hints[DELETED] = _hard_delete(append)
        return hints


@dataclass(frozen=True)
class Table:
    """One collection: merged on (business_id, id) when it tracks changes, else its business's
    rows are replaced on every sync (merged on business_id, other businesses' rows stay)."""

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

    def hints(self, *, whole: bool, append: bool = False) -> dict[str, TColumnSchema]:
        """`whole`: this run reads the business's records whole and replaces its rows;
        `append`: the rows are appended (the table holds none of the business's)."""
        hints = {BUSINESS_ID: _key(BUSINESS_ID, "text", merge=whole), **column_hints(self.columns)}
        if self.keyed:
            hints["id"] = _key("id", "text", merge=False)
        else:  # exchange rates have no id: a business's rows are only ever replaced whole
            hints[BUSINESS_ID]["primary_key"] = False
        hints[DELETED] = _hard_delete(append)
        return hints

    def key(self) -> list[str]:
        return [BUSINESS_ID, "id"] if self.keyed else []
