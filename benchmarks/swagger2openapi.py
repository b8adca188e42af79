"""swagger2openapi, the node converter, for the regeneration baseline: installed once, cached.

Only the benchmark uses it; the pipeline never needs node. Without node or npm (or when the
npm registry cannot be reached) `converter()` returns None and the baseline is reduced.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from .context import PROJECT_ROOT
from .core import Timing, measure_command

VERSION = "7.0.8"
CACHE = PROJECT_ROOT / "build" / "bench" / f"swagger2openapi-{VERSION}"
_SCRIPT = Path("node_modules") / "swagger2openapi" / "swagger2openapi.js"
_INSTALL_TIMEOUT = 300


def _install(npm: str, log: Callable[[str], None]) -> bool:
    """`npm install swagger2openapi@VERSION` into a fresh folder, then move it into CACHE."""
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".swagger2openapi-", dir=CACHE.parent))
    log(f"installing swagger2openapi {VERSION} with npm into {CACHE} ...")
    argv = [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund"]
    argv += ["--ignore-scripts", f"swagger2openapi@{VERSION}"]
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=_INSTALL_TIMEOUT
        )
        if result.returncode != 0 or not (staging / _SCRIPT).is_file():
            log(f"  npm install failed ({result.returncode}): {result.stderr.strip()[-500:]}")
            return False
        shutil.rmtree(CACHE, ignore_errors=True)
        staging.rename(CACHE)
        return True
    except (OSError, subprocess.TimeoutExpired) as exc:
        log(f"  npm install failed: {exc}")
        return False
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def converter(log: Callable[[str], None]) -> list[str] | None:
    """The argv that runs swagger2openapi (installed on first use), or None if it cannot run."""
    node = shutil.which("node")
    if node is None:
        log("swagger2openapi: no `node` on PATH")
        return None
    if not (CACHE / _SCRIPT).is_file():
        npm = shutil.which("npm")
        if npm is None:
            log("swagger2openapi: no `npm` on PATH to install it")
            return None
        if not _install(npm, log):
            return None
    return [node, str(CACHE / _SCRIPT)]


def time_conversion(
    argv: list[str], documents: list[Path], out_dir: Path, *, env: Mapping[str, str]
) -> Timing:
    """Time to convert each Swagger 2.0 document to OpenAPI 3, one process each (its CLI)."""
    total = Timing(0.0, 0.0)
    for document in documents:
        target = out_dir / f"{document.stem}.openapi.json"
        command = [*argv, str(document), "-o", str(target)]
        total += measure_command(command, cwd=out_dir, env=env)
    return total
