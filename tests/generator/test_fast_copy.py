"""Step 5: the parser's endpoint copies are made in C, and are what copy.deepcopy makes."""

from __future__ import annotations

import copy
import enum
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openapi_python_client import schema as oai
from openapi_python_client.parser import openapi as parser_openapi
from openapi_python_client.strings import ClassName, PythonIdentifier

from generator import codegen, fast_copy
from generator.extension import ExtensionPointChanged
from generator.output import tree_files

_CONTACT = {"$ref": "#/components/schemas/Contact"}
# Path parameters (sorted on a copy), a shared parameter, a model in a response and a body.
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Copies", "version": "1"},
    "paths": {
        "/contacts/{key}/notes/{note}": {
            "parameters": [{"$ref": "#/components/parameters/Key"}],
            "get": {
                "operationId": "getNote",
                "parameters": [
                    {"name": "note", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": _CONTACT}},
                    }
                },
            },
            "put": {
                "operationId": "putNote",
                "parameters": [
                    {"name": "note", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": _CONTACT}}},
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": _CONTACT}},
                    }
                },
            },
        }
    },
    "components": {
        "parameters": {
            "Key": {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
        },
        "schemas": {
            "Contact": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "balance": {"type": "string", "format": "decimal"},
                    "address": {"type": "object", "properties": {"city": {"type": "string"}}},
                },
            }
        },
    },
}


class Colour(enum.Enum):
    RED = "red"


def test_a_copy_equals_deepcopy_and_shares_nothing_with_the_original() -> None:
    shared = [1, 2]
    original: dict[str, Any] = {
        "schema": oai.Schema.model_validate({"type": "string", "format": "decimal"}),
        "name": PythonIdentifier("Total Amount", prefix="field_"),
        "class": ClassName("sales invoice", prefix="field_"),
        "colour": Colour.RED,
        "a": shared,
        "b": shared,
    }
    copied = fast_copy.deep_copy(original)
    assert copied == copy.deepcopy(original)
    assert type(copied["name"]) is PythonIdentifier and copied["name"] == "total_amount"
    assert copied["name"] is not original["name"]  # made by pickle (deepcopy returns it as is)
    assert type(copied["class"]) is ClassName
    assert copied["colour"] is Colour.RED
    assert copied["a"] is copied["b"]  # shared within the value, as deepcopy keeps it
    assert copied["a"] is not shared and copied["schema"] is not original["schema"]
    copied["a"].append(3)
    assert shared == [1, 2]


def test_what_pickle_cannot_copy_alike_is_left_to_deepcopy() -> None:
    pattern = re.compile("x+")  # its own __deepcopy__ returns it as it is

    def local() -> None:
        return None

    copied = fast_copy.deep_copy({"pattern": pattern, "function": local, "items": [1]})
    assert copied["pattern"] is pattern and copied["function"] is local
    assert copied["items"] == [1]


def test_the_client_is_the_same_as_with_deepcopy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = tmp_path / "fast" / "sage_accounting"
    codegen.generate_package(SPEC, fast)
    assert vars(parser_openapi)["deepcopy"] is fast_copy.deep_copy
    monkeypatch.setattr(fast_copy, "install", lambda: None)
    monkeypatch.setattr(parser_openapi, "deepcopy", copy.deepcopy)
    reference = tmp_path / "reference" / "sage_accounting"
    codegen.generate_package(SPEC, reference)
    names = tree_files(fast)
    assert names == tree_files(reference) and len(names) > 5
    for name in names:
        assert (fast / name).read_bytes() == (reference / name).read_bytes(), name


def test_a_changed_extension_point_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_openapi, "deepcopy", lambda value: value)
    with pytest.raises(ExtensionPointChanged, match=r"copy\.deepcopy"):
        fast_copy.install()


def _endpoint(path: str, names: list[str]) -> parser_openapi.Endpoint:
    endpoint = parser_openapi.Endpoint(
        path=oai.UntrustedString(path),
        method="get",
        description=oai.UntrustedString(""),
        name=PythonIdentifier("get_note", prefix=""),
        requires_security=False,
        tags=[],
        summary=oai.UntrustedString(""),
    )
    for name in names:
        untrusted = oai.UntrustedString(name)
        param = SimpleNamespace(name=untrusted, python_name=PythonIdentifier(name, prefix=""))
        endpoint.path_parameters.append(param)  # type: ignore[arg-type]
    return endpoint


def test_sorting_path_parameters_copies_only_what_it_changes() -> None:
    fast_copy.install()
    original = _endpoint("/contacts/{key}/notes/{note}", ["note", "key"])
    first = original.path_parameters[0]
    sorted_endpoint = parser_openapi.Endpoint.sort_parameters(endpoint=original)

    assert isinstance(sorted_endpoint, parser_openapi.Endpoint)
    assert [p.name for p in sorted_endpoint.path_parameters] == ["key", "note"]
    assert [p.name for p in original.path_parameters] == ["note", "key"]  # as it was given
    assert original.path == "/contacts/{key}/notes/{note}"
    assert sorted_endpoint.path_parameters[1] is first  # the rest is shared, not copied
    assert sorted_endpoint.responses is original.responses
    copied = fast_copy.deep_copy(original)  # any other copy is deep, as before
    assert copied.responses is not original.responses


def test_a_changed_sort_parameters_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def sort_parameters(*, endpoint: Any) -> Any:
        return endpoint

    monkeypatch.setattr(parser_openapi.Endpoint, "sort_parameters", staticmethod(sort_parameters))
    with pytest.raises(ExtensionPointChanged, match="sort_parameters"):
        fast_copy.install()
