"""The data commands of `sage-accounting`: `export RESOURCE` and `get PATH`, on the login's
token store."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .auth._oauth import TOKEN_URL
from .errors import SageAccountingError

if TYPE_CHECKING:
    from ._sage import SageAccounting

DEFAULT_STATE_FILE = Path("~/.config/sage-accounting/export-state.json")
API_BASE_URL = "https://api.accounting.sage.com/v3.1"
CLIENT_ID_ENV = "SAGE_CLIENT_ID"


def _connection(command: argparse.ArgumentParser, token_file: Path, secret_env: str) -> None:
    command.add_argument("--token-file", type=Path, default=token_file)
    command.add_argument("--business-id", help="X-Business (default: the lead business)")
    command.add_argument(
        "--client-id",
        default=os.environ.get(CLIENT_ID_ENV),
        help=f"the app's client id, to refresh the token (default ${CLIENT_ID_ENV})",
    )
    command.add_argument(
        "--client-secret-env",
        default=secret_env,
        help=f"environment variable holding the client secret (default {secret_env})",
    )
    command.add_argument("--base-url", default=API_BASE_URL, help=argparse.SUPPRESS)
    command.add_argument("--token-url", default=TOKEN_URL, help=argparse.SUPPRESS)


def add_data_commands(commands: Any, token_file: Path, secret_env: str) -> None:
    export = commands.add_parser(
        "export", help="write every record of a resource to stdout (jsonl or csv)"
    )
    export.add_argument("resource", help="e.g. contacts, sales_invoices, ledger_accounts")
    export.add_argument("--since", help="only records changed since (YYYY-MM-DD or date-time)")
    export.add_argument(
        "--resume", action="store_true", help="continue from the watermark of the last export"
    )
    export.add_argument("--state", type=Path, default=DEFAULT_STATE_FILE, help="watermark file")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--output", type=Path, help="write here instead of stdout")
    export.add_argument("--concurrency", type=int, default=8, help="pages fetched at once")
    export.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    _connection(export, token_file, secret_env)
    get = commands.add_parser("get", help="print the JSON answer of one API path")
    get.add_argument("path", help="e.g. /contacts/KEY or /financial_settings")
    _connection(get, token_file, secret_env)


def connected(args: argparse.Namespace) -> SageAccounting | None:
    """The client a data command's connection options describe (`sync` uses it too), or None,
    said on stderr, when the token file holds no token."""
    from ._sage import SageAccounting
    from .auth._store import FileTokenStore

    store = FileTokenStore(args.token_file)
    if store.load() is None:
        print(f"error: no token in {store.path}: run `sage-accounting login`", file=sys.stderr)
        return None
    return SageAccounting(
        client_id=args.client_id,
        client_secret=os.environ.get(args.client_secret_env) or None,
        token_store=store,
        business_id=args.business_id,
        base_url=args.base_url,
        token_url=args.token_url,
    )


def run_connected(args: argparse.Namespace, work: Callable[[SageAccounting], int]) -> int:
    """`work(client)` on the client a command's connection options describe, as an exit
    status: 2 without a token, 1 (the error on stderr) where the API or a file fails."""
    try:
        client = connected(args)
        if client is None:
            return 2
        with client as sage:
            return work(sage)
    except (SageAccountingError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run_data_command(args: argparse.Namespace) -> int:
    from ._export import WatermarkState, export, get_json, parse_since

    def work(sage: SageAccounting) -> int:
        if args.command == "get":
            print(get_json(sage, args.path))
            return 0
        since = parse_since(args.since) if args.since else None
        out = args.output.open("w", encoding="utf-8", newline="") if args.output else None
        try:
            records, deleted, watermark = export(
                sage,
                args.resource,
                out or sys.stdout,
                fmt=args.format,
                since=since,
                resume=args.resume,
                state=WatermarkState(args.state),
                concurrency=args.concurrency,
                progress=not args.no_progress,
            )
        finally:
            if out is not None:
                out.close()
        mark = f"; watermark {watermark.isoformat()} saved to {args.state}" if watermark else ""
        print(f"exported {records} record(s), {deleted} deletion(s){mark}", file=sys.stderr)
        return 0

    return run_connected(args, work)
