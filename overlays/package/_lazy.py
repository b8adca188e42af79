"""Modules named in the package's globals but imported on first use.

`from ._lazy import asyncio` in place of `import asyncio` keeps a sync program from ever
importing asyncio (about 40 ms of a cold start), while the code and the annotations that name
it (`asyncio.Lock`, read by `typing.get_type_hints`) work as before. Type checkers see the real
module. Nothing enters `sys.modules` until the module really loads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any


class LazyModule:
    """Stands for the module `name` (relative to `package` if it starts with a dot): reading
    an attribute imports the module, the first time, and reads the attribute from it."""

    def __init__(self, name: str, package: str | None = None) -> None:
        self._name = name
        self._package = package

    def __getattr__(self, attribute: str) -> Any:
        # Read from the module every time, not copied: a test's patch of it shows here too.
        return getattr(importlib.import_module(self._name, self._package), attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


if TYPE_CHECKING:
    import asyncio as asyncio
else:
    asyncio = LazyModule("asyncio")
