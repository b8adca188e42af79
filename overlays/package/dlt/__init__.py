"""The books in a database: a dlt source over a `SageAccounting` client, and `sync()`.

    pip install "sage-accounting[sync]"      # dlt, DuckDB and pyarrow; the core never imports them

    from sage_accounting.dlt import sync
    summary = sync(sage, "duckdb:///books.duckdb")      # or postgresql://..., or a dlt Destination
    print(summary.text())
    sync(sage, "duckdb:///books.duckdb", businesses="all")  # every business the login reaches

or, inside a pipeline of your own: `pipeline.run(sage_source(sage, ["contacts"]))`. One table
per collection the API can list (`TABLES`, generated from the spec), keyed by business: see the
guide "Keeping the books in a database".
"""

from __future__ import annotations

from ._run import DEFAULT_DATASET, DEFAULT_DESTINATION, destination_of, sync
from ._source import sage_source, tables_named
from ._summary import BusinessSummary, SyncSummary
from ._table import BUSINESS_ID, DELETED, LINE_NUMBER, PARENT_ID, Child, SyncError, Table
from ._tables import TABLES
from ._tally import Business, TableCount, Tally

__all__ = [
    "BUSINESS_ID",
    "DEFAULT_DATASET",
    "DEFAULT_DESTINATION",
    "DELETED",
    "LINE_NUMBER",
    "PARENT_ID",
    "TABLES",
    "Business",
    "BusinessSummary",
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
