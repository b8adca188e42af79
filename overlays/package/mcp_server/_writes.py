"""The write tools: create, update, delete and the actions (release, void, reissue, ...).

A write is checked before anything is sent: the body is wrapped and validated as the facade
does it (`wrap_body`: required fields, value forms, by path). `dry_run` stops there and
answers the request that would be sent. A create where Sage deduplicates carries an
`idempotency_id`: the caller's, else one derived from the business, the tool and the body, so
an agent that repeats a call whose answer it never saw gets the first record back, not a
second one. A login whose scope is `readonly` gets no write sent at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._bodies import wrap_body
from .._idempotency import FIELD, with_idempotency_id
from ._answers import Payload, ToolFailure, json_safe, record_of, trimmed
from ._arguments import bad, fields_of, json_body
from ._reads import keywords

if TYPE_CHECKING:
    from .._sage import SageAccounting

Tool = Mapping[str, Any]
READONLY = "readonly"


def write(
    sage: SageAccounting, business: str | None, tool: Tool, arguments: Mapping[str, Any]
) -> Payload:
    dry_run = arguments.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise bad("dry_run", "true or false is due")
    key = arguments.get("key")
    if tool["key"] and (not isinstance(key, str) or not key):
        raise bad("key", "the record's id (a string) is required")
    options = keywords(tool, arguments)
    positional: list[Any] = [key] if tool["key"] else []
    wire: dict[str, Any] | None = None
    if tool["body"] is not None:
        if "body" not in arguments:
            raise bad("body", "required: an object of the record's fields")
        model = _wrapped(tool["body"], arguments["body"])
        wire = model.to_dict()
        positional.append(model)
    if tool["idempotent"] and wire is not None:
        options["idempotency_id"] = _idempotency_id(business, tool, wire, arguments)
        with_idempotency_id({"json": wire}, tool["body"]["wrapper"], options["idempotency_id"])
    if dry_run:
        return _dry_run(tool, key, arguments, wire, sage)
    refuse_readonly(sage)
    method = getattr(getattr(sage, tool["resource"]), tool["method"])
    result = method(*positional, **options)
    answer: Payload = {"collection": tool["resource"], "done": tool["method"]}
    if key is not None:
        answer["key"] = key
    if "idempotency_id" in options:
        answer["idempotency_id"] = options["idempotency_id"]
    if result is not None:
        answer["record"] = trimmed(record_of(result), fields_of(arguments.get("fields")))
    return answer


def _wrapped(body: Mapping[str, Any], value: Any) -> Any:
    """The wrapped model of a body (a validation error is an `InvalidBodyError`)."""
    from .. import models

    return wrap_body(
        json_body(value),
        model=getattr(models, body["model_class"]),
        wrapper=body["wrapper"],
        inner=getattr(models, body["inner_class"]),
        required=body["required"],
        wrapper_is_field=body["wrapper_is_field"],
    )


def _idempotency_id(
    business: str | None, tool: Tool, wire: Mapping[str, Any], arguments: Mapping[str, Any]
) -> str:
    given = arguments.get("idempotency_id")
    if given is not None:
        return str(given)  # its form is checked where it is put into the body
    carried = wire[tool["body"]["wrapper"]].get(FIELD)
    if isinstance(carried, str):
        return carried
    text = json.dumps([business, tool["name"], json_safe(wire)], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _dry_run(
    tool: Tool,
    key: str | None,
    arguments: Mapping[str, Any],
    wire: dict[str, Any] | None,
    sage: SageAccounting,
) -> Payload:
    method, path = tool["http"].split(" ", 1)
    query = {p["name"]: arguments[p["name"]] for p in tool["params"] if p["name"] in arguments}
    scope = token_scope(sage)
    return {
        "dry_run": True,
        "sent": False,
        "method": method,
        "path": path.replace("{key}", key or ""),
        "query": query,
        "body": json_safe(wire),
        "note": "valid; call again without dry_run to send it"
        + ("" if scope != READONLY else ", but this login is readonly: it would be refused"),
    }


def token_scope(sage: SageAccounting) -> str | None:
    token = sage.token
    return None if token is None else token.scope


def refuse_readonly(sage: SageAccounting) -> None:
    scope = token_scope(sage)
    if scope is not None and READONLY in scope.split():
        raise ToolFailure(
            "ReadOnlyLogin",
            "this login's scope is readonly: Sage refuses every write, so none was sent",
            "log in again with full access: sage-accounting login --scope full_access",
        )
