"""Step 5 (cache): openapi-python-client's output, reused while none of its inputs changed.

Rendering the package takes seconds and depends only on: the patched spec, our templates and
configuration, the generator's own code (the extension and the template helpers), the code of
openapi-python-client and the versions of every installed distribution, and Python's version.
The key is the sha256 of all of them; the value is the package as openapi-python-client wrote
it (before overlays, headers and formatting). The `KEEP` most recently used entries are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import zipfile
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

import openapi_python_client

from .files import Files
from .spec import PROJECT_ROOT

CACHE_DIR = PROJECT_ROOT / "build" / "cache" / "codegen"
GENERATOR_DIR = Path(__file__).resolve().parent
_SUFFIX = ".zip"
# Entries kept, the most recently used: each nox session's virtualenv has its own key.
KEEP = 4


def _files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def inputs_key(
    document: dict[str, Any], package_dir: Path, templates: Path, config_file: Path
) -> str:
    """sha256 of everything openapi-python-client's output for `document` depends on."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("spec", json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    add("package", package_dir.name.encode())
    add("config", config_file.read_bytes())
    add("python", sys.version.encode())
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    add("distributions", "\n".join(installed).encode())
    code = Path(openapi_python_client.__file__).resolve().parent
    for label, folder in (("templates", templates), ("generator", GENERATOR_DIR), ("opc", code)):
        for path in _files(folder):
            add(f"{label}/{path.relative_to(folder).as_posix()}", path.read_bytes())
    return digest.hexdigest()


def load(key: str, cache_dir: Path = CACHE_DIR) -> Files | None:
    """The cached package for `key`, file by file (relative to the package); None if none."""
    entry = cache_dir / f"{key}{_SUFFIX}"
    try:
        with zipfile.ZipFile(entry) as archive:
            files = {
                info.filename: archive.read(info)
                for info in archive.infolist()
                if not info.is_dir()  # entries of older caches also listed the folders
            }
        os.utime(entry)  # most recently used: kept longest
    except (OSError, zipfile.BadZipFile):
        return None  # none, or a broken entry: render afresh
    return files


def store(key: str, files: Files, cache_dir: Path = CACHE_DIR) -> None:
    """Keep `files` as the package for `key` (dropping the least recently used entries)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".codegen.", suffix=".tmp")
    os.close(fd)
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    os.replace(tmp, cache_dir / f"{key}{_SUFFIX}")
    entries = sorted(cache_dir.glob(f"*{_SUFFIX}"), key=lambda path: path.stat().st_mtime)
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
