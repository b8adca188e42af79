"""`sage-accounting mcp`: the books as tools for an AI agent (Model Context Protocol), on the
login's token store. The MCP SDK is imported only when the command runs."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._cli_data import _connection, run_connected

if TYPE_CHECKING:
    from ._sage import SageAccounting


def add_mcp_command(commands: Any, token_file: Path, secret_env: str) -> None:
    mcp = commands.add_parser(
        "mcp", help="serve the books to an AI agent over MCP (stdio, or --http on 127.0.0.1)"
    )
    mcp.add_argument(
        "--allow-writes",
        action="store_true",
        help="offer the write tools (create, update, delete, release, ...); each takes dry_run",
    )
    mcp.add_argument(
        "--expose",
        help="comma-separated collections whose tools are listed directly besides the "
        "discovery tools (all: every tool, which costs an agent many tokens)",
    )
    mcp.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    mcp.add_argument("--port", type=int, default=8000, help="the HTTP port (default 8000)")
    _connection(mcp, token_file, secret_env)
    mcp.add_argument("--business", dest="business_id", help="the default business (X-Business)")


def run_mcp_command(args: argparse.Namespace) -> int:
    # stdout carries the protocol: every log line goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    # The client's own notes (waits on limits, refused businesses); httpx's request lines with
    # their queries (search terms, names) stay out.
    logging.getLogger("sage_accounting").setLevel(logging.INFO)
    try:
        from .mcp_server import build_server, serve
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    expose = [name.strip() for name in (args.expose or "").split(",") if name.strip()]

    def work(sage: SageAccounting) -> int:
        try:
            server = build_server(sage, allow_writes=args.allow_writes, expose=expose)
            serve(server, http=args.http, port=args.port)
        except ValueError as exc:  # an --expose name the server does not know
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            pass
        return 0

    return run_connected(args, work)
