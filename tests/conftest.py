"""Shared fixtures: where the published spec lives (read-only, never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    path = Path(os.environ.get("SAGE_SPEC_DIR", PROJECT_ROOT.parent / "shared" / "spec"))
    if not (path / "sage-accounting-v3.1-accounts.swagger.json").is_file():
        pytest.skip(f"published spec not found in {path} (set SAGE_SPEC_DIR)")
    return path
