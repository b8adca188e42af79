"""The overlay edit loop: refreshing generated/'s copies gives what the full pipeline gives."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.layout import GENERATED
from generator.overlays import at_sources, overlay_sources, refresh
from generator.spec import PROJECT_ROOT


@pytest.fixture
def target(tmp_path: Path) -> Path:
    copy = tmp_path / "generated"
    shutil.copytree(GENERATED, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_fresh_tree_has_nothing_to_refresh_even_rendering_every_template(target: Path) -> None:
    assert refresh(target, check=True, everything=True) == []


def test_a_stale_or_missing_copy_is_written_back_byte_for_byte(target: Path) -> None:
    package = target / "sage_accounting"
    want = (GENERATED / "sage_accounting" / "_retry.py").read_bytes()
    (package / "_retry.py").write_text("# edited in the wrong place\n", encoding="utf-8")
    (package / "auth" / "_flow.py").unlink()

    assert refresh(target, check=True) == ["_retry.py", "auth/_flow.py"]
    assert (package / "_retry.py").read_text(encoding="utf-8").startswith("# edited")

    assert refresh(target) == ["_retry.py", "auth/_flow.py"]
    assert (package / "_retry.py").read_bytes() == want
    assert refresh(target, check=True) == []


def test_a_copy_whose_overlay_was_deleted_goes_too(target: Path) -> None:
    package = target / "sage_accounting"
    header = (package / "_wire.py").read_text(encoding="utf-8").splitlines()[0]
    orphan = package / "_gone.py"
    orphan.write_text(header.replace("_wire.py", "_gone.py") + "\n", encoding="utf-8")
    assert refresh(target) == ["_gone.py (its overlay is gone)"]
    assert not orphan.exists()


def test_mypy_errors_in_a_copy_are_reported_at_the_overlay_source() -> None:
    sources = overlay_sources(GENERATED / "sage_accounting")
    copy = "generated/sage_accounting/_retry.py"
    assert sources[copy] == "overlays/package/_retry.py"
    assert (PROJECT_ROOT / sources[copy]).exists()
    report = f"{copy}:12: error: bad\ngenerated/sage_accounting/models/contact.py:3: error: x\n"
    assert at_sources(report, sources) == (
        "overlays/package/_retry.py:11: error: bad\n"
        "generated/sage_accounting/models/contact.py:3: error: x\n"
    )


def test_templates_are_rendered_once_after_they_change_then_skipped(target: Path) -> None:
    from generator.layout import OVERLAY_PACKAGE
    from generator.overlays import _jinja_stale

    package = target / "sage_accounting"
    template = OVERLAY_PACKAGE / "resources" / "_mixins.py.jinja"
    rendered = package / "resources" / "_mixins.py"
    os.utime(rendered, (1, 1))  # as a fresh checkout may leave it: older than its template
    assert _jinja_stale(package)
    assert refresh(target) == []  # rendered, the same bytes
    assert not _jinja_stale(package)  # and marked as newer than the templates
    assert rendered.stat().st_mtime >= template.stat().st_mtime
