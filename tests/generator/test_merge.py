"""Step 3: merging the Accounts and User/Businesses documents."""

from __future__ import annotations

from typing import Any

import pytest

from generator.merge import MergeConflict, merge


def _doc(title: str, paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "3.1"},
        "servers": [{"url": "https://api.example.test/v3.1"}],
        "tags": [{"name": title}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


PING = {"get": {"operationId": "ping", "responses": {"200": {"description": "ok"}}}}
PONG = {"get": {"operationId": "pong", "responses": {"200": {"description": "ok"}}}}
LINK = {"type": "object", "properties": {"href": {"type": "string"}}}


def test_paths_and_identical_schemas_merge() -> None:
    merged = merge(
        [
            _doc("A", {"/ping": PING}, {"Link": LINK, "A": {"type": "object"}}),
            _doc("B", {"/pong": PONG}, {"Link": dict(LINK), "B": {"type": "string"}}),
        ],
        title="Both",
    )
    assert merged["info"]["title"] == "Both"
    assert list(merged["paths"]) == ["/ping", "/pong"]
    assert list(merged["components"]["schemas"]) == ["Link", "A", "B"]
    assert [tag["name"] for tag in merged["tags"]] == ["A", "B"]


def test_schema_defined_differently_is_an_error_naming_it() -> None:
    other_link = {"type": "object", "properties": {"href": {"type": "integer"}}}
    with pytest.raises(MergeConflict, match=r"components\.schemas\.Link"):
        merge(
            [_doc("A", {"/ping": PING}, {"Link": LINK}), _doc("B", {}, {"Link": other_link})],
            title="x",
        )


def test_same_path_twice_differently_is_an_error_naming_it() -> None:
    with pytest.raises(MergeConflict, match="path /ping"):
        merge([_doc("A", {"/ping": PING}, {}), _doc("B", {"/ping": PONG}, {})], title="x")


def test_different_servers_refused() -> None:
    second = _doc("B", {}, {})
    second["servers"] = [{"url": "https://elsewhere.test"}]
    with pytest.raises(MergeConflict, match="servers"):
        merge([_doc("A", {}, {}), second], title="x")


def test_inputs_are_not_mutated() -> None:
    first = _doc("A", {"/ping": PING}, {"Link": LINK})
    merged = merge([first], title="x")
    merged["components"]["schemas"]["Link"]["type"] = "string"
    assert first["components"]["schemas"]["Link"]["type"] == "object"
