"""What dlt would otherwise redo many times in one run, done once: the destination's
capabilities worked out, and (DuckDB) the database file opened.

dlt asks a destination factory for its capabilities a dozen times per run, and each time
resolves the destination's configuration again from the providers (environment, toml files)
to adjust them; a DuckDB file is opened and closed again for every step (restore, each query
of ours, the load's start, its jobs, its end: six times a run, ~35 ms of CPU each). Within a
run neither changes. This module is the one place the sync adapts dlt for that, on a copy of
the destination that lives for one run: the user's factory is left as it is, and the
configuration and credentials are still resolved the dlt way (.dlt/secrets.toml, env vars).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dlt.common.destination import Destination
from dlt.common.destination.configuration import ParquetFormatConfiguration


class RunDestination:
    """The destination of one run (`destination`), and `held()`: a block in which a DuckDB
    file of the sync's own (`duckdb:///FILE`) stays open; outside it (while Sage is read)
    the file is closed, as dlt leaves it, for other programs to open."""

    def __init__(self, target: Any, duckdb_file: str | None = None) -> None:
        destination: Any = copy.copy(Destination.from_reference(target))
        destination.config_params = dict(destination.config_params)  # the copy's own
        _capabilities_once(destination)
        self.destination: Any = destination
        self.duckdb_file = duckdb_file

    @contextmanager
    def held(self) -> Iterator[None]:
        if self.duckdb_file is None:
            yield
            return
        import duckdb

        params = self.destination.config_params
        path = params.get("credentials")
        # dlt's documented way: a connection as credentials is used by every step, not closed
        connection = duckdb.connect(self.duckdb_file)
        params["credentials"] = connection
        try:
            yield
        finally:
            params["credentials"] = path
            connection.close()


def _capabilities_once(destination: Any) -> None:
    """Capabilities without an explicit configuration (dlt then resolves one partly, each
    time) are worked out once per kind of naming convention; each caller gets its own copy,
    which it may adjust."""
    worked_out = type(destination).capabilities
    known: dict[Any, Any] = {}

    local = destination.destination_type == "dlt.destinations.duckdb"

    def capabilities(config: Any = None, naming: Any = None) -> Any:
        if config is not None:
            return _parquet_for(worked_out(destination, config, naming), local)
        # what dlt's adjustment reads of a naming convention: its name and case sensitivity
        key = None if naming is None else (type(naming), naming.name(), naming.is_case_sensitive)
        if key not in known:
            known[key] = _parquet_for(worked_out(destination, None, naming), local)
        return copy.copy(known[key])

    destination.capabilities = capabilities


def _parquet_for(capabilities: Any, local: bool) -> Any:
    """DuckDB reads a load's Parquet files from this disk once, right after they are written,
    and the run deletes them once loaded: uncompressed, they cost less to write and to read
    (on the bench's first sync, 2-5% of its time in paired rounds). A compression configured
    the dlt way (`[data_writer] compression`) still wins; a destination that uploads the files
    keeps dlt's default."""
    if local and capabilities.parquet_format is None:
        capabilities.parquet_format = ParquetFormatConfiguration(compression="none")
    return capabilities
