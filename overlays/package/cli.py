"""The `sage-accounting` command: `login` (browser consent into a token store), `export`
(a resource as JSON lines or CSV, resumable from the last watermark), `get` (one path as
JSON), `attach` / `download` (attachments as files), `sync` (the books into a database)
and `mcp` (the books as tools for an AI agent)."""

from __future__ import annotations

import argparse
import getpass
import html
import http.server
import os
import sys
import threading
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path

from .auth._oauth import AUTHORIZATION_URL, COUNTRIES, SCOPES, TOKEN_URL, OAuth2Flow
from .auth._store import FileTokenStore
from .errors import SageAccountingError

DEFAULT_TOKEN_FILE = Path("~/.config/sage-accounting/token.json")
SECRET_ENV = "SAGE_CLIENT_SECRET"


class _CallbackServer(http.server.HTTPServer):
    callback: str | None = None
    received = threading.Event()


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        if not self.path.startswith("/callback"):
            self.send_error(404)
            return
        self.server.callback = f"http://127.0.0.1:{self.server.server_port}{self.path}"
        body = (
            "<!doctype html><title>sage-accounting</title>"
            f"<p>{html.escape('Login received: you can close this window.')}</p>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.received.set()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the callback URL holds the authorization code."""


def login(
    *,
    client_id: str,
    client_secret: str,
    token_file: Path,
    redirect_port: int = 8765,
    scope: str = "full_access",
    country: str | None = None,
    authorize_url: str = AUTHORIZATION_URL,
    token_url: str = TOKEN_URL,
    timeout: float = 300.0,
    open_browser: Callable[[str], object] = webbrowser.open,
    out: Callable[[str], None] = print,
) -> FileTokenStore:
    """Run the consent in a browser, receive the callback on 127.0.0.1, save the token."""
    store = FileTokenStore(token_file)
    store.load()  # a broken token file fails now, before a consent is spent on it
    server = _CallbackServer(("127.0.0.1", redirect_port), _CallbackHandler)
    server.received = threading.Event()
    port = server.server_port
    redirect_uri = f"http://127.0.0.1:{port}/callback"
    thread = threading.Thread(target=server.serve_forever, name="sage-login-callback", daemon=True)
    thread.start()
    try:
        flow = OAuth2Flow(
            client_id,
            client_secret,
            redirect_uri,
            scope,
            authorization_url=authorize_url,
            token_url=token_url,
        )
        url, state = flow.authorization_url(country=country)
        out(f"Opening the Sage consent page; if no browser opens, visit:\n  {url}")
        open_browser(url)
        if not server.received.wait(timeout):
            raise SageAccountingError(f"no login callback on {redirect_uri} within {timeout:.0f}s")
        assert server.callback is not None
        token = flow.exchange(server.callback, state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    store.save(token, replaces=store.load())
    out(f"Logged in. Token saved to {store.path} (mode 0600).")
    return store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sage-accounting", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    login_cmd = commands.add_parser("login", help="consent in a browser and store the token")
    login_cmd.add_argument("--client-id", required=True)
    login_cmd.add_argument(
        "--client-secret-env",
        default=SECRET_ENV,
        help=f"environment variable holding the client secret (default {SECRET_ENV}); "
        "asked for on the terminal when unset",
    )
    login_cmd.add_argument("--redirect-port", type=int, default=8765)
    login_cmd.add_argument("--scope", choices=SCOPES, default="full_access")
    login_cmd.add_argument("--country", choices=COUNTRIES)
    login_cmd.add_argument("--token-file", type=Path, default=DEFAULT_TOKEN_FILE)
    login_cmd.add_argument("--no-browser", action="store_true", help="only print the URL")
    login_cmd.add_argument("--timeout", type=float, default=300.0)
    login_cmd.add_argument("--authorize-url", default=AUTHORIZATION_URL, help=argparse.SUPPRESS)
    login_cmd.add_argument("--token-url", default=TOKEN_URL, help=argparse.SUPPRESS)
    from ._cli_data import add_data_commands

    add_data_commands(commands, DEFAULT_TOKEN_FILE, SECRET_ENV)
    from ._cli_attachments import add_attachment_commands

    add_attachment_commands(commands, DEFAULT_TOKEN_FILE, SECRET_ENV)
    from ._cli_sync import add_sync_command

    add_sync_command(commands, DEFAULT_TOKEN_FILE, SECRET_ENV)
    from ._cli_mcp import add_mcp_command

    add_mcp_command(commands, DEFAULT_TOKEN_FILE, SECRET_ENV)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    open_browser: Callable[[str], object] | None = None,
) -> int:
    args = _parser().parse_args(argv)
    if args.command == "sync":
        from ._cli_sync import run_sync_command

        return run_sync_command(args)
    if args.command in ("attach", "download"):
        from ._cli_attachments import run_attachment_command

        return run_attachment_command(args)
    if args.command == "mcp":
        from ._cli_mcp import run_mcp_command

        return run_mcp_command(args)
    if args.command != "login":
        from ._cli_data import run_data_command

        return run_data_command(args)
    secret = os.environ.get(args.client_secret_env) or ""
    if not secret and sys.stdin.isatty():
        secret = getpass.getpass("Client secret: ")
    if not secret:
        print(f"error: set {args.client_secret_env} to the app's client secret", file=sys.stderr)
        return 2
    browser = open_browser or ((lambda url: None) if args.no_browser else webbrowser.open)
    try:
        login(
            client_id=args.client_id,
            client_secret=secret,
            token_file=args.token_file,
            redirect_port=args.redirect_port,
            scope=args.scope,
            country=args.country,
            authorize_url=args.authorize_url,
            token_url=args.token_url,
            timeout=args.timeout,
            open_browser=browser,
            out=lambda line: print(line, file=sys.stderr),
        )
    except (SageAccountingError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
