"""Python code that reads and writes one model property, for our model template.

openapi-python-client's stock model template builds a nested function per nullable property
on every `from_dict` call and imports related models inside every call; decoding a list page
spent most of its time there. Here each property becomes one inline expression instead, and
related models are reached through the models package (`from .. import models as _models`,
then `_models.Base`), whose `__getattr__` imports a model's module on its first use and binds
it there. So importing one model imports no other (decoding or `typing.get_type_hints` loads
the related ones), models may refer to each other, and the annotations (`_models.Link`, not a
name imported only for type checkers) resolve at run time. A record holding another reads it
with that model's `_from_wire` (a static method: no bound method is made per record);
`from_dict` is the public door (`_wire.read_record`). `from_dict` sets the attributes itself
(attrs' `__init__`, called with keywords, cost more than the rest of the decoding), notes the
wire key of each field that can fail in `_k` for `_wire.wire_error`, and finds the keys it
does not know with one set comparison (`_wire.unknown_fields`).

The template stays free of logic: it asks these functions for code, and they fail loudly on a
property kind they do not know, rather than emit something wrong.

Two habits of the live API are handled here too. An empty string where a date, date-time or
decimal belongs (`"updated_at": ""`) reads as None, and the model remembers it in
`_wire_blanks`, so `to_dict()` sends back the empty string it got. An envelope key with another
spelling (`$itemsPerPage` for `$items_per_page`, errata.ENVELOPE_ALIASES) reads into the same
attribute, and the model remembers the spelling in `_<attribute>_key` for `to_dict()`.
"""

from __future__ import annotations

import re
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

from .errata import ENVELOPE_ALIASES
from .extension import DecimalProperty

PASS_THROUGH = (StringProperty, IntProperty, BooleanProperty, AnyProperty)
#: Kinds whose empty string the live API sends for "no value".
BLANKABLE = (DecimalProperty, DateTimeProperty, DateProperty)
#: The model attribute that holds the wire names of fields received as "".
BLANKS_FIELD = "_wire_blanks"
#: How a model module names the models package, through which it reaches its siblings.
MODELS_ALIAS = "_models"
#: How openapi-python-client imports a sibling model eagerly (replaced by MODELS_ALIAS).
MODELS_PREFIX = "from ..models."
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9.]*")


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


def _literal(text: str) -> str:
    """A Python string literal of `text` (a wire name from the spec)."""
    return repr(str(text))


def _qualified(kind: ModelProperty | EnumProperty) -> str:
    return f"{MODELS_ALIAS}.{kind.class_info.name}"


def _classes_of(prop: Any, found: set[str]) -> set[str]:
    """Add the names of the sibling models and enums one property holds to `found`."""
    kind, _ = _unwrap(prop)
    if isinstance(kind, (ModelProperty, EnumProperty)):
        found.add(str(kind.class_info.name))
    elif isinstance(kind, ListProperty):
        _classes_of(kind.inner_property, found)
    return found


def related_classes(model: ModelProperty) -> list[str]:
    """Names of the sibling models and enums this model's fields hold."""
    found: set[str] = set()
    for prop in _properties_of(model):
        _classes_of(prop, found)
    if isinstance(model.additional_properties, (ModelProperty, EnumProperty, ListProperty)):
        _classes_of(model.additional_properties, found)
    return sorted(found)


def imports(model: ModelProperty) -> list[str]:
    """The model module's imports beyond the template's own: sibling models come lazily."""
    stock = model.relative_imports or set()
    lines = sorted(line for line in stock if not line.startswith(MODELS_PREFIX))
    if related_classes(model):
        lines.append(f"from .. import models as {MODELS_ALIAS}")
    return lines


def annotation(type_string: str, model: ModelProperty) -> str:
    """A type as the model module writes it: sibling classes through the models package."""
    return _qualified_names(type_string, set(related_classes(model)))


def _qualified_names(type_string: str, classes: set[str]) -> str:
    return _NAME.sub(
        lambda m: f"{MODELS_ALIAS}.{m[0]}" if m[0] in classes else m[0], str(type_string)
    )


def declaration(prop: Any) -> str:
    """The attrs field line of a property (`name: type = default`), its type resolvable."""
    stock = str(prop.to_string().as_unembedded_code())
    stock_type = str(prop.get_type_string().as_unembedded_code())
    prefix = f"{prop.python_name}: {stock_type}"
    if not stock.startswith(prefix):
        raise UnsupportedProperty(f"{_label(prop)}: unexpected declaration {stock!r}")
    # The property's own classes: the model's other fields name no class in its type.
    typed = _qualified_names(stock_type, _classes_of(prop, set()))
    return f"{prop.python_name}: {typed}{stock[len(prefix) :]}"


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
        return f"{_qualified(kind)}._from_wire({source})"
    if isinstance(kind, EnumProperty):
        return f"{_qualified(kind)}({source})"
    if isinstance(kind, ListProperty):
        item = f"_i{depth}"
        inner = read(kind.inner_property, item, depth + 1)
        callee = inner.removesuffix(f"({item})")
        if inner.endswith(f"({item})") and item not in callee and _NAME.fullmatch(callee):
            return f"list(map({callee}, {source}))"  # no Python loop: the items are calls
        return f"[{inner} for {item} in {source}]"
    raise UnsupportedProperty(f"{_label(kind)}: cannot read a {type(kind).__name__}")


def blankable(prop: Any) -> bool:
    """Whether a top-level property reads an empty string as None (and writes it back)."""
    kind, nullable = _unwrap(prop)
    return nullable and isinstance(kind, BLANKABLE)


def read(prop: Any, source: str, depth: int = 0, blanks: str | None = None) -> str:
    """Expression reading a property from JSON; null (where allowed) and absence pass through.

    With `blanks` (the name of a list in the generated code), an empty string of a blankable
    property reads as None and its wire name is noted in that list."""
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
    value = _read_value(kind, var, depth)
    if blanks is not None and depth == 0 and blankable(prop):
        # The type test first: `Decimal == ""` asks the numbers ABCs, slowly.
        blank = f'type({var}) is str and {var} == ""'
        value = f"(note_blank({blanks}, {_literal(_label(prop))}) if {blank} else {value})"
    return f"({var} if {' or '.join(checks)} else {value})"


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


def write(prop: Any, source: str, depth: int = 0, blanks: str | None = None) -> str:
    """Expression writing a property's value (already known not UNSET) as JSON.

    With `blanks` (an expression for the set of wire names received as ""), a None of a
    blankable property is written back as the empty string it was read from."""
    kind, nullable = _unwrap(prop)
    if not needs_conversion(kind):
        return source
    value = _write_value(kind, source, depth)
    if not nullable:
        return value
    empty = "None"
    if blanks is not None and depth == 0 and blankable(prop):
        empty = f'("" if {_literal(_label(prop))} in {blanks} else None)'
    return f"({empty} if {source} is None else {value})"


def model_blankable(model: ModelProperty) -> bool:
    """Whether the model needs `_wire_blanks`: it has a property that may come as ""."""
    return any(blankable(p) for p in _properties_of(model))


def _properties_of(model: ModelProperty) -> list[Any]:
    return [*(model.required_properties or []), *(model.optional_properties or [])]


def spelling_field(prop: Any) -> str:
    """The private attribute remembering which spelling of an aliased key came."""
    return f"_{prop.python_name}_key"


def aliased(model: ModelProperty) -> list[dict[str, str]]:
    """Properties with other wire spellings: their attribute, default spelling and chooser."""
    found = []
    for prop in _properties_of(model):
        others = ENVELOPE_ALIASES.get(_label(prop), ())
        if not others:
            continue
        name = _label(prop)
        chooser = _literal(name)
        for other in reversed(others):  # the canonical spelling wins when both came
            chooser = f"({_literal(other)} if {_literal(other)} in s else {chooser})"
        found.append(
            {
                "field": spelling_field(prop),
                "default": _literal(name),
                "choose": f"{_literal(name)} if {_literal(name)} in s else {chooser}",
            }
        )
    return found


def keys(model: ModelProperty) -> str:
    """The wire keys `from_dict` reads (their canonical spellings: the one a record came with
    is passed along), as one string literal of space-separated keys, for the model's
    `_WIRE_KEYS`: any other key goes to `additional_properties`. One literal, not a tuple,
    keeps the generated code short."""
    found = [_label(prop) for prop in _properties_of(model)]
    spaced = [name for name in found if not name or any(c.isspace() for c in name)]
    if spaced:
        raise ValueError(f"{model.class_info.name}: wire keys with white space: {spaced!r}")
    return _literal(" ".join(found))


def fallible(prop: Any) -> bool:
    """Whether reading the property can fail (it is converted, or required): `from_dict`
    notes its wire key first, so that `_wire.wire_error` can name it."""
    return bool(prop.required) or needs_conversion(prop)


def any_fallible(model: ModelProperty) -> bool:
    return any(fallible(prop) for prop in _properties_of(model))


def key(prop: Any) -> str:
    """Where from_dict reads the property: its wire name, or the spelling chosen for it."""
    if _label(prop) in ENVELOPE_ALIASES:
        return spelling_field(prop)
    return _literal(_label(prop))


def key_out(prop: Any) -> str:
    """Where to_dict writes the property: its wire name, or the spelling it came in."""
    if _label(prop) in ENVELOPE_ALIASES:
        return f"self.{spelling_field(prop)}"
    return _literal(_label(prop))


TEMPLATE_GLOBALS = {
    "wire_read": read,
    "wire_write": write,
    "wire_imports": imports,
    "wire_annotation": annotation,
    "wire_declaration": declaration,
    "wire_needs_conversion": needs_conversion,
    "wire_model_blankable": model_blankable,
    "wire_blanks_field": BLANKS_FIELD,
    "wire_aliased": aliased,
    "wire_key": key,
    "wire_keys": keys,
    "wire_fallible": fallible,
    "wire_any_fallible": any_fallible,
    "wire_key_out": key_out,
}
