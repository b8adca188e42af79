"""The resource facade as plain data: which resources the spec's paths form, and their methods.

`describe(spec)` is what the overlay templates `resources/_classes.jinja` (through
`resources/_sync.py.jinja` and `_async.py.jinja`) and `resources/_mixins.py.jinja` render;
every name in it (api modules, model classes, keyword arguments) is derived the way
openapi-python-client derives the generated code's names, so the facade calls that code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from openapi_python_client.strings import ClassName, PythonIdentifier

from .idempotency import FIELD as IDEMPOTENCY_FIELD

REF_PREFIX = "#/components/schemas/"
_CHANGES_SINCE = "updated_or_created_since"
_DELETED_SINCE = "deleted_since"
# The facade's own arguments of list(): a query parameter of these names would be shadowed.
_PAGER_ARGUMENTS = frozenset({"progress", "page"})
# A create whose body declares the field (the erratum idempotency_ids) takes `idempotency_id=`.
#: Page sizes smaller than the API's largest, where Sage advises one: "Attachments" guide
#: (developer.sage.com/accounting/guides/concepts/attachments) says to keep the default 20,
#: each attachment carrying its file.
_PAGE_SIZES = {"attachments": 20}
#: Hand-written methods a resource class inherits (its base: `resources/<module>.py`,
#: `<class>` and `Async<class>`), and their names, so that no generated method hides one.
_MIXINS = {
    "attachments": {
        "module": "_attachment_files",
        "class": "AttachmentFiles",
        "methods": ["upload", "download"],
        "guide": "guides/attachments.md",
    }
}
_IDEMPOTENCY_DOC = (
    "idempotency_id: True (default): the body's own idempotency_id, else a fresh one, so "
    "the create is retried safely after a 5xx, a timeout or a dropped connection (Sage "
    "answers a repeat with the first answer for 7 days); a string of 32 lowercase hex "
    "characters: that id (the same id again returns the first record); False: none."
)


def describe(spec: dict[str, Any]) -> dict[str, Any]:
    """`{"resources": [...]}`, one entry per collection (first path segment), in path order."""
    resources: dict[str, dict[str, Any]] = {}
    for template, item in spec["paths"].items():
        parts = template.strip("/").split("/")
        resource = resources.get(parts[0])
        if resource is None:
            resource = resources[parts[0]] = _resource(parts[0])
        for http_method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                method = _method(spec, template, parts, http_method.upper(), op)
                resource["methods"].append(method)
    for resource in resources.values():
        methods = resource["methods"]
        resource["singleton"] = any(m["kind"] == "singleton_get" for m in methods)
        methods.sort(key=lambda m: _ORDER.index(m["kind"]))
        names = [m["name"] for m in methods] + ["changes" for m in methods if m["changes"]]
        names += resource["mixin"]["methods"] if resource["mixin"] else []
        if len(names) != len(set(names)):
            raise ValueError(f"resource {resource['name']}: two methods named alike: {names}")
        resource["doc"] = _escape(f"{resource['path']}: {', '.join(names)}.")
    # Written as ruff leaves them (once each, sorted), so it has nothing to fix in the module.
    type_imports = sorted(
        {
            pair
            for resource in resources.values()
            for m in resource["methods"]
            for pair in m.pop("type_imports")
        }
    )
    models = {str(ClassName(name, prefix="")) for name in spec["components"]["schemas"]}
    for resource in resources.values():
        if resource["class_name"] in models:
            raise ValueError(f"resource class {resource['class_name']} is also a model's name")
    qualify = _qualifier({name for _, name in type_imports})
    for resource in resources.values():
        for m in resource["methods"]:
            m["typed_signature"] = qualify(m["signature"])
            m["typed_annotation"] = qualify(m["annotation"])
    return {"resources": list(resources.values()), "type_imports": type_imports}


_ORDER = (
    "list",
    "get",
    "create",
    "update",
    "delete",
    "singleton_get",
    "singleton_update",
    "action",
)


def _resource(name: str) -> dict[str, Any]:
    identifier = PythonIdentifier(name, prefix="resource_")
    return {
        "name": str(identifier),
        "class_name": f"{ClassName(name, prefix='Resource')}Resource",
        "path": f"/{name}",
        "methods": [],
        "mixin": _MIXINS.get(name),
    }


def _method(
    spec: dict[str, Any], template: str, parts: list[str], http_method: str, op: dict[str, Any]
) -> dict[str, Any]:
    operation_id = str(op["operationId"])
    tag = (op.get("tags") or ["default"])[0]
    response = _success(spec, op)
    kind, name = _kind(spec, parts, http_method, response)
    method: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "http_method": http_method,
        "path": template,
        "has_key": "{key}" in template,
        "api_package": str(PythonIdentifier(tag, prefix="tag")),
        "api_module": str(PythonIdentifier(operation_id, prefix="")),
        "summary": str(op.get("summary") or ""),
        "description": str(op.get("description") or ""),
        "params": [_param(operation_id, p) for p in op.get("parameters", []) if p["in"] == "query"],
        "headers": {
            str(PythonIdentifier(p["name"], prefix="")): p["name"]
            for p in op.get("parameters", [])
            if p["in"] == "header"
        },
        "body": _body(spec, op),
        "returns": response,
        "changes": None,
        # A list that takes `deleted_since`: a parallel read asks it whether records went away.
        "deletions": False,
    }
    body = method["body"]
    method["idempotent"] = kind == "create" and body is not None and body["idempotent"]
    if kind == "list":
        names = {p["name"] for p in method["params"]}
        if names & _PAGER_ARGUMENTS - {"page"}:
            raise ValueError(f"{operation_id}: a query parameter shadows a pager argument")
        # The pager sets the page; the page size defaults to the largest the API allows,
        # or to the smaller one Sage advises for this resource.
        method["params"] = [p for p in method["params"] if p["name"] != "page"]
        advised = _PAGE_SIZES.get(parts[0])
        size = 200
        for param in method["params"]:
            if param["name"] == "items_per_page":
                size = advised or param["maximum"] or param["default"] or 20
                param["signature"] = f"items_per_page: int = {size}"
        method["deletions"] = _DELETED_SINCE in names
        if _CHANGES_SINCE in names:
            default = (
                f"{size} by default, as Sage advises (each record may carry its file)"
                if advised
                else "the API's largest by default"
            )
            method["changes"] = {
                "deleted": _DELETED_SINCE in names,
                "items_per_page": size,
                "doc": _escape(_CHANGES_DOC.format(page_size=default)),
            }
    _code(method)
    return method


_CHANGES_DOC = """What changed since `since` (a watermark from an earlier sync; None: everything).

This is the way to keep a local copy in step: apply every record of `.updated` (created or
updated since), then remove every id of `.deleted` (None where the API does not report
deletions of this resource), then store `.watermark` for the next call. The watermark is
taken from the server's clock (the `Date` of the first answer, less the request's duration
and a second), never the local one, so nothing changed between two syncs is missed; a
change near the boundary may be delivered twice, which an upsert absorbs.

Args:
    since: the `watermark` of the previous sync, or None for a first, full one.
    attributes: the record attributes to fetch; "all" by default, for a complete copy.
    items_per_page: page size, {page_size}.
    progress: a callable (done, total) or True for a progress bar on stderr."""


def _code(method: dict[str, Any]) -> None:
    """The Python snippets of one facade method: its signature, call, result and docstring."""
    params = method["params"]
    keyword = [p for p in params if p["python_name"] not in method["headers"]]
    call = [f"{p['python_name']}={p['argument']}" for p in keyword]
    fixed = [f"{name}={media!r}" for name in method["headers"] for media in [_accept(method)]]
    positional = ["key"] if method["has_key"] else []
    body = method["body"]
    if body is not None:
        fixed.append("body=wrapped")
    method["signature"] = ", ".join(
        ["self", *(["key: str"] if method["has_key"] else [])]
        + (
            [f"body: {body['model_class']} | {body['inner_class']} | Mapping[str, Any]"]
            if body
            else []
        )
        + ["*"]
        + [p["signature"] for p in keyword]
        + (["idempotency_id: str | bool = True"] if method["idempotent"] else [])
        + (["progress: ProgressOption = None"] if method["kind"] == "list" else [])
        + _EXTRA_SIGNATURE
        + ([_EXTRA_BODY_SIGNATURE] if body else [])
    )
    method["call"] = ", ".join([*positional, *fixed, f"**given({', '.join(call)})"])
    method["extras"] = ", ".join(
        ["extra_headers", "extra_query", *(["extra_body"] if body else [])]
    )
    method["imports"] = sorted(
        {(p["enum"]["module"], p["enum"]["class"]) for p in params if p["enum"]}
        | (
            {
                (body["model_module"], body["model_class"]),
                (body["inner_module"], body["inner_class"]),
            }
            if body
            else set()
        )
        | _result_imports(method["returns"])
    )
    returns = method["returns"]
    method["type_imports"] = sorted(
        {
            (returns[f"{role}_module"], returns[f"{role}_class"])
            for role in ("page", "item", "model")
            if f"{role}_module" in returns
        }
        | (
            {
                (body["model_module"], body["model_class"]),
                (body["inner_module"], body["inner_class"]),
            }
            if body
            else set()
        )
    )  # not the enums of parameters: their annotations are `Literal[...]`
    method["annotation"], method["result"] = _result(returns, optional=method["kind"] == "delete")
    method["assign"] = "" if returns["kind"] == "none" else "response = "
    method["doc"] = _escape(_doc(method, keyword))


# Every facade method takes these last (`_extras.py`); writes also take `extra_body`.
_EXTRA_SIGNATURE = [
    "extra_headers: Mapping[str, HeaderValue] | None = None",
    "extra_query: Mapping[str, Any] | None = None",
]
_EXTRA_BODY_SIGNATURE = "extra_body: Mapping[str, Any] | None = None"
_EXTRAS_DOC = (
    "extra_headers, extra_query{body}: sent to the API as given, merged last (Authorization "
    "and X-Business only as override(value)); see the guide Requests and answers."
)


def _accept(method: dict[str, Any]) -> str:
    return str(method["returns"].get("media_type", "application/json"))


def _result_imports(returns: dict[str, Any]) -> set[tuple[str, str]]:
    if returns["kind"] == "page":
        return {(returns["page_module"], returns["page_class"])}
    if returns["kind"] == "model":
        return {(returns["model_module"], returns["model_class"])}
    return set()


def _result(returns: dict[str, Any], *, optional: bool) -> tuple[str, str]:
    """The return annotation and the expression (of `response`) that makes the result.

    `optional`: no content is a success that returns None (a DELETE answered 204, even where
    the spec declares the voided record)."""
    if returns["kind"] == "page":
        return f"{returns['item_class']}, {returns['page_class']}", ""
    if returns["kind"] == "model":
        model = returns["model_class"]
        if optional:
            return f"{model} | None", f"decode_optional(response, {model}.from_dict)"
        return model, f"decode(response, {model}.from_dict)"
    if returns["kind"] == "bytes":
        return "bytes", "response.content"
    return "None", "None"


# A quoted literal (a `Literal[...]` value may spell a model's name) or a name.
_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\b[A-Za-z_]\w*\b")


def _qualifier(names: set[str]) -> Callable[[str], str]:
    """Rewrites an annotation's model names as `_models.Name`: the resource module names the
    models through the lazily imported package, so `typing.get_type_hints` resolves them
    without importing a model before it is used."""

    def qualify(annotation: str) -> str:
        return _TOKEN.sub(
            lambda found: f"_models.{found[0]}" if found[0] in names else found[0], annotation
        )

    return qualify


def _doc(method: dict[str, Any], keyword: list[dict[str, Any]]) -> str:
    lines = [method["summary"].strip().rstrip(".") + "." if method["summary"] else ""]
    if method["description"].strip():
        lines += ["", method["description"].strip()]
    args: list[str] = []
    if method["has_key"]:
        args.append("key: the record's id.")
    if method["body"] is not None:
        body = method["body"]
        args.append(
            f"body: a {body['inner_class']} or a dict of its fields (wrapped as "
            f"{{{body['wrapper']!r}: ...}} for you), or a {body['model_class']}."
        )
    args += [f"{p['python_name']}: {p['description'] or p['name']}" for p in keyword]
    if method["idempotent"]:
        args.append(_IDEMPOTENCY_DOC)
    if method["kind"] == "list":
        args.append("progress: a callable (done, total) or True for a progress bar on stderr.")
    args.append(_EXTRAS_DOC.format(body=", extra_body" if method["body"] is not None else ""))
    if args:
        lines += ["", "Args:", *(f"    {arg}" for arg in args)]
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Text safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _kind(
    spec: dict[str, Any], parts: list[str], http_method: str, response: dict[str, Any]
) -> tuple[str, str]:
    if len(parts) == 3:
        return "action", str(PythonIdentifier(parts[2], prefix="do_"))
    if len(parts) == 2:
        kind = {"GET": "get", "PUT": "update", "DELETE": "delete"}[http_method]
        return kind, kind
    if http_method == "POST":
        return "create", "create"
    if http_method == "PUT":
        return "singleton_update", "update"
    if response["kind"] == "page":
        return "list", "list"
    return "singleton_get", "get"


def _success(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """What the 2xx answer decodes to: a page of items, a model, bytes or nothing."""
    status, answer = next((c, r) for c, r in op["responses"].items() if c.startswith("2"))
    content = answer.get("content") or {}
    if "application/json" in content:
        name = _ref(content["application/json"]["schema"])
        if name is None:
            raise ValueError(f"{op['operationId']}: a JSON answer without a named schema")
        items = spec["components"]["schemas"][name].get("properties", {}).get("$items")
        if items is not None:
            item = _ref(items["items"])
            return {
                "kind": "page",
                "status": int(status),
                **_model(name, "page"),
                **_model(item or "", "item"),
                "item_schema": item,
            }
        return {"kind": "model", "status": int(status), **_model(name, "model")}
    if content:
        return {"kind": "bytes", "status": int(status), "media_type": next(iter(content))}
    return {"kind": "none", "status": int(status)}


def _body(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    """The wrapped JSON body (`{"contact": {...}}`): its model, wrapper key and inner model."""
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    name = _ref(content["application/json"]["schema"])
    if name is None:
        raise ValueError(f"{op['operationId']}: a JSON body without a named schema")
    schema = spec["components"]["schemas"][name]
    (wrapper, inner_ref), *others = schema["properties"].items()
    if others:
        raise ValueError(f"{op['operationId']}: the body wraps more than one object")
    inner = _ref(inner_ref)
    if inner is None:
        raise ValueError(f"{op['operationId']}: the wrapped object has no named schema")
    inner_schema = spec["components"]["schemas"][inner]
    return {
        **_model(name, "model"),
        "wrapper": wrapper,
        **_model(inner, "inner"),
        "inner_schema": inner,
        "required": list(inner_schema.get("required", [])),
        "wrapper_is_field": wrapper in inner_schema.get("properties", {}),
        "idempotent": IDEMPOTENCY_FIELD in inner_schema.get("properties", {}),
    }


def _param(operation_id: str, parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter.get("schema", {})
    python_name = str(PythonIdentifier(parameter["name"], prefix="parameter_"))
    kind, annotation = _annotation(schema)
    enum_class = None
    if "enum" in schema:
        kind = "enum"
        enum = _model(f"{operation_id}_{python_name}", "enum")
        enum_class = {"module": enum["enum_module"], "class": enum["enum_class"]}
        annotation = "Literal[" + ", ".join(repr(value) for value in schema["enum"]) + "]"
    required = bool(parameter.get("required"))
    signature = f"{python_name}: {annotation}" + ("" if required else " | None = None")
    argument = f"as_enum({enum_class['class']}, {python_name})" if enum_class else python_name
    return {
        "name": parameter["name"],
        "python_name": python_name,
        "signature": signature,
        "argument": argument,
        "kind": kind,
        "annotation": annotation,
        "required": required,
        "default": schema.get("default"),
        "maximum": schema.get("maximum"),
        "description": " ".join(str(parameter.get("description") or "").split()),
        "enum": enum_class,
    }


_ANNOTATIONS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("string", "date-time"): ("datetime", "datetime.datetime"),
    ("string", "date"): ("date", "datetime.date"),
    ("string", "decimal"): ("decimal", "Decimal"),
    ("integer", None): ("int", "int"),
    ("integer", "int32"): ("int", "int"),
    ("integer", "int64"): ("int", "int"),
    ("boolean", None): ("bool", "bool"),
    ("number", None): ("float", "float"),
}


def _annotation(schema: dict[str, Any]) -> tuple[str, str]:
    found = _ANNOTATIONS.get((str(schema.get("type")), schema.get("format")))
    if found is not None:
        return found
    if schema.get("type") == "string":
        return "str", "str"
    raise ValueError(f"no facade type for a query parameter of schema {schema}")


def _model(schema_name: str, role: str) -> dict[str, str]:
    """The generated module and class of a component schema, as `{role}_module/_class`."""
    return {
        f"{role}_module": str(PythonIdentifier(schema_name, prefix="")),
        f"{role}_class": str(ClassName(schema_name, prefix="")),
    }


def _ref(schema: dict[str, Any]) -> str | None:
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF_PREFIX)
    for wrapper in ("oneOf", "allOf"):
        options = schema.get(wrapper)
        if isinstance(options, list) and len(options) == 1 and "$ref" in options[0]:
            return str(options[0]["$ref"]).removeprefix(REF_PREFIX)
    return None
