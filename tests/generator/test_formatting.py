"""Step 6: ruff formats the output; a file ruff saw before, unchanged, is not formatted again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from generator import formatting

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    "pkg/__init__.py": "import sys\nimport os\n\nprint(os.sep, sys.argv)\n",
    "pkg/models/__init__.py": "",
    "pkg/models/long.py": (
        "def f(a,b):\n    return {'first': a, 'second': b, 'third': [a, b, a, b, a, b, a, b]}\n"
    ),
}


def write_tree(root: Path, sources: dict[str, str] = SOURCES) -> Path:
    for name, text in sources.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.py")}


@pytest.fixture
def ruff_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    calls: list[list[Path]] = []
    run = formatting._run_ruff

    def counting(paths: Sequence[Path], config: Path) -> None:
        calls.append(list(paths))
        run(paths, config)

    monkeypatch.setattr(formatting, "_run_ruff", counting)
    return calls


def config_file(folder: Path, line_length: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "pyproject.toml"
    config.write_text(
        f"[tool.ruff]\nline-length = {line_length}\n[tool.ruff.lint]\nselect = ['I']\n"
    )
    return config


def test_a_cached_run_writes_what_ruff_writes(tmp_path: Path, ruff_calls: list[list[Path]]) -> None:
    cache = tmp_path / "cache.json"
    plain = write_tree(tmp_path / "plain" / "generated")
    formatting.format_tree(plain)
    first = write_tree(tmp_path / "first" / "generated")
    formatting.format_tree(first, cache_file=cache)
    second = write_tree(tmp_path / "second" / "generated")
    formatting.format_tree(second, cache_file=cache)

    assert contents(first) == contents(second) == contents(plain)
    assert contents(plain)["pkg/__init__.py"].startswith(b"import os\nimport sys\n")
    assert [len(paths) for paths in ruff_calls] == [1, 1]  # the tree twice, then nothing


def test_only_a_changed_file_is_formatted_again(
    tmp_path: Path, ruff_calls: list[list[Path]]
) -> None:
    cache = tmp_path / "cache.json"
    formatting.format_tree(write_tree(tmp_path / "one"), cache_file=cache)
    changed = {**SOURCES, "pkg/models/long.py": "x  =  1\n"}
    two = write_tree(tmp_path / "two", changed)
    formatting.format_tree(two, cache_file=cache)

    assert ruff_calls[-1] == [two / "pkg" / "models" / "long.py"]
    assert (two / "pkg" / "models" / "long.py").read_text() == "x = 1\n"


def test_other_settings_or_packages_are_not_served_from_the_cache(
    tmp_path: Path, ruff_calls: list[list[Path]]
) -> None:
    cache = tmp_path / "cache.json"
    wide = write_tree(tmp_path / "wide")
    formatting.format_tree(wide, config=config_file(tmp_path / "a", 120), cache_file=cache)
    narrow = write_tree(tmp_path / "narrow")
    formatting.format_tree(narrow, config=config_file(tmp_path / "b", 60), cache_file=cache)
    assert contents(wide)["pkg/models/long.py"] != contents(narrow)["pkg/models/long.py"]

    moved = write_tree(tmp_path / "moved", {**SOURCES, "__init__.py": ""})
    formatting.format_tree(moved, config=config_file(tmp_path / "b", 60), cache_file=cache)
    assert len(ruff_calls) == 3


def test_a_broken_cache_file_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    cache.write_text("{not json")
    root = write_tree(tmp_path / "tree")
    formatting.format_tree(root, cache_file=cache)
    assert contents(root)["pkg/__init__.py"].startswith(b"import os\n")
    assert cache.read_text().startswith('{"format"')


def test_a_tree_ruff_saw_before_is_formatted_without_touching_the_disk(
    tmp_path: Path, ruff_calls: list[list[Path]]
) -> None:
    cache = tmp_path / "cache.json"
    files = {name: text.encode() for name, text in SOURCES.items()} | {"data.json": b"{}\n"}
    first = formatting.format_files(files, tmp_path / "one" / "generated", cache_file=cache)
    again = tmp_path / "two" / "generated"
    second = formatting.format_files(files, again, cache_file=cache)

    assert second == first and second["data.json"] == b"{}\n"
    assert second["pkg/__init__.py"].startswith(b"import os\nimport sys\n")
    assert len(ruff_calls) == 1 and not again.exists()  # nothing written, ruff not run
