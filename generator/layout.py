"""Where the pipeline reads and writes: one place for the project's paths and the package name.

Free of heavy imports, so that the overlay edit loop (generator/overlays.py) can name them
without loading openapi-python-client.
"""

from __future__ import annotations

from .spec import PROJECT_ROOT

PACKAGE_NAME = "sage_accounting"
GENERATED = PROJECT_ROOT / "generated"
OVERLAYS = PROJECT_ROOT / "overlays"
OVERLAY_PACKAGE = OVERLAYS / "package"
TEMPLATES = OVERLAYS / "templates"
CONFIG_FILE = OVERLAYS / "openapi-python-client.yaml"
