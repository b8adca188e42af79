"""Python code that reads and writes one model property, for our model template.

openapi-python-client's stock model template builds a nested function per nullable property
on every `from_dict` call and imports related models inside every call; decoding a list page
spent most of its time there. Here each property becomes one inline expression instead, and
related models are reached through module objects bound once at import time
(`from . import base as _m_base`), which also works for models that refer to each other.

The template stays free of logic: it asks these functions for code, and they fail loudly on a
property kind they do not know, rather than emit something wrong.
"""

from __future__ import annotations

from typing import Any

from openapi_python_client.parser.properties import (
    AnyProperty,
    EnumProperty,
    ModelProperty,
)
from openapi_python_client.parser.properties.boolean import BooleanProperty
from openapi_python_client.parser.properties.date import DateProperty
from openapi_python_client.parser.properties.datetime import DateTimeProperty
from openapi_python_client.parser.properties.int import IntProperty
from openapi_python_client.parser.properties.list_property import ListProperty
from openapi_python_client.parser.properties.none import NoneProperty
from openapi_python_client.parser.properties.string import StringProperty
from openapi_python_client.parser.properties.union import UnionProperty

from .extension import DecimalProperty

PASS_THROUGH = (StringProperty, IntProperty, BooleanProperty, AnyProperty)


class UnsupportedProperty(TypeError):
    """A property kind our model template cannot read or write yet."""


def _unwrap(prop: Any) -> tuple[Any, bool]:
    """The property's value kind, and whether null is allowed (a union with None)."""
    if isinstance(prop, UnionProperty):
        others = [p for p in prop.inner_properties if not isinstance(p, NoneProperty)]
        if len(others) == 1:
            return others[0], len(others) < len(prop.inner_properties)
        kinds = ", ".join(type(p).__name__ for p in others)
        raise UnsupportedProperty(f"{_label(prop)}: a union of {kinds} is not supported")
    return prop, False


def _label(prop: Any) -> str:
    name = prop.name
    return str(name.get_untrusted_value() if hasattr(name, "get_untrusted_value") else name)


def _alias(module_name: str) -> str:
    return f"_m_{module_name}"


def related_modules(model: ModelProperty) -> list[str]:
    """Sibling model modules this model's code refers to at run time."""
    found: set[str] = set()

    def visit(prop: Any) -> None:
        kind, _ = _unwrap(prop)
        if isinstance(kind, (ModelProperty, EnumProperty)):
            found.add(str(kind.class_info.module_name))
        elif isinstance(kind, ListProperty):
            visit(kind.inner_property)

    for prop in [*(model.required_properties or []), *(model.optional_properties or [])]:
        visit(prop)
    if isinstance(model.additional_properties, (ModelProperty, EnumProperty, ListProperty)):
        visit(model.additional_properties)
    return sorted(found)


def module_import(module_name: str) -> str:
    return f"from . import {module_name} as {_alias(module_name)}"


def needs_conversion(prop: Any) -> bool:
    kind, _ = _unwrap(prop)
    if isinstance(kind, ListProperty):
        return needs_conversion(kind.inner_property)
    return not isinstance(kind, PASS_THROUGH)


def _read_value(kind: Any, source: str, depth: int) -> str:
    """Expression turning JSON `source` (known not null/unset) into the Python value."""
    if isinstance(kind, PASS_THROUGH):
        return source
    if isinstance(kind, DecimalProperty):
        return f"decimal_from_wire({source})"
    if isinstance(kind, DateTimeProperty):
        return f"datetime_from_wire({source})"
    if isinstance(kind, DateProperty):
        return f"datetime.date.fromisoformat({source})"
    if isinstance(kind, ModelProperty):
        return f"{_alias(kind.class_info.module_name)}.{kind.class_info.name}.from_dict({source})"
    if isinstance(kind, EnumProperty):
        return f"{_alias(kind.class_info.module_name)}.{kind.class_info.name}({source})"
    if isinstance(kind, ListProperty):
        item = f"_i{depth}"
        return f"[{read(kind.inner_property, item, depth + 1)} for {item} in {source}]"
    raise UnsupportedProperty(f"{_label(kind)}: cannot read a {type(kind).__name__}")


def read(prop: Any, source: str, depth: int = 0) -> str:
    """Expression reading a property from JSON; null (where allowed) and absence pass through."""
    kind, nullable = _unwrap(prop)
    if not needs_conversion(kind):
        return source
    var = f"_v{depth}"
    checks = ([f"{var} is None"] if nullable else []) + (
        [] if prop.required else [f"{var} is UNSET"]
    )
    if not checks:
        return _read_value(kind, source, depth)
    checks[0] = checks[0].replace(var, f"({var} := {source})", 1)
    return f"({var} if {' or '.join(checks)} else {_read_value(kind, var, depth)})"


def _write_value(kind: Any, source: str, depth: int) -> str:
    """Expression turning the Python value `source` (not None/UNSET) into JSON."""
    if isinstance(kind, PASS_THROUGH):
        return source
    if isinstance(kind, DecimalProperty):
        return f"decimal_to_wire({source})"
    if isinstance(kind, (DateTimeProperty, DateProperty)):
        return f"{source}.isoformat()"
    if isinstance(kind, ModelProperty):
        return f"{source}.to_dict()"
    if isinstance(kind, EnumProperty):
        return f"{source}.value"
    if isinstance(kind, ListProperty):
        item = f"_i{depth}"
        return f"[{write(kind.inner_property, item, depth + 1)} for {item} in {source}]"
    raise UnsupportedProperty(f"{_label(kind)}: cannot write a {type(kind).__name__}")


def write(prop: Any, source: str, depth: int = 0) -> str:
    """Expression writing a property's value (already known not UNSET) as JSON."""
    kind, nullable = _unwrap(prop)
    if not needs_conversion(kind):
        return source
    value = _write_value(kind, source, depth)
    return f"(None if {source} is None else {value})" if nullable else value


TEMPLATE_GLOBALS = {
    "wire_read": read,
    "wire_write": write,
    "wire_related_modules": related_modules,
    "wire_module_import": module_import,
    "wire_needs_conversion": needs_conversion,
}
