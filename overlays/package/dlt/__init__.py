"""The books in a database: a dlt source over a `SageAccounting` client, and `sync()`.

    pip install "sage-accounting[sync]"      # dlt, DuckDB and pyarrow; the core never imports them

    from sage_accounting.dlt import sync
    summary = sync(sage, "duckdb:///books.duckdb")      # or postgresql://..., or a dlt Destination
    print(summary.text())

or, inside a pipeline of your own: `pipeline.run(sage_source(sage, ["contacts"]))`. One table
per collection the API can list (`TABLES`, generated from the spec); see the guide "Keeping the
books in a database".
"""

from __future__ import annotations

from ._run import DEFAULT_DATASET, DEFAULT_DESTINATION, SyncSummary, destination_of, sync
from ._source import TableCount, Tally, sage_source, tables_named
from ._table import DELETED, LINE_NUMBER, PARENT_ID, Child, SyncError, Table
from ._tables import TABLES

__all__ = [
    "DEFAULT_DATASET",
    "DEFAULT_DESTINATION",
    "DELETED",
    "LINE_NUMBER",
    "PARENT_ID",
    "TABLES",
    "Child",
    "SyncError",
    "SyncSummary",
    "Table",
    "TableCount",
    "Tally",
    "destination_of",
    "sage_source",
    "sync",
    "tables_named",
]
