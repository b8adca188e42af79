"""Step 6 (part): fix imports and format the output with the pinned ruff, each file once.

ruff's result for a file depends only on the file, its path in the tree, ruff's version and
configuration, and where packages are (for the import sorting). A run remembers the result
for each file under a key made of all of these, and the next run writes a remembered result
instead of running ruff on that file; ruff runs (once per command) on the rest. The cache
holds the last run's files only, so it never outgrows one tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path, PurePosixPath

from .files import Files, write_files
from .spec import PROJECT_ROOT

RUFF_CONFIG = PROJECT_ROOT / "pyproject.toml"
CACHE_FILE = PROJECT_ROOT / "build" / "cache" / "ruff-format.json"
PYTHON_SUFFIXES = frozenset({".py", ".pyi"})
_CACHE_FORMAT = 1
# Explicit paths per ruff call: far below any platform's command-line limit.
_PATHS_PER_CALL = 200


class FormatError(RuntimeError):
    """ruff failed on the generated code."""


def _run_ruff(paths: Sequence[Path], config: Path) -> None:
    for args in (
        ["check", "--fix-only", "--exit-zero", "--quiet"],
        ["format", "--quiet"],
    ):
        for start in range(0, len(paths), _PATHS_PER_CALL):
            chunk = [str(path) for path in paths[start : start + _PATHS_PER_CALL]]
            # --no-cache: ruff's own cache never hits files of a fresh tree; it would only grow.
            cmd = [sys.executable, "-m", "ruff", *args, "--no-cache", "--config", str(config)]
            result = subprocess.run([*cmd, *chunk], capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise FormatError(f"ruff {args[0]} failed:\n{result.stdout}{result.stderr}")


def _context(root: Path, names: Sequence[str], config: Path) -> bytes:
    """Everything besides a file's path and text that ruff's result for it can depend on."""
    packages = sorted(
        PurePosixPath(name).parent.as_posix()
        for name in names
        if PurePosixPath(name).name == "__init__.py"
    )
    enclosing = []  # packages above `root`, which a package at its top would belong to
    parent = root
    while (parent / "__init__.py").is_file() and parent.parent != parent:
        parent = parent.parent
        enclosing.append(parent.name)
    project = config.parent
    # ruff counts a module as first-party when its project (or project/src) has it.
    top_level = [_modules(folder) for folder in (project, project / "src") if folder.is_dir()]
    context = {
        "ruff": version("ruff"),
        "config": hashlib.sha256(config.read_bytes()).hexdigest(),
        "project": str(project),
        "top_level": top_level,
        "packages": packages,
        "enclosing": enclosing,
    }
    return json.dumps(context, sort_keys=True).encode()


def _modules(folder: Path) -> list[str]:
    """Names in `folder` an import could mean: packages and modules (not .pytest_cache...)."""
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if (entry.is_dir() and entry.name.isidentifier())
        or (entry.suffix in PYTHON_SUFFIXES and entry.stem.isidentifier())
    )


def _key(context: bytes, relative: str, content: bytes) -> str:
    digest = hashlib.sha256(context)
    digest.update(b"\0" + relative.encode() + b"\0")
    digest.update(content)
    return digest.hexdigest()


def _load(cache_file: Path) -> dict[str, str]:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _save(cache_file: Path, entries: dict[str, str]) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".ruff-format.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"format": _CACHE_FORMAT, "entries": entries}, handle, ensure_ascii=False)
    os.replace(tmp, cache_file)


def format_tree(root: Path, *, config: Path = RUFF_CONFIG, cache_file: Path | None = None) -> None:
    """Fix imports and format every Python file under `root`, remembering in `cache_file`.

    Without a cache file, ruff simply runs on the whole tree.
    """
    files = {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.suffix in PYTHON_SUFFIXES and path.is_file()
    }
    formatted = format_files(files, root, config=config, cache_file=cache_file, written=True)
    for name, content in formatted.items():
        if content != files[name]:
            (root / name).write_bytes(content)


def format_files(
    files: Files,
    root: Path,
    *,
    config: Path = RUFF_CONFIG,
    cache_file: Path | None = None,
    written: bool = False,
) -> Files:
    """`files` (a tree that belongs at `root`) with every Python file fixed and formatted.

    A file whose result `cache_file` remembers is not written anywhere; if ruff has to run,
    the tree is written to `root` first (unless it is `written` there already), so that ruff
    sees the packages as they will be. The pipeline passes `CACHE_FILE`.
    """
    python = [name for name in sorted(files) if PurePosixPath(name).suffix in PYTHON_SUFFIXES]
    result = dict(files)
    context = _context(root, python, config)
    cached = _load(cache_file) if cache_file is not None else {}
    keys: dict[str, str] = {}
    missing: list[str] = []
    for name in python:
        key = keys[name] = _key(context, name, files[name])
        remembered = cached.get(key)
        if isinstance(remembered, str):
            result[name] = remembered.encode("utf-8")
        else:
            missing.append(name)
    if missing:
        if not written:
            write_files(root, files)
        _run_ruff([root] if len(missing) == len(python) else [root / n for n in missing], config)
        for name in missing:
            result[name] = (root / name).read_bytes()
    if cache_file is not None and (missing or len(cached) != len(python)):
        entries: dict[str, str] = {}
        for name in python:
            try:
                entries[keys[name]] = result[name].decode("utf-8")
            except UnicodeDecodeError:
                continue  # not cached: ruff formats it again next time
        _save(cache_file, entries)
    return result
