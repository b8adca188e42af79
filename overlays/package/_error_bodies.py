"""Reading an error answer's body: Sage's error list, or a description of a body that is not.

`errors.py` builds the errors; this reads what they carry (and re-exports `SageErrorDetail` and
`parse_sage_errors` from there).
"""

from __future__ import annotations

import json
import re
from typing import Any

import attrs


@attrs.frozen
class SageErrorDetail:
    """One entry of the error list Sage answers with."""

    severity: str | None = None
    data_code: str | None = None
    message: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        text = self.message or self.data_code or "error"
        if self.source:
            text = f"{self.source}: {text}"
        if self.data_code and self.message:
            text = f"{text} ({self.data_code})"
        return text


def parse_sage_errors(content: bytes) -> list[SageErrorDetail] | None:
    """Sage's error list from a response body, or None if the body is not of that shape."""
    try:
        data: Any = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return sage_errors_in(data)


def sage_errors_in(data: Any) -> list[SageErrorDetail] | None:
    """Sage's error list from a decoded body, or None if it is not of that shape."""
    if isinstance(data, dict):
        data = data.get("$errors", data.get("errors", [data]))
    if not isinstance(data, list) or not data:
        return None
    details = []
    for item in data:
        if not isinstance(item, dict) or not any(k.startswith("$") for k in item):
            return None
        details.append(
            SageErrorDetail(
                severity=_text(item.get("$severity")),
                data_code=_text(item.get("$dataCode")),
                message=_text(item.get("$message")),
                source=_text(item.get("$source")),
            )
        )
    return details


def _text(value: object) -> str | None:
    return None if value is None else str(value)


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def looks_like_html(text: str, content_type: str = "") -> bool:
    """Whether a body is a web page (a proxy's or gateway's), not an answer of the API."""
    start = text.lstrip()[:15].lower()
    return "html" in content_type.lower() or start.startswith(("<!doctype html", "<html"))


def body_text(body: str, content_type: str) -> str:
    """A body that is not Sage's error list, for a message: an HTML page by its title."""
    text = body.strip()
    if looks_like_html(text, content_type):
        title = _TITLE.search(text[:20_000])
        words = title.group(1) if title else _TAG.sub(" ", text[:20_000])
        summary = " ".join(words.split())[:200]
        return "an HTML page, not Sage's answer (from a proxy or gateway?)" + (
            f": {summary}" if summary else ""
        )
    return text[:500] or "(empty body)"
