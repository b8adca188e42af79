"""What every part of the conversion shares: its error, JSON helpers, and the source document."""

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

JSON_MIME = "application/json"
URLENCODED_MIME = "application/x-www-form-urlencoded"
MULTIPART_MIME = "multipart/form-data"

BODY_LIKE = ("body", "formData")
BINARY = {"type": "string", "format": "binary"}
VALIDATION_KEYS = frozenset(
    {
        "default",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "enum",
        "multipleOf",
    }
)
_COMPONENT_NAME = re.compile(r"[^A-Za-z0-9._-]")


class ConversionError(ValueError):
    """The input is not valid Swagger 2.0; `pointer` is the JSON pointer of the offending place."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"#{pointer}: {message}")
        self.pointer = pointer


def ptr(base: str, *tokens: object) -> str:
    escaped = (str(t).replace("~", "~0").replace("/", "~1") for t in tokens)
    return base + "".join("/" + token for token in escaped)


def mapping(value: Any, pointer: str, what: str = "an object") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConversionError(pointer, f"expected {what}, got {type(value).__name__}")
    return value


def sequence(value: Any, pointer: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise ConversionError(pointer, f"expected an array, got {type(value).__name__}")
    return value


def require(obj: Mapping[str, Any], key: str, pointer: str) -> Any:
    if key not in obj:
        raise ConversionError(pointer, f"missing required field {key!r}")
    return obj[key]


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def strings(value: Any, pointer: str) -> list[str]:
    """A list of strings (mime types, schemes), duplicates dropped; [] when absent."""
    if value is None:
        return []
    items = sequence(value, pointer)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise ConversionError(ptr(pointer, index), "expected a string")
    return unique(items)


def extras(obj: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    """The object's `x-` keys as they are, plus its unknown keys renamed to `x-<key>`."""
    known = frozenset(known)
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key.startswith("x-"):
            out[key] = copy.deepcopy(value)
        elif key not in known and f"x-{key}" not in obj:
            out[f"x-{key}"] = copy.deepcopy(value)
    return out


def copy_fields(obj: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {key: copy.deepcopy(obj[key]) for key in keys if key in obj}


def component_names(names: Iterable[str]) -> dict[str, str]:
    """Map each name to one OpenAPI 3 allows for a component key, without collisions."""
    names = [str(name) for name in names]
    valid = {name for name in names if not _COMPONENT_NAME.search(name)}
    used = set(valid)
    result: dict[str, str] = {}
    for name in names:
        if name in valid:
            result[name] = name
            continue
        base = _COMPONENT_NAME.sub("_", name) or "_"
        candidate, counter = base, 1
        while candidate in used:
            counter += 1
            candidate = f"{base}_{counter}"
        used.add(candidate)
        result[name] = candidate
    return result


def ref_tokens(ref: str, pointer: str) -> list[str]:
    if ref == "#":
        return []
    if not ref.startswith("#/"):
        raise ConversionError(pointer, f"malformed local $ref {ref!r}")
    raw = ref[2:].split("/")
    return [unquote(token).replace("~1", "/").replace("~0", "~") for token in raw]


def local_name(ref: str, section: str, targets: Mapping[str, Any], pointer: str) -> str:
    """The name in `#/<section>/<name>`, which must be one of `targets`."""
    tokens = ref_tokens(ref, pointer)
    if len(tokens) != 2 or tokens[0] != section:
        raise ConversionError(pointer, f"$ref {ref!r} must point to #/{section}/<name>")
    if tokens[1] not in targets:
        raise ConversionError(pointer, f"unresolvable $ref {ref!r}")
    return tokens[1]


class Source:
    """The Swagger document being converted: its defaults, sections and component names."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = mapping(doc, "", "a Swagger document object")
        if doc.get("swagger") != "2.0":
            raise ConversionError("/swagger", 'not a Swagger 2.0 document (swagger: "2.0")')
        self.consumes = strings(doc.get("consumes"), "/consumes") or [JSON_MIME]
        self.produces = strings(doc.get("produces"), "/produces") or [JSON_MIME]
        self.schemes = strings(doc.get("schemes"), "/schemes") or ["https"]
        self.definitions = mapping(doc.get("definitions", {}), "/definitions")
        self.parameters = mapping(doc.get("parameters", {}), "/parameters")
        self.responses = mapping(doc.get("responses", {}), "/responses")
        self.security_definitions = mapping(
            doc.get("securityDefinitions", {}), "/securityDefinitions"
        )
        self.schema_names = component_names(self.definitions)
        self.parameter_names = component_names(self.parameters)
        self.response_names = component_names(self.responses)
        self.security_names = component_names(self.security_definitions)
