"""Which tables a run may append to: those that hold no row of the businesses it reads.

A first load merged (delete-insert) copies every row into a staging table and merges it into
the dataset, nearly twice the work of appending it: and with no row of these businesses in
the table there is nothing to merge with. The destination is asked (not dlt's local state,
which a deleted pipelines folder or an interrupted run leaves behind the rows), after what an
interrupted run left was loaded; when it cannot be asked, the run merges, which is always
right.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any

from dlt.destinations.exceptions import DatabaseUndefinedRelation

from ._table import BUSINESS_ID, Table

logger = logging.getLogger("sage_accounting")


def appendable(
    pipeline: Any, tables: Sequence[Table], businesses: Collection[str]
) -> frozenset[str]:
    """The names of `tables` whose table and line tables in the pipeline's dataset do not
    exist or hold no row of `businesses` (lines go as their records do)."""
    if not tables or not businesses:
        return frozenset()
    names = [table.name for table in tables]
    try:
        with pipeline.sql_client() as client:
            if not client.has_dataset():
                return frozenset(names)
            everything = [*names, *(child.table for table in tables for child in table.children)]
            held = _holding(client, everything, businesses)
    except Exception as exc:  # not a SQL destination, or it would not say: merge
        logger.debug("rows merged: the destination did not say which tables are empty (%s)", exc)
        return frozenset()
    return frozenset(
        table.name
        for table in tables
        if table.name not in held and not any(child.table in held for child in table.children)
    )


def _holding(client: Any, tables: Sequence[str], businesses: Collection[str]) -> set[str]:
    """The tables holding a row of `businesses`: one query, or one per table when one of
    them does not exist yet."""
    literal = client.capabilities.escape_literal
    if literal is None:
        return set(tables)  # no way to spell the ids here: every table merges
    ids = ", ".join(literal(business) for business in sorted(businesses))
    column = client.escape_column_name(BUSINESS_ID)

    def holds(table: str) -> str:
        found = f"SELECT 1 FROM {client.make_qualified_table_name(table)} WHERE {column} IN ({ids})"
        return f"SELECT {literal(table)} WHERE EXISTS ({found})"

    try:
        rows = client.execute_sql(" UNION ALL ".join(holds(table) for table in tables))
        return {str(row[0]) for row in rows or []}
    except DatabaseUndefinedRelation:
        pass
    held = set()
    for table in tables:
        try:
            if client.execute_sql(holds(table)):
                held.add(table)
        except DatabaseUndefinedRelation:
            continue  # not created yet: nothing to merge with
    return held


def held_keys(
    pipeline: Any,
    tables: Sequence[Table],
    businesses: Collection[str],
    appends: Collection[str],
    marked: Callable[[str, str], bool],
) -> dict[tuple[str, str], frozenset[str]]:
    """The ids each business's rows have in each table it will read from the start although
    the table holds its rows (no watermark: dlt's state was lost, another pipeline wrote them),
    by (business, table). What that read does not find again was deleted in Sage meanwhile:
    the reader removes it, as a later run would have from Sage's list of deletions."""
    wanted = [
        (table, [business for business in sorted(businesses) if not marked(business, table.name)])
        for table in tables
        if table.keyed and table.changes and table.name not in appends
    ]
    wanted = [(table, chosen) for table, chosen in wanted if chosen]
    if not wanted:
        return {}
    held: dict[tuple[str, str], set[str]] = {}
    try:
        opened = pipeline.sql_client()
    except Exception as exc:  # not a SQL destination: nothing to ask (appendable merges too)
        logger.debug("rows of earlier runs not listed: the destination has no SQL (%s)", exc)
        return {}
    try:
        with opened as client:
            literal = client.capabilities.escape_literal
            if literal is None:
                return {}
            business_column = client.escape_column_name(BUSINESS_ID)
            id_column = client.escape_column_name("id")
            for table, chosen in wanted:
                ids = ", ".join(literal(business) for business in chosen)
                name = client.make_qualified_table_name(table.name)
                sql = (
                    f"SELECT {business_column}, {id_column} FROM {name} "
                    f"WHERE {business_column} IN ({ids})"
                )
                try:
                    rows = client.execute_sql(sql) or []
                except DatabaseUndefinedRelation:
                    continue  # not created yet: nothing held
                for business, key in rows:
                    held.setdefault((str(business), table.name), set()).add(str(key))
    except Exception as exc:  # it would not say
        logger.warning(
            "the destination did not list the rows a read from the start replaces (%s): "
            "records Sage deleted before this run stay until a full refresh",
            exc,
        )
        return {}
    return {where: frozenset(keys) for where, keys in held.items()}
