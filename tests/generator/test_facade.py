"""generator/facade.py: the resources the spec's paths form, and the names the templates use."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from generator.facade import describe

PATCHED_SPEC = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"


def _op(op_id: str, *, params: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "tags": ["Widgets"],
        "operationId": op_id,
        "summary": f"{op_id} summary",
        "parameters": params or [],
        "responses": {"200": {"description": "ok", **extra}},
    }


def _json(ref: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def tiny_spec() -> dict[str, Any]:
    query = [
        {
            "name": "updated_or_created_since",
            "in": "query",
            "schema": {"type": "string", "format": "date-time"},
        },
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}},
        {"name": "items_per_page", "in": "query", "schema": {"type": "integer", "maximum": 200}},
        {"name": "page", "in": "query", "schema": {"type": "integer"}},
    ]
    create = _op("postWidgets", **_json("Widget"))
    create["requestBody"] = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/postWidgets"}}}
    }
    return {
        "paths": {
            "/widgets": {
                "get": _op("getWidgets", params=query, **_json("WidgetList")),
                "post": create,
            },
            "/widgets/{key}": {
                "get": _op("getWidgetsKey", **_json("Widget")),
                "delete": _op("deleteWidgetsKey"),
            },
            "/widgets/{key}/polish": {"post": _op("postWidgetsKeyPolish", **_json("Widget"))},
            "/widget_settings": {"get": _op("getWidgetSettings", **_json("WidgetSettings"))},
        },
        "components": {
            "schemas": {
                "Widget": {"type": "object", "properties": {"id": {"type": "string"}}},
                "WidgetSettings": {"type": "object", "properties": {}},
                "WidgetList": {
                    "type": "object",
                    "properties": {
                        "$items": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Widget"},
                        }
                    },
                },
                "postWidgets": {
                    "type": "object",
                    "properties": {"widget": {"$ref": "#/components/schemas/postWidgetsWidget"}},
                },
                "postWidgetsWidget": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}},
                },
            }
        },
    }


def test_collections_become_resources_with_their_methods() -> None:
    resources = {r["name"]: r for r in describe(tiny_spec())["resources"]}

    assert list(resources) == ["widgets", "widget_settings"]
    widgets = resources["widgets"]
    assert widgets["class_name"] == "WidgetsResource"
    assert [m["name"] for m in widgets["methods"]] == ["list", "get", "create", "delete", "polish"]
    assert resources["widget_settings"]["singleton"] is True
    assert [m["name"] for m in resources["widget_settings"]["methods"]] == ["get"]


def test_list_arguments_are_typed_and_paged_by_the_facade() -> None:
    widgets = describe(tiny_spec())["resources"][0]
    listing = widgets["methods"][0]

    signatures = [p["signature"] for p in listing["params"]]
    assert signatures == [
        "updated_or_created_since: datetime.datetime | None = None",
        "kind: Literal['a', 'b'] | None = None",
        "items_per_page: int = 200",
    ]
    assert "page" not in [p["name"] for p in listing["params"]]
    assert "as_enum(GetWidgetsKind, kind)" in listing["call"]
    assert listing["changes"]["deleted"] is False
    assert listing["annotation"] == "Widget, WidgetList"


def test_bodies_carry_wrapper_and_required_fields() -> None:
    create = describe(tiny_spec())["resources"][0]["methods"][2]

    body = create["body"]
    assert (body["model_class"], body["wrapper"], body["inner_class"]) == (
        "PostWidgets",
        "widget",
        "PostWidgetsWidget",
    )
    assert body["required"] == ["name"]
    assert create["call"].startswith("body=wrapped")


def test_docstrings_are_escaped() -> None:
    spec = tiny_spec()
    spec["paths"]["/widgets"]["get"]["description"] = 'Say """hi""" \\o/'

    listing = describe(spec)["resources"][0]["methods"][0]

    assert '"""' not in listing["doc"]
    assert "\\\\o/" in listing["doc"]


def test_a_resource_named_like_a_model_is_refused() -> None:
    spec = tiny_spec()
    spec["components"]["schemas"]["WidgetsResource"] = {"type": "object"}

    with pytest.raises(ValueError, match="WidgetsResource"):
        describe(spec)


def test_every_name_of_the_real_spec_exists_in_the_generated_package() -> None:
    spec = json.loads(PATCHED_SPEC.read_text(encoding="utf-8"))

    resources = describe(spec)["resources"]

    assert len(resources) == len({path.split("/")[1] for path in spec["paths"]})
    for resource in resources:
        for method in resource["methods"]:
            module = importlib.import_module(
                f"sage_accounting.api.{method['api_package']}.{method['api_module']}"
            )
            assert callable(module.build_request)  # public: the facade builds on it
            for model_module, model_class in method["imports"]:
                models = importlib.import_module(f"sage_accounting.models.{model_module}")
                assert hasattr(models, model_class), (model_module, model_class)
