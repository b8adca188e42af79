"""What the tools answer: JSON an agent can use, and errors that say what to do.

Money and quantities are exact decimal strings (`"367.09"`, never a float), dates and
date-times ISO strings, records trimmed to the fields asked for. A failure is a `ToolFailure`
whose payload carries the error's class, Sage's own `$message`/`$source` list where Sage sent
one, and the errors guide's advice for that class (`ADVICE`, generated from
docs/guides/errors.md). No payload holds a token or a secret: the client's errors never do,
and `Redactor` removes them from any text that could echo them all the same.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import enum
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import APIStatusError, SageAccountingError
from ._table import ADVICE

Payload = dict[str, Any]
_BASE_FIELDS = ("id", "displayed_as")


class ToolFailure(Exception):
    """A tool call that failed: its payload is the tool error the agent sees."""

    def __init__(self, error: str, message: str, advice: str, **extra: Any) -> None:
        super().__init__(message)
        self.payload: Payload = {"error": error, "message": message, "advice": advice, **extra}


def json_safe(value: Any) -> Any:
    """`value` as plain JSON: Decimal as its exact digits, dates ISO, bytes base64."""
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date):  # datetime.datetime too
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float):
        return str(decimal.Decimal(repr(value)))  # never a binary float in an answer
    return value


def record_of(value: Any) -> Payload:
    """A model (or the JSON object Sage sent) as a JSON record."""
    data = value.to_dict() if hasattr(value, "to_dict") else value
    if not isinstance(data, Mapping):
        return {"value": json_safe(data)}
    return dict(json_safe(data))


def trimmed(record: Payload, fields: Iterable[str] | None) -> Payload:
    """Only `fields` of `record` (and its id), in the order asked; None: the whole record."""
    if fields is None:
        return record
    wanted = [*(name for name in _BASE_FIELDS[:1] if name in record), *fields]
    return {name: record[name] for name in dict.fromkeys(wanted) if name in record}


def advice_for(error: BaseException) -> str:
    """The errors guide's advice for `error`'s class, or for the nearest class it derives from."""
    for cls in type(error).__mro__:
        found = ADVICE.get(cls.__name__)
        if found:
            return found
    return "see the message"


def failure_of(error: SageAccountingError) -> ToolFailure:
    """A client error as a tool error: class, message, Sage's list, status and advice."""
    extra: dict[str, Any] = {}
    if isinstance(error, APIStatusError):
        extra["status"] = error.status_code
        extra["errors"] = [
            {
                "$message": detail.message,
                "$source": detail.source,
                "$dataCode": detail.data_code,
                "$severity": detail.severity,
            }
            for detail in error.errors
        ]
    return ToolFailure(type(error).__name__, str(error), advice_for(error), **extra)


class Redactor:
    """Replaces every secret it was given wherever it occurs in an answer's strings."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Short strings would redact ordinary words; real tokens and secrets are long.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, "[redacted]")
            return value
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        return value
