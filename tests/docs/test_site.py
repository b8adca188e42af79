"""The reference site builds strictly and renders in a real browser without console errors."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.docs import write_site_source

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "docs"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("docs-src")
    write_site_source(source)
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(out)],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _open(url: str, screenshot: Path, profile: Path) -> tuple[str, list[str]]:
    """The page's DOM after scripts ran, and what its console reported."""
    chromium = _chromium()
    common = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=90)
    shot = subprocess.run(
        [*common, f"--screenshot={screenshot}", "--window-size=1280,1000", url],
        capture_output=True,
        text=True,
        timeout=90,
    )
    # Chromium writes every console message to stderr at INFO, whatever its level; errors are
    # the uncaught exceptions and failed loads (e.g. a script the site wanted from a CDN).
    console = [
        line
        for line in (dom.stderr + shot.stderr).splitlines()
        if ":CONSOLE" in line and any(mark in line for mark in _ERROR_MARKS)
    ]
    return dom.stdout, console


_ERROR_MARKS = ("Uncaught", "Failed to load resource", "Error", "error")


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("index.html", ["sage-accounting", "Pagination and large extracts", "Decimal"]),
        (
            "reference/resources/contacts.html",
            ["client.contacts.list(", "GET /contacts", "updated_or_created_since", "Example"],
        ),
        ("reference/models/SalesInvoice.html", ["SalesInvoice", "Decimal", "total_amount"]),
        ("guides/retries.html", ["retry_post=True", "UnprocessableEntityError"]),
        ("guides/errors.html", ["RedirectError", "ResponseTooLargeError", "PaginationError"]),
        ("guides/attachments.html", ["attachments.upload", "2,621,440", "PURCHASE_INVOICE"]),
        ("reference/resources/attachments.html", ["upload, download", "items_per_page: int = 20"]),
    ],
)
def test_page_renders_without_console_errors(
    served: str, page: str, expected: list[str], tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / (page.replace("/", "_").removesuffix(".html") + ".png")
    dom, console = _open(f"{served}/{page}", screenshot, tmp_path / "profile")
    for text in expected:
        assert text in dom, f"{text!r} missing from {page}"
    assert console == [], console
    assert screenshot.stat().st_size > 10_000  # a real rendering, not a blank page


def test_model_pages_link_to_each_other(site: Path) -> None:
    page = (site / "reference" / "models" / "Contact.html").read_text()
    assert 'href="Base.html"' in page
    assert (site / "reference" / "models" / "Base.html").is_file()


def test_every_resource_and_model_has_a_page(site: Path) -> None:
    resources = list((site / "reference" / "resources").glob("*.html"))
    models = list((site / "reference" / "models").glob("*.html"))
    assert len(resources) == 87 + 1  # every collection, plus the index
    assert len(models) > 450


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    source = tmp_path / "src"
    write_site_source(source)
    guide = source / "docs" / "guides" / "install.md"
    guide.write_text(guide.read_text() + "\n[gone](no-such-page.md)\n")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert build.returncode != 0
    assert "no-such-page.md" in build.stderr
