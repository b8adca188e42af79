"""The emulator's clock: real time by default, advanced at will by tests."""

from __future__ import annotations

import datetime
import email.utils
import functools
import math
import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class FakeClock:
    """Starts at `start` (default: the real time) and runs with real time unless `frozen`.

    `advance(seconds)` jumps ahead, so token expiry, budgets and change tracking can be tested
    without sleeping.
    """

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._start = time.time() if start is None else start
        self._origin = time.monotonic()
        self._offset = 0.0
        self.frozen = frozen

    def now(self) -> float:
        with self._lock:
            running = 0.0 if self.frozen else time.monotonic() - self._origin
            return self._start + running + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds


def iso_datetime(moment: float) -> str:
    """Sage's date-time form, to the second, in UTC."""
    value = datetime.datetime.fromtimestamp(int(moment), tz=datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> float | None:
    """A date-time or date query value as epoch seconds; None when it is neither."""
    cleaned = text.strip().replace(" ", "+")  # a '+' offset arrives as a space if not escaped
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.timestamp()


@functools.lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    return email.utils.formatdate(second, usegmt=True)


def http_date(moment: float) -> str:
    """An HTTP Date header value (whole seconds, English names whatever the locale); every
    answer carries one, so each second's text is made once."""
    return _http_date(math.floor(moment))
