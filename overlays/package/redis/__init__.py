"""Deprecated name of `sage_accounting.fleet` (tokens and limits shared on Redis).

`import sage_accounting.redis` still works and gives the same classes, with a
`DeprecationWarning`; import from `sage_accounting.fleet` instead. This name will be removed
in 1.0.
"""

from __future__ import annotations

import warnings

from .. import fleet as _fleet
from ..fleet import *  # noqa: F403 - the same names as sage_accounting.fleet

warnings.warn(
    "sage_accounting.redis is deprecated: import from sage_accounting.fleet",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = list(_fleet.__all__)
