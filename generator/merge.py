"""Step 3: merge several OpenAPI 3 documents (already converted) into one."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any


class MergeConflict(ValueError):
    """Two documents define the same name differently."""


_COMPONENT_KINDS = (
    "schemas",
    "parameters",
    "requestBodies",
    "responses",
    "headers",
    "securitySchemes",
    "examples",
    "links",
    "callbacks",
)


def merge(documents: Sequence[Mapping[str, Any]], *, title: str) -> dict[str, Any]:
    """Merge `documents` in order. Identical definitions merge; different ones are an error."""
    if not documents:
        raise ValueError("merge needs at least one document")
    first = documents[0]
    merged: dict[str, Any] = {
        "openapi": first["openapi"],
        "info": {**copy.deepcopy(first["info"]), "title": title},
        "servers": copy.deepcopy(first.get("servers", [])),
        "tags": [],
        "paths": {},
        "components": {},
    }
    tag_names: set[str] = set()
    for index, document in enumerate(documents):
        where = f"document {index + 1} ({document.get('info', {}).get('title', '?')})"
        if document.get("servers", []) != merged["servers"]:
            raise MergeConflict(f"{where}: servers differ from the first document's")
        for tag in document.get("tags", []):
            if tag["name"] not in tag_names:
                tag_names.add(tag["name"])
                merged["tags"].append(copy.deepcopy(tag))
        for path, item in document.get("paths", {}).items():
            _add(merged["paths"], path, item, f"path {path}", where)
        for kind in _COMPONENT_KINDS:
            for name, value in document.get("components", {}).get(kind, {}).items():
                target = merged["components"].setdefault(kind, {})
                _add(target, name, value, f"components.{kind}.{name}", where)
        for key, value in document.items():
            if key.startswith("x-"):
                _add(merged, key, value, key, where)
        if "security" in document:
            _add(merged, "security", document["security"], "security", where)
    if not merged["tags"]:
        del merged["tags"]
    return merged


def _add(target: dict[str, Any], key: str, value: Any, label: str, where: str) -> None:
    if key in target:
        if target[key] != value:
            raise MergeConflict(
                f"{label} is defined differently in {where} and an earlier document"
            )
        return
    target[key] = copy.deepcopy(value)
