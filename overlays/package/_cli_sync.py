"""`sage-accounting sync`: the business's books into DuckDB (default), Postgres or a warehouse,
on the login's token store. dlt is imported only when the command runs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._cli_data import _connection, run_connected

if TYPE_CHECKING:
    from ._sage import SageAccounting

DEFAULT_TO = "duckdb:///books.duckdb"


def add_sync_command(commands: Any, token_file: Path, secret_env: str) -> None:
    sync = commands.add_parser(
        "sync",
        help="copy the books into a database: everything the first time, then only changes",
    )
    sync.add_argument(
        "--to",
        default=DEFAULT_TO,
        help=f"duckdb:///FILE, postgresql://USER:PASSWORD@HOST/DB or a configured dlt "
        f"destination name (default {DEFAULT_TO}, a file in the current folder)",
    )
    sync.add_argument("--collections", help="comma-separated, e.g. contacts,sales_invoices")
    sync.add_argument(
        "--full-refresh", action="store_true", help="drop these tables and load them anew"
    )
    sync.add_argument("--dataset", default="sage", help="schema of the tables (default sage)")
    sync.add_argument("--concurrency", type=int, default=8, help="pages fetched at once")
    sync.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    sync.add_argument("--pipelines-dir", type=Path, help=argparse.SUPPRESS)
    _connection(sync, token_file, secret_env)
    sync.add_argument(
        "--business",
        dest="business_id",
        help="the business id (X-Business); 'all': every business the login reaches; or "
        "comma-separated ids (exit status 1 if any of them fails, the others are synced)",
    )
    sync.add_argument(
        "--parallel",
        type=int,
        default=4,
        help="collections read at once, and businesses at once within each",
    )
    sync.add_argument(
        "--adopt",
        metavar="BUSINESS_ID",
        help="the business whose rows a dataset of an earlier release holds, when it cannot tell",
    )


def run_sync_command(args: argparse.Namespace) -> int:
    # dlt reports usage to its makers unless told not to: this command does not, unless asked.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

    try:
        from .dlt import sync
    except ImportError as exc:
        print(
            f"error: {exc.name or 'dlt'} is missing: pip install 'sage-accounting[sync]'",
            file=sys.stderr,
        )
        return 2
    collections = (
        [name.strip() for name in args.collections.split(",")] if args.collections else None
    )
    if collections is not None and not all(collections):
        print(f"error: --collections {args.collections!r} has an empty name", file=sys.stderr)
        return 2
    businesses = _businesses(args.business_id)
    if businesses is not None:
        args.business_id = None  # each business gets its own X-Business

    def work(sage: SageAccounting) -> int:
        summary = sync(
            sage,
            args.to,
            collections=collections,
            businesses=businesses,
            full_refresh=args.full_refresh,
            dataset=args.dataset,
            pipelines_dir=args.pipelines_dir,
            concurrency=args.concurrency,
            parallel=args.parallel,
            progress=not args.no_progress,
            adopt=args.adopt,
        )
        print(summary.text(), file=sys.stderr)
        return 1 if summary.failed else 0

    return run_connected(args, work)


def _businesses(value: str | None) -> str | list[str] | None:
    """`--business all` or `a,b`: several businesses (None: the one business, or the lead)."""
    if value is None or (value != "all" and "," not in value):
        return None
    if value == "all":
        return "all"
    return [key.strip() for key in value.split(",") if key.strip()]
