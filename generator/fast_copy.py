"""Step 5 (part): openapi-python-client's parser deep-copies each endpoint, in C.

The parser copies every endpoint three or four times (`copy.deepcopy`), each time with the
models of its responses and body: that was more than half of its parsing time. `deep_copy`
makes the same copy through pickle, whose loops run in C. Only objects whose copy pickle
makes exactly as `copy.deepcopy` does are copied so; anything else (an object with its own
`__deepcopy__`, or one pickle cannot handle) sends the whole value to `copy.deepcopy`.

One copy is not made deeply: `Endpoint.sort_parameters` copies the whole endpoint, with the
models of its responses and bodies, only to reorder `path_parameters` and set `path`, and its
only caller drops the endpoint it passed. There the copy is the endpoint with its own list of
path parameters (the rest shared), which was a third of the parser's time.
"""

from __future__ import annotations

import contextvars
import copy
import enum
import inspect
import io
import pickle
from collections.abc import Callable
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


# Set while `Endpoint.sort_parameters` runs: its one copy is of the endpoint it reorders.
_SORTING: contextvars.ContextVar[bool] = contextvars.ContextVar("sorting", default=False)
# What the upstream method must still do for the shallow copy to be enough.
_SORT_SHAPE = (
    "endpoint = deepcopy(endpoint)",
    "endpoint.path_parameters.sort(",
    "endpoint.path = ",
)


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
    if _SORTING.get() and isinstance(value, _openapi.Endpoint):
        return _for_sorting(value)
    buffer = io.BytesIO()
    try:
        _CopyPickler(buffer, _PROTOCOL).dump(value)
        copied: T = pickle.loads(buffer.getbuffer())
    except Exception:  # any failure: the reference implementation decides (and raises, if so)
        return copy.deepcopy(value)
    return copied


def _for_sorting(endpoint: T) -> T:
    """The endpoint with its own `path_parameters` list: all `sort_parameters` changes."""
    copied = copy.copy(endpoint)
    copied.path_parameters = list(copied.path_parameters)  # type: ignore[attr-defined]
    return copied


def _sorting(upstream: Callable[..., Any]) -> Callable[..., Any]:
    def sort_parameters(*, endpoint: Any) -> Any:
        token = _SORTING.set(True)
        try:
            return upstream(endpoint=endpoint)
        finally:
            _SORTING.reset(token)

    sort_parameters.__wrapped__ = upstream  # type: ignore[attr-defined]
    return sort_parameters


def install() -> None:
    """Make openapi-python-client's parser copy endpoints with `deep_copy`. Idempotent."""
    current = getattr(_openapi, "deepcopy", None)
    if current is not copy.deepcopy and current is not deep_copy:
        raise ExtensionPointChanged(
            "openapi_python_client.parser.openapi no longer copies endpoints with "
            "copy.deepcopy: update generator/fast_copy.py"
        )
    _openapi.deepcopy = deep_copy  # type: ignore[attr-defined,assignment]  # the hook, checked above
    sort = inspect.getattr_static(_openapi.Endpoint, "sort_parameters", None)
    function = getattr(sort, "__func__", None)
    # Installed before: the original is the one it wraps.
    upstream: Callable[..., Any] | None = getattr(function, "__wrapped__", function)
    if upstream is None or not all(p in inspect.getsource(upstream) for p in _SORT_SHAPE):
        raise ExtensionPointChanged(
            "openapi_python_client's Endpoint.sort_parameters no longer copies the endpoint only "
            "to reorder its path parameters: update generator/fast_copy.py"
        )
    if not hasattr(function, "__wrapped__"):  # not installed yet
        _openapi.Endpoint.sort_parameters = staticmethod(_sorting(upstream))  # type: ignore[method-assign]
