"""Step 7: generated/ is made to hold exactly the new output, rewriting only what changed."""

from __future__ import annotations

from pathlib import Path

from generator.output import differences, differences_from, replace_tree, stamped, tree_files


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_replace_tree_rewrites_only_what_differs(tmp_path: Path) -> None:
    target = make(
        tmp_path / "generated",
        {
            "pkg/same.py": "same\n",
            "pkg/changed.py": "old\n",
            "pkg/gone.py": "gone\n",
            "pkg/__pycache__/same.cpython-311.pyc": "bytecode",
            "old_pkg/mod.py": "gone with its folder\n",
            "old_pkg/__pycache__/mod.cpython-311.pyc": "bytecode",
        },
    )
    output = make(
        tmp_path / "output",
        {"pkg/same.py": "same\n", "pkg/changed.py": "new\n", "pkg/new/mod.py": "new\n"},
    )
    unchanged = (target / "pkg" / "same.py").stat()

    replace_tree(output, target)

    assert differences(target, output) == []
    assert tree_files(target) == {"pkg/same.py", "pkg/changed.py", "pkg/new/mod.py"}
    kept = (target / "pkg" / "same.py").stat()
    assert (kept.st_ino, kept.st_mtime_ns) == (unchanged.st_ino, unchanged.st_mtime_ns)
    assert not (target / "old_pkg").exists()
    assert (target / "pkg" / "__pycache__").is_dir()  # bytecode of kept modules stays valid


def test_replace_tree_creates_a_missing_target(tmp_path: Path) -> None:
    output = make(tmp_path / "output", {"pkg/mod.py": "x = 1\n"})
    replace_tree(output, tmp_path / "generated")
    assert differences(tmp_path / "generated", output) == []


def test_a_stamped_file_starts_with_its_header_in_its_own_comment_syntax() -> None:
    assert stamped(b"x = 1\r\ny = 2\r", ".py", "# Generated") == b"# Generated\nx = 1\ny = 2\n"
    assert stamped(b"return 1\n", ".lua", "# Generated") == b"-- Generated\nreturn 1\n"


def test_differences_from_a_tree_in_memory(tmp_path: Path) -> None:
    committed = make(tmp_path / "generated", {"pkg/same.py": "same\n", "pkg/old.py": "old\n"})
    produced = {"pkg/same.py": b"same\n", "pkg/new.py": b"new\n"}
    assert differences_from(committed, produced) == [
        "missing:  pkg/new.py",
        "extra:    pkg/old.py",
    ]
    produced["pkg/same.py"] = b"SAME\n"  # same size, other bytes
    assert "changed:  pkg/same.py" in differences_from(committed, produced)
