"""Step 4 (end): the patched spec must validate as OpenAPI 3; each spec is validated once.

openapi-spec-validator takes seconds on our spec, and its answer depends only on the spec and
the validator's version. So a spec that passed leaves a marker named by the sha256 of both,
and the next run with the same spec skips the check. A spec not yet validated is validated in
a child process while the pipeline goes on (`Validation`), on the other core.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .spec import PROJECT_ROOT

CACHE_DIR = PROJECT_ROOT / "build" / "cache" / "validated"
# The validator and the libraries its answer comes from.
_VALIDATOR_DISTRIBUTIONS = (
    "openapi-spec-validator",
    "openapi-schema-validator",
    "jsonschema",
    "jsonschema-path",
    "jsonschema-specifications",
    "referencing",
)


def cache_key(spec: dict[str, Any]) -> str:
    """sha256 of the validator's versions and the spec exactly as it is (key order included)."""
    digest = hashlib.sha256()
    for name in _VALIDATOR_DISTRIBUTIONS:
        digest.update(f"{name}=={_version(name)}\n".encode())
    digest.update(json.dumps(spec, ensure_ascii=False, separators=(",", ":")).encode())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:  # a later validator may not need it: then it is no input
        return "absent"


def validate(spec: dict[str, Any]) -> None:
    """openapi-spec-validator's check: raises its error for a spec that is not valid."""
    from openapi_spec_validator import validate as check  # seconds to import: only when needed

    check(spec)


def _validate_in_child(spec: dict[str, Any]) -> None:
    try:
        validate(spec)
    except Exception:
        sys.exit(1)  # quietly: the parent validates again to raise the error itself


class Validation:
    """The validation of `spec`: already known to pass, or running (in a child process unless
    `background` is false; `cache_dir=None`: always run, remember nothing)."""

    def __init__(
        self, spec: dict[str, Any], *, cache_dir: Path | None = CACHE_DIR, background: bool = True
    ) -> None:
        self._spec = spec
        self._cache_dir = cache_dir
        self._key = cache_key(spec)
        self.cached = cache_dir is not None and (cache_dir / self._key).is_file()
        self.cached_before = self.cached
        self._process: multiprocessing.process.BaseProcess | None = None
        if not self.cached and background:
            # A forked child shares the spec; spawn (where fork is missing) pickles it over.
            if "fork" in multiprocessing.get_all_start_methods():
                process: multiprocessing.process.BaseProcess = multiprocessing.get_context(
                    "fork"
                ).Process(target=_validate_in_child, args=(spec,), daemon=True)
            else:
                process = multiprocessing.get_context("spawn").Process(
                    target=_validate_in_child, args=(spec,), daemon=True
                )
            process.start()
            self._process = process

    def wait(self) -> None:
        """Return once the spec is known to be valid; raise the validator's error if it is not."""
        if self.cached:
            return
        if self._process is None:
            validate(self._spec)
        else:
            self._process.join()
            passed = self._process.exitcode == 0
            self._process = None
            if not passed:
                validate(self._spec)  # raises here; passes only if the child died otherwise
        self._remember()
        self.cached = True

    def _remember(self) -> None:
        if self._cache_dir is None:
            return
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._cache_dir, prefix=".marker.")
        os.close(fd)
        os.replace(tmp, self._cache_dir / self._key)


def validate_once(spec: dict[str, Any], *, cache_dir: Path | None = CACHE_DIR) -> None:
    """Validate `spec` unless this very spec passed before (then return at once).

    `cache_dir=None` validates in any case and remembers nothing.
    """
    Validation(spec, cache_dir=cache_dir, background=False).wait()
