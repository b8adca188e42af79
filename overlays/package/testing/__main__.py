"""`python -m sage_accounting.testing`: serve a seeded emulator for apps in any language."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from ._app import NOT_OFFERED
from ._availability import COUNTRIES, EDITIONS
from ._emulator import SageEmulator


def _count(text: str) -> tuple[str, int]:
    name, _, number = text.partition("=")
    if not name or not number.isdigit():
        raise argparse.ArgumentTypeError("expected COLLECTION=COUNT, e.g. sales_invoices=200")
    return name, int(number)


def main(argv: Sequence[str] | None = None, stop: threading.Event | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sage_accounting.testing",
        description="Serve the Sage Accounting emulator on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--contacts", type=int, default=0, help="contacts to seed")
    parser.add_argument(
        "--records", type=_count, action="append", default=[], metavar="COLLECTION=COUNT"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    parser.add_argument("--token-ttl", type=float, default=300.0, help="access token life")
    parser.add_argument("--concurrency-limit", type=int, default=150)
    parser.add_argument("--links", choices=("relative", "absolute", "mixed"), default="relative")
    parser.add_argument("--country", choices=COUNTRIES, default="GB", help="the business's")
    parser.add_argument("--edition", choices=EDITIONS, default="plus", help="the business's")
    parser.add_argument(
        "--not-offered",
        choices=[str(choice) for choice in NOT_OFFERED],
        default="auto",
        help="what a collection the country or edition lacks answers",
    )
    args = parser.parse_args(argv)

    fake = SageEmulator(
        seed=args.seed,
        access_token_ttl=args.token_ttl,
        concurrency_limit=args.concurrency_limit,
        latency=args.latency,
        links=args.links,
        country=args.country,
        edition=args.edition,
        not_offered={str(choice): choice for choice in NOT_OFFERED}[args.not_offered],
    )
    for collection, count in [("contacts", args.contacts), *args.records]:
        if count:
            fake.seed(collection, count, full=False)
    token = fake.issue_token()
    with fake.serve(host=args.host, port=args.port) as base_url:
        # A test tool: printing a ready token is the point.
        print(f"Sage emulator: base URL {base_url}", flush=True)
        print(f"  token URL     {fake.token_url}")
        print(f"  authorize URL {fake.authorize_url}")
        print(f"  client        {fake.client_id} / {fake.client_secret}")
        print(f"  access token  {token['access_token']}")
        print(f"  refresh token {token['refresh_token']}")
        print(
            f"  business      {fake.lead_business_id} ({args.country}, {args.edition})", flush=True
        )
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
