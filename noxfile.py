"""Every workflow of sage-accounting: generate, update-spec, tests, lint, typecheck, bench.

Tool versions come from the dependency groups of pyproject.toml, pinned exactly.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

PYTHON = "3.11"
PYPROJECT = nox.project.load_toml("pyproject.toml")
LINT_PATHS = ["generator", "overlays", "generated", "tests", "benchmarks", "noxfile.py"]


def _install_groups(session: nox.Session, *groups: str) -> None:
    requirements: list[str] = []
    for group in groups:
        requirements.extend(nox.project.dependency_groups(PYPROJECT, group))
    session.install(*sorted(set(requirements)))


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from the pinned spec (`-- --check` only reports drift)."""
    _install_groups(session, "generate")
    session.run("python", "-m", "generator", *session.posargs)


@nox.session(name="update-spec", python=PYTHON)
def update_spec(session: nox.Session) -> None:
    """Review and accept a new spec: `-- --from PATH_OR_URL [--document NAME] [--no-regenerate]`."""
    _install_groups(session, "docs")
    session.run("python", "-m", "generator.update_spec", *session.posargs)
    if "--no-regenerate" not in session.posargs:
        _build_docs(session)


def _lint(session: nox.Session) -> None:
    session.run("ruff", "check", *LINT_PATHS)
    session.run("ruff", "format", "--check", *LINT_PATHS)
    # The layer contract of pyproject.toml, over the rendered package.
    session.run("lint-imports", env={"PYTHONPATH": "generated"})


def _typecheck(session: nox.Session) -> None:
    session.run("mypy")
    # The distribution supports Python 3.10: check the package as 3.10 too.
    session.run("mypy", "--python-version", "3.10", "generated/sage_accounting")
    # The overlay modules as written: refreshed into generated/, errors shown at their source.
    session.run("python", "-m", "generator.overlays", "--check", "--mypy")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check on all code, generated included."""
    _install_groups(session, "lint")
    _lint(session)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on generator/, overlays/, generated/, tests/."""
    _install_groups(session, "typecheck")
    _typecheck(session)


@nox.session(python=PYTHON)
def overlays(session: nox.Session) -> None:
    """The edit loop of overlays/package: refresh their copies in generated/ (no full
    regeneration), then pytest on the extra args: `nox -R -s overlays -- tests/retry`.
    `-- --mypy` runs mypy instead, with errors shown at the overlay sources."""
    _install_groups(session, "test", "typecheck")
    session.install("-e", ".", "--no-deps")
    if session.posargs[:1] == ["--mypy"]:
        session.run("python", "-m", "generator.overlays", "--mypy")
        return
    session.run("python", "-m", "generator.overlays")
    if session.posargs:
        session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """20 minutes against the served emulator with faults and 1-second tokens; fails on a
    leak, a lost or duplicated record, or a refresh token used twice (`-- --seconds 60`)."""
    _install_groups(session, "test")
    session.install("-e", ".", "--no-deps")
    session.run("python", "-m", "benchmarks.soak", *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The drift check, lint, typecheck, then pytest (extra args go to pytest)."""
    _install_groups(session, "test", "typecheck", "lint")
    session.install("-e", ".", "--no-deps")
    session.run("python", "-m", "generator", "--check")
    _lint(session)
    _typecheck(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The reference site: guides from docs/ plus pages generated from the spec, into site/."""
    _install_groups(session, "docs")
    _build_docs(session)


def _build_docs(session: nox.Session) -> None:
    session.run("python", "-m", "generator.docs", "--out", "build/docs-src")
    site = str(Path("site").resolve())
    session.run("mkdocs", "build", "--strict", "-f", "build/docs-src/mkdocs.yml", "-d", site)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks, printed as ratios against baselines measured in the same run."""
    _install_groups(session, "test")
    session.install("-e", ".", "--no-deps")
    session.run("python", "-m", "benchmarks", *session.posargs)
