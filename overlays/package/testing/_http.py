"""Requests and answers as the emulator sees them, whichever way they arrive."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    origin: str  # scheme://host[:port] the request was sent to
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # names in lower case
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering (latency, slow faults)
    drop: bool = False  # close the connection instead of answering
    finish: Callable[[], None] = lambda: None  # call once the answer leaves

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_response(status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    return Response(status, [("Content-Type", "application/json"), *(headers or [])], body)


def sage_error(
    status: int,
    code: str,
    message: str,
    source: str = "",
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    return sage_errors(status, [(code, message, source)], headers)


def sage_errors(
    status: int,
    problems: list[tuple[str, str, str]],
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    """Sage's error body: a JSON array of `$severity`, `$dataCode`, `$message`, `$source`."""
    body = [
        {"$severity": "error", "$dataCode": code, "$message": message, "$source": source}
        for code, message, source in problems
    ]
    return json_response(status, body, headers)
