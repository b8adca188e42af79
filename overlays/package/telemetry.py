"""OpenTelemetry: what a span of one HTTP attempt says about our retries (optional; this module
imports nothing of OpenTelemetry).

`opentelemetry-instrumentation-httpx` makes one span per request that reaches httpx's own
transport. Ours sits above it, so every attempt is a span of its own: each retry, the resend
after a token refresh, and the refresh itself. `request_hook` adds `http.request.resend_count`
(0 on a first send, the semantic conventions' name) to each:

    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from sage_accounting.telemetry import async_request_hook, request_hook

    HTTPXClientInstrumentor().instrument(
        request_hook=request_hook, async_request_hook=async_request_hook
    )
"""

from __future__ import annotations

from typing import Any, Protocol

from ._exchange import ATTEMPT_EXTENSION

#: The span attribute for how many times the request was sent before this attempt.
RESEND_COUNT = "http.request.resend_count"


class _Span(Protocol):
    def set_attribute(self, key: str, value: Any) -> Any: ...


def request_hook(span: _Span, request: Any) -> None:
    """For `HTTPXClientInstrumentor().instrument(request_hook=...)`: the resend count of the
    attempt on its span (`request` is the instrumentation's RequestInfo)."""
    extensions = getattr(request, "extensions", None) or {}
    attempt = extensions.get(ATTEMPT_EXTENSION)
    if isinstance(attempt, int):
        span.set_attribute(RESEND_COUNT, attempt - 1)


async def async_request_hook(span: _Span, request: Any) -> None:
    """The async client's twin of `request_hook`."""
    request_hook(span, request)
