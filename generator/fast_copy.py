"""Step 5 (part): openapi-python-client's parser deep-copies each endpoint, in C.

The parser copies every endpoint three or four times (`copy.deepcopy`), each time with the
models of its responses and body: that was more than half of its parsing time. `deep_copy`
makes the same copy through pickle, whose loops run in C. Only objects whose copy pickle
makes exactly as `copy.deepcopy` does are copied so; anything else (an object with its own
`__deepcopy__`, or one pickle cannot handle) sends the whole value to `copy.deepcopy`.
"""

from __future__ import annotations

import copy
import enum
import io
import pickle
from typing import Any, TypeVar

from openapi_python_client.parser import openapi as _openapi
from openapi_python_client.strings import ClassName, PythonIdentifier
from pydantic import BaseModel

from .extension import ExtensionPointChanged

T = TypeVar("T")

# The protocol `copy.deepcopy` asks `__reduce_ex__` for, so both take objects apart alike.
_PROTOCOL = 4

# `__deepcopy__` methods pickle reproduces: pydantic copies a model's fields deeply, as its
# pickled state does; an Enum member is itself either way.
_PICKLE_EQUIVALENT = frozenset({BaseModel.__deepcopy__, enum.Enum.__deepcopy__})
# Immutable strings whose `__deepcopy__` returns them as they are: rebuilt equal.
_IMMUTABLE_STRINGS = frozenset({PythonIdentifier, ClassName})


class _NotPicklable(Exception):
    """The value holds an object pickle would not copy as `copy.deepcopy` does."""


def _rebuild_string(cls: type[str], value: str) -> str:
    return str.__new__(cls, value)


class _CopyPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        deep = getattr(kind, "__deepcopy__", None)
        if deep is None or deep in _PICKLE_EQUIVALENT:
            return NotImplemented
        if kind in _IMMUTABLE_STRINGS:
            return _rebuild_string, (kind, str(obj))
        raise _NotPicklable(kind.__qualname__)


def deep_copy(value: T) -> T:
    """What `copy.deepcopy(value)` returns, made faster where that is exactly the same."""
    buffer = io.BytesIO()
    try:
        _CopyPickler(buffer, _PROTOCOL).dump(value)
        copied: T = pickle.loads(buffer.getbuffer())
    except Exception:  # any failure: the reference implementation decides (and raises, if so)
        return copy.deepcopy(value)
    return copied


def install() -> None:
    """Make openapi-python-client's parser copy endpoints with `deep_copy`. Idempotent."""
    current = getattr(_openapi, "deepcopy", None)
    if current is not copy.deepcopy and current is not deep_copy:
        raise ExtensionPointChanged(
            "openapi_python_client.parser.openapi no longer copies endpoints with "
            "copy.deepcopy: update generator/fast_copy.py"
        )
    _openapi.deepcopy = deep_copy  # type: ignore[attr-defined,assignment]  # the hook, checked above
