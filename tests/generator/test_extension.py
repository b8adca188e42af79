"""Step 5: our Decimal extension of openapi-python-client's parser works, or fails loudly."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_python_client.parser import properties as parser_properties
from openapi_python_client.parser.errors import PropertyError

from generator import extension
from generator.codegen import generate_package
from generator.layout import OVERLAY_PACKAGE
from generator.output import format_tree

SMALL_SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Small", "version": "1"},
    "paths": {
        "/payments": {
            "get": {
                "operationId": "getPayments",
                "parameters": [
                    {
                        "name": "min_amount",
                        "in": "query",
                        "schema": {"type": "string", "format": "decimal"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Payment"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Payment": {
                "type": "object",
                "required": ["amount"],
                "properties": {
                    "amount": {"type": "string", "format": "decimal"},
                    "fee": {"type": "string", "format": "decimal", "nullable": True},
                    "rates": {"type": "array", "items": {"type": "string", "format": "decimal"}},
                },
            }
        }
    },
}


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small") / "generated"
    package = root / "sage_accounting"
    generate_package(SMALL_SPEC, package)
    # The overlay modules a model imports (its wire conversions, and the errors they raise).
    for module in (
        "_wire.py",
        "errors.py",
        "_error_bodies.py",
        "_availability_note.py",
        "_lazy.py",
    ):
        shutil.copyfile(OVERLAY_PACKAGE / module, package / module)
    format_tree(root)
    return root


def test_decimal_schema_becomes_a_decimal_field(small_client: Path) -> None:
    source = (small_client / "sage_accounting" / "models" / "payment.py").read_text()
    assert "amount: Decimal\n" in source
    assert "fee: Decimal | Unset | None = UNSET" in source
    assert "rates: list[Decimal] | Unset = UNSET" in source
    endpoint = small_client / "sage_accounting" / "api" / "default" / "get_payments.py"
    assert "min_amount: Decimal | Unset = UNSET" in endpoint.read_text()


def test_generated_decimal_model_round_trips_exactly(small_client: Path) -> None:
    sys.path.insert(0, str(small_client))
    saved = {name: mod for name, mod in sys.modules.items() if name.startswith("sage_accounting")}
    for name in saved:
        del sys.modules[name]
    try:
        payment_module = importlib.import_module("sage_accounting.models.payment")
        wire = importlib.import_module("sage_accounting._wire")
        payment = payment_module.Payment.from_dict(
            wire.loads_json(b'{"amount": 0.30, "fee": null, "rates": ["1.10", 2]}')
        )
        assert str(payment.amount) == "0.30"
        assert payment.fee is None
        assert [str(rate) for rate in payment.rates] == ["1.10", "2"]
        assert payment.to_dict() == {"amount": "0.30", "fee": None, "rates": ["1.10", "2"]}
    finally:
        sys.path.remove(str(small_client))
        for name in [n for n in sys.modules if n.startswith("sage_accounting")]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_missing_extension_point_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(parser_properties, "_string_based_property")
    with pytest.raises(extension.ExtensionPointChanged, match="_string_based_property is gone"):
        extension.install()


def test_changed_extension_point_signature_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def renamed(name: str, required: bool, schema: object, config: object) -> None:
        return None

    monkeypatch.setattr(parser_properties, "_string_based_property", renamed)
    with pytest.raises(extension.ExtensionPointChanged, match="expected"):
        extension.install()


def test_decimal_defaults_are_exact() -> None:
    value = extension.DecimalProperty.convert_value("0.10")
    assert value is not None and not isinstance(value, PropertyError)
    assert value.python_code.as_unembedded_code() == 'Decimal("0.10")'
    assert isinstance(extension.DecimalProperty.convert_value(True), PropertyError)
