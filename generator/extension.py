"""Step 5 (part): what openapi-python-client's parser must learn that templates cannot express.

1. A `DecimalProperty`: schemas of `type: string, format: decimal` (our errata turn every
   `number` into that) become `decimal.Decimal` fields, parsed from a numeric string or a JSON
   number and serialised with exactly their digits.
2. JSON responses are decoded with `Decimal` for floats, never through binary float.

Both hook into module attributes of openapi-python-client. `install()` checks those hooks still
exist and have the shape we rely on, and fails loudly otherwise, so that a new
openapi-python-client version cannot silently drop our Decimal support.
"""

from __future__ import annotations

import inspect
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from attrs import define, field
from openapi_python_client import schema as oai
from openapi_python_client.parser import properties as _properties
from openapi_python_client.parser import responses as _responses
from openapi_python_client.parser.errors import PropertyError
from openapi_python_client.parser.properties.protocol import (
    PropertyProtocol,
    Value,
    convert_example,
)
from openapi_python_client.strings import PythonCode, PythonIdentifier

DECIMAL_FORMAT = "decimal"
JSON_ATTRIBUTE = "loads_json(response.content)"


class ExtensionPointChanged(RuntimeError):
    """openapi-python-client no longer offers a hook this extension relies on."""


@define
class DecimalProperty(PropertyProtocol):
    """A money or quantity value, as `decimal.Decimal`."""

    name: oai.UntrustedString
    required: bool
    default: Value | None
    python_name: PythonIdentifier
    description: oai.UntrustedString | None
    example: oai.UntrustedString | None = field(converter=convert_example)

    _type_string: ClassVar[str] = "Decimal"
    _json_type_string: ClassVar[str] = "str"
    _allowed_locations: ClassVar[set[oai.ParameterLocation]] = {
        oai.ParameterLocation.QUERY,
        oai.ParameterLocation.PATH,
        oai.ParameterLocation.COOKIE,
        oai.ParameterLocation.HEADER,
    }
    template: ClassVar[str] = "decimal_property.py.jinja"

    @classmethod
    def build(
        cls,
        name: oai.UntrustedString,
        required: bool,
        default: Any,
        python_name: PythonIdentifier,
        description: oai.UntrustedString | None,
        example: Any,
    ) -> DecimalProperty | PropertyError:
        checked = cls.convert_value(default)
        if isinstance(checked, PropertyError):
            return checked
        return cls(
            name=name,
            required=required,
            default=checked,
            python_name=python_name,
            description=description,
            example=example,
        )

    @classmethod
    def convert_value(cls, value: Any) -> Value | PropertyError | None:
        if isinstance(value, Value) or value is None:
            return value
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return PropertyError(f"Cannot convert {value!r} to a Decimal")
        try:
            exact = Decimal(str(value))
        except InvalidOperation:
            return PropertyError(f"Invalid decimal value: {value!r}")
        return Value(python_code=PythonCode(f'Decimal("{exact}")'), raw_value=value)

    def get_imports(self, *, prefix: str) -> set[str]:
        imports = super().get_imports(prefix=prefix)
        imports.add("from decimal import Decimal")
        imports.add(f"from {prefix}_wire import decimal_from_wire, decimal_to_wire")
        return imports


def _check_extension_points() -> None:
    builder = getattr(_properties, "_string_based_property", None)
    if builder is None or not callable(builder):
        raise ExtensionPointChanged(
            "openapi_python_client.parser.properties._string_based_property is gone: "
            "DecimalProperty cannot be installed; update generator/extension.py"
        )
    wanted = ["name", "required", "data", "config"]
    params = list(inspect.signature(builder).parameters)
    if params != wanted:
        raise ExtensionPointChanged(
            f"_string_based_property takes {params}, expected {wanted}: "
            "update generator/extension.py"
        )
    source = getattr(_responses, "JSON_SOURCE", None)
    if not isinstance(source, dict) or "attribute" not in source:
        raise ExtensionPointChanged(
            "openapi_python_client.parser.responses.JSON_SOURCE is gone: "
            "responses would decode floats as binary floats; update generator/extension.py"
        )


_original_string_based_property = getattr(_properties, "_string_based_property", None)


def _string_based_property(
    name: oai.UntrustedString, required: bool, data: oai.Schema, config: Any
) -> Any:
    if data.schema_format == DECIMAL_FORMAT:
        return DecimalProperty.build(
            name=name,
            required=required,
            default=data.default,
            python_name=PythonIdentifier(value=name, prefix=config.field_prefix),
            description=data.description,
            example=data.example,
        )
    assert _original_string_based_property is not None
    return _original_string_based_property(name=name, required=required, data=data, config=config)


def install() -> None:
    """Teach openapi-python-client's parser Decimal. Idempotent."""
    _check_extension_points()
    _properties._string_based_property = _string_based_property
    _responses.JSON_SOURCE["attribute"] = JSON_ATTRIBUTE
