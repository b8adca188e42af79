"""What the benchmarks share within one run: paths, the spec, and the stock baseline package."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from .core import Timing, measure_command

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PATCHED_SPEC = PROJECT_ROOT / "generated" / "openapi.json"
OUR_PACKAGE = "sage_accounting"
# The stock output's import name is the name of the directory it is generated into (meta none).
STOCK_PACKAGE = "stock_sage_accounting"


def stock_generate_argv(spec: Path, output: Path) -> list[str]:
    """openapi-python-client's own CLI with its stock templates and defaults, no extension."""
    return [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--output-path",
        str(output),
        "--overwrite",
    ]


class Context:
    """Created once per run; everything expensive is built on first use and then reused."""

    def __init__(self, workdir: Path, *, log: Callable[[str], None] = print) -> None:
        self.root = PROJECT_ROOT
        self.spec_path = PATCHED_SPEC
        self.workdir = workdir
        self.log = log
        self._ours_parent: Path | None = None
        self._stock_dir: Path | None = None

    @cached_property
    def spec(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.spec_path.read_text(encoding="utf-8"))
        return document

    def ours_parent(self) -> Path:
        """The folder holding our package, importable in this process once this returns.

        That is the installed package (editable: generated/), else generated/ of this tree.
        """
        if self._ours_parent is None:
            found = importlib.util.find_spec(OUR_PACKAGE)
            if found is not None and found.origin is not None:
                self._ours_parent = Path(found.origin).resolve().parent.parent
            else:
                self._ours_parent = self.root / "generated"
                sys.path.insert(0, str(self._ours_parent))
                importlib.invalidate_caches()
        return self._ours_parent

    def stock_dir(self) -> Path:
        """openapi-python-client's default output for the patched spec, generated in this run."""
        if self._stock_dir is None:
            target = self.workdir / "stock" / STOCK_PACKAGE
            self.log(f"generating the stock baseline package into {target} ...")
            self.generate_stock(target)
            self._stock_dir = target
        return self._stock_dir

    def generate_stock(self, target: Path) -> Timing:
        target.parent.mkdir(parents=True, exist_ok=True)
        return measure_command(
            stock_generate_argv(self.spec_path, target), cwd=self.root, env=self.env
        )

    @property
    def env(self) -> dict[str, str]:
        """Environment for child processes: this interpreter's tools first on PATH."""
        env = dict(os.environ)
        # The stock post-hooks call `ruff` from PATH; it must be this environment's pinned one.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        # Imports are timed with their bytecode cached, as users get them after the first run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        return env

    def import_env(self, *, stock: bool = True) -> dict[str, str]:
        """`env` with our package importable, and the stock one (not installed anywhere) if
        `stock`: it is generated on first need."""
        env = self.env
        paths = [str(self.stock_dir().parent)] if stock else []
        paths.append(str(self.ours_parent()))
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        return env

    def import_stock(self, module: str) -> Any:
        """Import a module of the stock package into this process."""
        parent = str(self.stock_dir().parent)
        if parent not in sys.path:
            sys.path.insert(0, parent)
            importlib.invalidate_caches()
        return importlib.import_module(f"{STOCK_PACKAGE}.{module}")

    def scratch(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.workdir))

    def discard(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)
