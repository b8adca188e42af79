"""The whole pipeline: spec -> OpenAPI 3 -> merged -> patched -> package -> generated/."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

from . import (
    attachments,
    availability,
    codegen,
    codegen_cache,
    errata,
    facade,
    formatting,
    mcp_tools,
    output,
    sync_tables,
    validation,
)
from .convert import convert
from .files import Files
from .layout import GENERATED, OVERLAY_PACKAGE, PACKAGE_NAME
from .merge import merge
from .spec import DEFAULT_SPEC_DIR, PINS_FILE, PROJECT_ROOT, SpecDocument, load_documents

MERGED_TITLE = "Sage Business Cloud Accounting API v3.1"
# The errors guide's "what to do" column is data too: the MCP server's tool errors carry it.
ERRORS_GUIDE = PROJECT_ROOT / "docs" / "guides" / "errors.md"


@dataclass
class BuildResult:
    documents: list[SpecDocument]
    spec: dict[str, Any]
    errata_counts: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)


def patched_spec(
    spec_dir: Path = DEFAULT_SPEC_DIR,
    *,
    accept_new_spec: bool = False,
    pins_file: Path = PINS_FILE,
    unneeded_errata_ok: bool = False,
    log: Callable[[str], None] = print,
    validate: bool = True,
) -> BuildResult:
    """Steps 1-4: load and verify, convert, merge, patch; the result validates as OpenAPI 3.

    `unneeded_errata_ok` (update-spec only): an erratum that changes nothing is logged, not an
    error. The pinned build never sets it, so a retired patch that is still there fails it.
    Without `validate`, the caller validates `result.spec` itself (see `validation`).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    documents = load_documents(spec_dir, pins_file=pins_file, accept_new_spec=accept_new_spec)
    for doc in documents:
        log(f"spec: {doc.path.name} sha256 {doc.pin.sha256} (pinned)")
    timings["load"] = time.perf_counter() - started

    started = time.perf_counter()
    converted = [convert(doc.data) for doc in documents]
    merged = merge(converted, title=MERGED_TITLE)
    timings["convert+merge"] = time.perf_counter() - started

    started = time.perf_counter()
    spec, counts = errata.apply_errata(merged, unneeded_ok=unneeded_errata_ok)
    for erratum in errata.ERRATA:
        count = counts[erratum.name]
        note = " - no longer needed: delete it (see the update-spec report)" if not count else ""
        log(f"erratum {erratum.name}: {count} place(s) changed{note}")
    timings["errata"] = time.perf_counter() - started
    if validate:
        started = time.perf_counter()
        validation.validate_once(spec)
        timings["validate"] = time.perf_counter() - started
    return BuildResult(documents=documents, spec=spec, errata_counts=counts, timings=timings)


def overlay_context(spec: dict[str, Any], documents: list[SpecDocument]) -> dict[str, Any]:
    """What the `.jinja` overlays render with (the edit loop, generator/overlays.py, too)."""
    resources = facade.describe(spec)
    return {
        "spec": spec,
        "documents": documents,
        "facade": resources,
        "sync": sync_tables.describe(spec, resources),
        "availability": availability.describe(spec, resources),
        "attachments": attachments.describe(spec, resources),
        "mcp": mcp_tools.describe(spec, resources, ERRORS_GUIDE.read_text(encoding="utf-8")),
    }


def render(result: BuildResult, scratch: Path, *, use_cache: bool = False) -> Files:
    """Steps 5-6: the generated tree (package and patched spec), in memory.

    `scratch` is where tools that need files on disk work. With `use_cache`,
    openapi-python-client's output and ruff's result for a file are reused when nothing they
    depend on changed: then nothing is written at all.
    """
    started = time.perf_counter()
    tree = scratch / "generated"  # as generated/ is laid out, for ruff
    # Rendered where ruff will want the tree: writing over a file costs far less than a new one.
    package = codegen.package_files(
        result.spec, tree / PACKAGE_NAME, cache_dir=codegen_cache.CACHE_DIR if use_cache else None
    )
    result.timings["openapi-python-client"] = time.perf_counter() - started

    started = time.perf_counter()
    overlays = output.overlay_files(OVERLAY_PACKAGE, overlay_context(result.spec, result.documents))
    clashes = sorted(set(overlays) & set(package))
    if clashes:
        raise FileExistsError(f"overlays would overwrite generated {', '.join(clashes)}")
    generator_name = f"openapi-python-client {version('openapi-python-client')}"
    generated_header = output.header_line(result.documents, generator_name, None)
    files: Files = {}
    for name, content in sorted({**package, **{n: c for n, (c, _) in overlays.items()}}.items()):
        suffix = PurePosixPath(name).suffix
        if suffix in output.STAMPED_SUFFIXES:
            source = overlays[name][1] if name in overlays else None
            header = (
                output.header_line(result.documents, "overlay", source)
                if source
                else generated_header
            )
            content = output.stamped(content, suffix, header)
        files[f"{PACKAGE_NAME}/{name}"] = content
    spec = dict(result.spec)
    spec["info"] = {
        **spec["info"],
        "x-generated-by": output.header_line(result.documents, "errata", "spec/pins.json")[2:],
    }
    files["openapi.json"] = (json.dumps(spec, indent=1, ensure_ascii=False) + "\n").encode()
    files = formatting.format_files(
        files, tree, cache_file=formatting.CACHE_FILE if use_cache else None
    )
    result.timings["overlays+format"] = time.perf_counter() - started
    return files


def run(
    *,
    spec_dir: Path = DEFAULT_SPEC_DIR,
    accept_new_spec: bool = False,
    check: bool = False,
    target: Path = GENERATED,
    pins_file: Path = PINS_FILE,
    unneeded_errata_ok: bool = False,
    log: Callable[[str], None] = print,
    use_cache: bool = True,
) -> list[str]:
    """Regenerate `target` (or, with `check`, only report how it differs). Returns differences.

    `use_cache=False` neither reads nor writes build/cache (the output is the same either way).
    """
    result = patched_spec(
        spec_dir,
        accept_new_spec=accept_new_spec,
        pins_file=pins_file,
        unneeded_errata_ok=unneeded_errata_ok,
        log=log,
        validate=False,
    )
    # The spec is validated beside rendering; a spec that is not valid fails the run all the same.
    checking = validation.Validation(
        result.spec, cache_dir=validation.CACHE_DIR if use_cache else None
    )
    scratch_parent = PROJECT_ROOT / "build"
    scratch_parent.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="pipeline-", dir=scratch_parent))
    try:
        try:
            files = render(result, scratch, use_cache=use_cache)
        except Exception:
            checking.wait()  # an invalid spec is reported as that, not as what it broke
            raise
        started = time.perf_counter()
        checking.wait()
        step = "validate (known valid)" if checking.cached_before else "validate (waited for)"
        result.timings[step] = time.perf_counter() - started
        diffs = output.differences_from(target, files)
        if not check:
            output.replace_files(files, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for step, seconds in result.timings.items():
        log(f"time {step}: {seconds:.2f}s")
    return diffs
