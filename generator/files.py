"""A generated tree held in memory: relative POSIX name -> bytes.

The pipeline builds the output in memory and writes a file only where a tool needs it on disk
(openapi-python-client, ruff) or where generated/ must change: on this machine writing a file
costs a millisecond or more, and a regeneration that changes nothing used to write ~3,000.
"""

from __future__ import annotations

from pathlib import Path

Files = dict[str, bytes]


def read_tree(root: Path) -> Files:
    """Every file under `root` (bytecode caches aside), by its name relative to `root`."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def write_files(root: Path, files: Files) -> None:
    """Write `files` under `root`, making folders as needed."""
    made: set[Path] = set()
    for name, content in files.items():
        path = root / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(content)
