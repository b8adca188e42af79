"""`sage-accounting attach FILE --to TYPE/ID` and `sage-accounting download KEY [-o PATH]`, on
the login's token store (the connection options of the data commands)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._cli_data import _connection, run_connected

if TYPE_CHECKING:
    from ._sage import SageAccounting


def add_attachment_commands(commands: Any, token_file: Path, secret_env: str) -> None:
    attach = commands.add_parser(
        "attach", help="upload a file as an attachment of a record (at most Sage's limit)"
    )
    attach.add_argument("file", type=Path, help="the file to upload")
    attach.add_argument(
        "--to",
        required=True,
        metavar="TYPE/ID",
        help="the record, e.g. purchase_invoices/KEY or PURCHASE_INVOICE/KEY",
    )
    attach.add_argument("--name", help="the file name Sage stores (default: the file's)")
    attach.add_argument("--mime-type", help="default: guessed from the name")
    attach.add_argument("--description")
    _connection(attach, token_file, secret_env)
    download = commands.add_parser("download", help="save an attachment's file")
    download.add_argument("key", help="the attachment's id")
    download.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("."),
        help="a file, or a directory for the attachment's own name (default: here)",
    )
    _connection(download, token_file, secret_env)


def run_attachment_command(args: argparse.Namespace) -> int:
    if args.command == "download":
        return run_connected(args, lambda sage: _download(sage, args))
    kind, _, key = args.to.rpartition("/")
    if not kind or not key:
        print(f"error: --to {args.to!r} is not TYPE/ID", file=sys.stderr)
        return 2
    return run_connected(args, lambda sage: _attach(sage, args, (kind.strip("/"), key)))


def _attach(sage: SageAccounting, args: argparse.Namespace, to: tuple[str, str]) -> int:
    created = sage.attachments.upload(
        args.file,
        to=to,
        file_name=args.name,
        mime_type=args.mime_type,
        description=args.description,
    )
    print(created.id)
    print(f"attached {args.file} to {args.to} as {created.id}", file=sys.stderr)
    return 0


def _download(sage: SageAccounting, args: argparse.Namespace) -> int:
    size = sage.attachments.download(args.key, to=args.output)
    print(f"downloaded {size} bytes of {args.key} into {args.output}", file=sys.stderr)
    return 0
