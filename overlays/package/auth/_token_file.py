"""A token file's bytes as a `Token`, or a `TokenStoreError` that says exactly what is wrong.

The messages name the file and the fault (empty, cut off, not JSON, a field of the wrong
type), never a value from the file: a broken file may still hold a live token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from .._token import Token
from ..errors import TokenStoreError

#: What to do about a broken token file, appended to every message about one.
ADVICE = (
    "It is left as it is: restore a good copy, or move it away and log in again "
    "(`sage-accounting login`)."
)

_TEXT_FIELDS = ("refresh_token", "scope", "requested_by_id")
_TIME_FIELDS = ("expires_at", "refresh_token_expires_at")
_KNOWN = frozenset(field.name for field in attrs.fields(Token))


def parse_token_file(content: bytes, path: Path) -> Token:
    """The token in `content` (the bytes of the file at `path`)."""
    try:
        return Token(**_fields(content))
    except _Broken as broken:
        raise TokenStoreError(f"token file {path} {broken}. {ADVICE}") from None


class _Broken(Exception):
    """What is wrong with the file, as the end of "token file PATH ..."."""


def _fields(content: bytes) -> dict[str, Any]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Broken(f"is not UTF-8 text (byte {exc.start} of {len(content)})") from None
    stripped = text.strip()
    if not stripped:
        raise _Broken(f"is empty ({len(content)} bytes)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if stripped.startswith("{") and not stripped.endswith("}"):
            raise _Broken(f"is cut off after {len(content)} bytes (half-written?)") from None
        raise _Broken(f"is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(data, dict):
        raise _Broken(f"holds a JSON {_kind(data)}, not a token object")
    unknown = sorted(str(key)[:40] for key in data if key not in _KNOWN)
    if unknown:
        raise _Broken(f"has unknown fields: {', '.join(unknown)}")
    access = data.get("access_token")
    if access is None or access == "":
        raise _Broken("has no access_token")
    if not isinstance(access, str):
        raise _Broken(_wrong("access_token", access, "a string"))
    for name in _TEXT_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise _Broken(_wrong(name, data[name], "a string or null"))
    for name in _TIME_FIELDS:
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _Broken(_wrong(name, value, "epoch seconds or null"))
    if not isinstance(data.get("token_type", "bearer"), str):
        raise _Broken(_wrong("token_type", data["token_type"], "a string"))
    return data


def _wrong(name: str, value: object, expected: str) -> str:
    return f"has {name} as a JSON {_kind(value)}, not {expected}"


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"
