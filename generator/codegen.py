"""Step 5: run openapi-python-client (in process, pinned) with our templates and extension."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from openapi_python_client import Project
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import GeneratorError

from . import codegen_cache, extension, fast_copy, wire_code
from .files import Files, read_tree, write_files
from .layout import CONFIG_FILE, TEMPLATES

#: Modules openapi-python-client always writes that overlays/package replaces whole: the
#: error tree (errors.py) is hand-written and needs nothing of the spec.
OVERLAY_REPLACES = ("errors.py",)


class CodegenError(RuntimeError):
    """openapi-python-client could not generate everything the spec describes."""


def _describe(error: GeneratorError) -> str:
    return f"{error.level.value}: {error.header}: {error.detail or ''}".strip()


def generate_package(
    document: dict[str, Any],
    package_dir: Path,
    *,
    templates: Path = TEMPLATES,
    config_file: Path = CONFIG_FILE,
    cache_dir: Path | None = None,
) -> None:
    """Render the client package for `document` into `package_dir` (which must not exist).

    Any warning of openapi-python-client (a skipped endpoint or model) is an error here:
    the client must cover every operation and schema. With `cache_dir`, the output of an
    earlier run with exactly the same inputs is written instead (see `codegen_cache`).
    """
    files = package_files(
        document, package_dir, templates=templates, config_file=config_file, cache_dir=cache_dir
    )
    if not package_dir.exists():  # served from the cache
        write_files(package_dir, files)


def package_files(
    document: dict[str, Any],
    package_dir: Path,
    *,
    templates: Path = TEMPLATES,
    config_file: Path = CONFIG_FILE,
    cache_dir: Path | None = None,
) -> Files:
    """The client package's files (names relative to it), from the cache when `cache_dir` has
    them; otherwise openapi-python-client renders them into `package_dir` (must not exist)."""
    key = None
    if cache_dir is not None:
        key = codegen_cache.inputs_key(document, package_dir, templates, config_file)
        cached = codegen_cache.load(key, cache_dir)
        if cached is not None:
            return cached
    _render(document, package_dir, templates=templates, config_file=config_file)
    files = read_tree(package_dir)
    if key is not None and cache_dir is not None:
        codegen_cache.store(key, files, cache_dir)
    return files


def _render(
    document: dict[str, Any], package_dir: Path, *, templates: Path, config_file: Path
) -> None:
    extension.install()
    fast_copy.install()
    config = Config.from_sources(
        ConfigFile.load_from_path(config_file),
        MetaType.NONE,
        document_source=Path("sage-accounting.openapi.json"),
        file_encoding="utf-8",
        overwrite=False,
        output_path=package_dir,
    )
    data = GeneratorData.from_dict(document, config=config)
    if isinstance(data, GeneratorError):
        raise CodegenError(_describe(data))
    project = Project(openapi=data, config=config, custom_template_path=templates)
    # "upstream/..." names the stock templates, so an override can reuse their macros
    # instead of copying them.
    project.env.loader = ChoiceLoader(
        [
            FileSystemLoader(str(templates)),
            PrefixLoader({"upstream": PackageLoader("openapi_python_client")}),
            PackageLoader("openapi_python_client"),
        ]
    )
    project.env.globals.update(wire_code.TEMPLATE_GLOBALS)
    with contextlib.redirect_stdout(io.StringIO()):
        errors = project.build()
    if errors:
        listing = "\n".join(f"  - {_describe(error)}" for error in errors)
        raise CodegenError(f"openapi-python-client reported {len(errors)} problem(s):\n{listing}")
    for name in OVERLAY_REPLACES:  # ours are plain modules in overlays/package
        (package_dir / name).unlink()
