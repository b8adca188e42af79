"""Step 5: the package rendered for the same inputs is reused; any changed input renders anew."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from generator import codegen, codegen_cache
from generator.layout import TEMPLATES
from generator.output import tree_files

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Cached", "version": "1"},
    "paths": {
        "/ping": {
            "get": {
                "operationId": "getPing",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pong"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {"Pong": {"type": "object", "properties": {"at": {"type": "string"}}}}
    },
}


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The package folders openapi-python-client itself rendered."""
    rendered: list[Path] = []
    render = codegen._render

    def counting(document: dict[str, Any], package_dir: Path, **options: Path) -> None:
        rendered.append(package_dir)
        render(document, package_dir, **options)

    monkeypatch.setattr(codegen, "_render", counting)
    return rendered


def same_tree(one: Path, two: Path) -> bool:
    names = tree_files(one)
    return names == tree_files(two) and all(
        (one / name).read_bytes() == (two / name).read_bytes() for name in names
    )


def test_same_inputs_restore_the_same_package(tmp_path: Path, renders: list[Path]) -> None:
    cache = tmp_path / "cache"
    plain = tmp_path / "plain" / "sage_accounting"
    codegen.generate_package(SPEC, plain)
    first = tmp_path / "first" / "sage_accounting"
    codegen.generate_package(SPEC, first, cache_dir=cache)
    second = tmp_path / "second" / "sage_accounting"
    codegen.generate_package(SPEC, second, cache_dir=cache)

    assert renders == [plain, first]
    assert same_tree(plain, second) and same_tree(first, second)
    assert (second / "models" / "pong.py").is_file()


def test_a_changed_spec_or_template_renders_again(tmp_path: Path, renders: list[Path]) -> None:
    cache = tmp_path / "cache"
    codegen.generate_package(SPEC, tmp_path / "a" / "sage_accounting", cache_dir=cache)
    changed = {**SPEC, "info": {"title": "Cached", "version": "2"}}
    codegen.generate_package(changed, tmp_path / "b" / "sage_accounting", cache_dir=cache)
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    model = templates / "model.py.jinja"
    model.write_text(model.read_text() + "\n# edited\n")
    edited = tmp_path / "c" / "sage_accounting"
    codegen.generate_package(changed, edited, templates=templates, cache_dir=cache)

    assert len(renders) == 3
    assert (edited / "models" / "pong.py").read_text().endswith("# edited\n")
    assert len(list(cache.iterdir())) == 3  # one per distinct set of inputs


def test_only_the_most_recently_used_entries_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(codegen_cache, "KEEP", 2)
    cache = tmp_path / "cache"
    for version in ("1", "2", "3"):
        spec = {**SPEC, "info": {"title": "Cached", "version": version}}
        codegen.generate_package(spec, tmp_path / version / "sage_accounting", cache_dir=cache)
    assert len(list(cache.iterdir())) == 2


def test_a_broken_entry_renders_afresh(tmp_path: Path, renders: list[Path]) -> None:
    cache = tmp_path / "cache"
    codegen.generate_package(SPEC, tmp_path / "a" / "sage_accounting", cache_dir=cache)
    (entry,) = cache.iterdir()
    entry.write_bytes(b"not a zip")
    again = tmp_path / "b" / "sage_accounting"
    codegen.generate_package(SPEC, again, cache_dir=cache)
    assert len(renders) == 2 and same_tree(tmp_path / "a" / "sage_accounting", again)
