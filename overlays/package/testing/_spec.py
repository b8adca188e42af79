"""The emulator's view of the patched spec: schemas by name and the collections the paths form."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ._spec_data import SPEC_JSON

Schema = dict[str, Any]
REF_PREFIX = "#/components/schemas/"


@dataclass
class Operation:
    """One method of one spec path."""

    method: str
    template: str
    operation_id: str
    status: int
    response: Schema | None
    media_type: str | None
    query: dict[str, Schema]
    body: Schema | None


@dataclass
class Collection:
    """Everything the spec offers under `/{name}`: list, item, create, update, delete, actions."""

    name: str
    item_schema: str
    list_op: Operation | None = None
    get_op: Operation | None = None
    create_op: Operation | None = None
    update_op: Operation | None = None
    delete_op: Operation | None = None
    singleton_get: Operation | None = None
    singleton_put: Operation | None = None
    actions: dict[tuple[str, str], Operation] = field(default_factory=dict)

    @property
    def is_singleton(self) -> bool:
        return self.singleton_get is not None

    @property
    def writable(self) -> bool:
        return self.create_op is not None


@dataclass
class RouteMatch:
    operation: Operation
    collection: Collection
    key: str | None
    action: str | None


class Spec:
    """Schemas, operations and collections of the patched spec."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Schema] = document["schemas"]
        self.api_base_url: str = document["servers"][0]["url"]
        flows = document["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]
        self.authorize_url: str = flows["authorizationUrl"]
        self.token_url: str = flows["tokenUrl"]
        self.scopes: tuple[str, ...] = tuple(flows["scopes"])
        self.operations: list[Operation] = [
            _operation(method, template, op)
            for template, item in document["paths"].items()
            for method, op in item.items()
            if isinstance(op, dict) and "responses" in op
        ]
        self.collections: dict[str, Collection] = _collections(self)
        self._routes: dict[str, list[tuple[re.Pattern[str], str]]] = {}
        for template in dict.fromkeys(op.template for op in self.operations):
            pattern = re.sub(r"\\\{[^/]+\\\}", "([^/]+)", re.escape(template))
            first = template.split("/")[1]
            self._routes.setdefault(first, []).append((re.compile(f"^{pattern}$"), template))
        self._by_route = {(op.template, op.method): op for op in self.operations}

    def schema(self, name: str) -> Schema:
        return self.schemas[name]

    def resolve(self, schema: Schema) -> tuple[Schema, str | None]:
        """Follow `$ref` and one-element `oneOf`/`allOf` wrappers to the schema they name."""
        name = ref_name(schema)
        if name is None:
            return schema, None
        return self.schemas[name], name

    @cached_property
    def collection_of_schema(self) -> dict[str, str]:
        """Item schema name -> the collection whose single GET answers it (first one wins)."""
        found: dict[str, str] = {}
        for collection in self.collections.values():
            if collection.get_op is not None and collection.item_schema != "Base":
                found.setdefault(collection.item_schema, collection.name)
        return found

    def match(self, path: str) -> tuple[str, dict[str, str]] | None:
        """The spec template a concrete API path belongs to, with its `{key}` value."""
        for pattern, template in self._routes.get(path.split("/", 2)[1] if "/" in path else "", []):
            found = pattern.match(path)
            if found:
                return template, {"key": found.group(1)} if found.groups() else {}
        return None

    def methods(self, template: str) -> list[str]:
        return [op.method for op in self.operations if op.template == template]

    def route(self, method: str, template: str, key: str | None) -> RouteMatch | None:
        operation = self._by_route.get((template, method))
        if operation is None:
            return None
        parts = template.strip("/").split("/")
        action = parts[2] if len(parts) == 3 else None
        return RouteMatch(operation, self.collections[parts[0]], key, action)


def ref_name(schema: Schema) -> str | None:
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF_PREFIX)
    for wrapper in ("oneOf", "allOf"):
        options = schema.get(wrapper)
        if isinstance(options, list) and len(options) == 1 and "$ref" in options[0]:
            return str(options[0]["$ref"]).removeprefix(REF_PREFIX)
    return None


def _operation(method: str, template: str, op: dict[str, Any]) -> Operation:
    status, answer = next((c, r) for c, r in op["responses"].items() if c.startswith("2"))
    content = answer.get("content") or {}
    media_type = next(iter(content), None)
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return Operation(
        method=method.upper(),
        template=template,
        operation_id=op.get("operationId", ""),
        status=int(status),
        response=content[media_type]["schema"] if media_type else None,
        media_type=media_type,
        query={
            p["name"]: p.get("schema", {}) for p in op.get("parameters", []) if p["in"] == "query"
        },
        body=body.get("schema"),
    )


def _collections(spec: Spec) -> dict[str, Collection]:
    found: dict[str, Collection] = {}
    for op in spec.operations:
        parts = op.template.strip("/").split("/")
        name = parts[0]
        collection = found.get(name)
        if collection is None:
            collection = found[name] = Collection(name=name, item_schema="")
        item = _item_schema(spec, op)
        if item and (not collection.item_schema or (len(parts) == 2 and op.method == "GET")):
            collection.item_schema = item
        if len(parts) == 1:
            is_list = op.method == "GET" and _is_list(spec, op)
            if op.method == "GET":
                if is_list:
                    collection.list_op = op
                else:
                    collection.singleton_get = op
            elif op.method == "POST":
                collection.create_op = op
            elif op.method == "PUT":
                collection.singleton_put = op
        elif len(parts) == 2:
            slot = {"GET": "get_op", "PUT": "update_op", "DELETE": "delete_op"}[op.method]
            setattr(collection, slot, op)
        else:
            collection.actions[(op.method, parts[2])] = op
    return found


def _is_list(spec: Spec, op: Operation) -> bool:
    if op.response is None:
        return False
    schema, _ = spec.resolve(op.response)
    return "$items" in schema.get("properties", {})


def _item_schema(spec: Spec, op: Operation) -> str | None:
    if op.response is None or op.media_type != "application/json":
        return None
    schema, name = spec.resolve(op.response)
    items = schema.get("properties", {}).get("$items")
    if items is not None:
        return ref_name(items["items"])
    return name


def load_spec() -> Spec:
    return Spec(json.loads(SPEC_JSON))
