"""The pipeline's command line: see `python -m generator --help`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .codegen import CodegenError
from .convert import ConversionError
from .errata import ErratumDidNothing
from .layout import GENERATED
from .merge import MergeConflict
from .pipeline import run
from .spec import DEFAULT_SPEC_DIR, PINS_FILE, SpecError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="Regenerate the sage_accounting client from Sage's published spec.",
    )
    parser.add_argument(
        "--spec-dir",
        type=Path,
        default=DEFAULT_SPEC_DIR,
        help=f"folder holding the published spec files (default: {DEFAULT_SPEC_DIR})",
    )
    parser.add_argument(
        "--accept-new-spec",
        action="store_true",
        help="accept spec files whose sha256 differs from spec/pins.json and rewrite the pins",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail listing every file of generated/ that differs from the output",
    )
    parser.add_argument(
        "--allow-unneeded-errata",
        action="store_true",
        help="with --accept-new-spec only (update-spec passes it): an erratum that changes "
        "nothing is logged instead of failing the build",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write build/cache (validation and ruff results of earlier runs)",
    )
    parser.add_argument("--target", type=Path, default=GENERATED, help=argparse.SUPPRESS)
    parser.add_argument("--pins", type=Path, default=PINS_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.allow_unneeded_errata and (args.check or not args.accept_new_spec):
        # The pinned build stays strict: an upstream fix must retire its patch.
        parser.error("--allow-unneeded-errata needs --accept-new-spec and no --check")
    try:
        diffs = run(
            spec_dir=args.spec_dir,
            accept_new_spec=args.accept_new_spec,
            check=args.check,
            target=args.target,
            pins_file=args.pins,
            unneeded_errata_ok=args.allow_unneeded_errata,
            use_cache=not args.no_cache,
        )
    except (SpecError, ConversionError, MergeConflict, ErratumDidNothing, CodegenError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if diffs:
            print(f"generated/ differs from the pipeline's output in {len(diffs)} file(s):")
            for line in diffs:
                print(f"  {line}")
            print("Run `nox -s generate` and commit the result.")
            return 1
        print("generated/ is exactly what the pipeline produces.")
        return 0
    print(f"generated/: {len(diffs)} file(s) changed" if diffs else "generated/: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
