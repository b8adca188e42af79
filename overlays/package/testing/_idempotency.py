"""Creates that carry an `idempotency_id`: the first answer is remembered for 7 days.

As Sage's idempotency guide says: within 7 days the same request (same business, resource and
id) gets the first answer again, same status and body, and creates nothing. The same id with
another body is not documented by Sage; the emulator's choice is a 422 whose `$dataCode` is
`IdempotencyIdReused` and whose `$source` is `idempotency_id`. Only a create that succeeded
is remembered: a refused body created nothing, so the id stays free.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._http import Response, sage_error

FIELD = "idempotency_id"
KEPT_FOR = 7 * 86_400.0  # seconds of the emulator's clock
REUSED_CODE = "IdempotencyIdReused"


@dataclass(frozen=True)
class _First:
    fingerprint: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    at: float


class FirstAnswers:
    """(business, resource, idempotency_id) -> the first answer, on the emulator's clock."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str, str], _First] = {}

    def answer(
        self, business: str, resource: str, fields: dict[str, Any], create: Callable[[], Response]
    ) -> Response:
        """The first answer to this request if there is one, else `create()`'s, remembered."""
        key = fields.get(FIELD)
        if not isinstance(key, str) or not key:
            return create()
        fingerprint = hashlib.sha256(
            json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")
        ).hexdigest()
        with self._lock:  # held while creating: a second copy in flight waits for the first
            moment = self._now()
            self._forget_before(moment - KEPT_FOR)
            first = self._answers.get((business, resource, key))
            if first is not None:
                if first.fingerprint != fingerprint:
                    return sage_error(
                        422,
                        REUSED_CODE,
                        "was already used for another request in the last 7 days",
                        FIELD,
                    )
                return Response(first.status, list(first.headers), first.body)
            response = create()
            if 200 <= response.status < 300:
                self._answers[(business, resource, key)] = _First(
                    fingerprint, response.status, tuple(response.headers), response.body, moment
                )
            return response

    def _forget_before(self, moment: float) -> None:
        while self._answers:
            oldest = next(iter(self._answers))
            if self._answers[oldest].at > moment:
                return
            del self._answers[oldest]
