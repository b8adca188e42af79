"""Tracing with OpenTelemetry's httpx instrumentation, set up as docs/guides/observability.md
says: one span per HTTP attempt (each retry and the token refresh their own), the resend count
on each, and no token or secret in any attribute."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from sage_accounting.telemetry import async_request_hook, request_hook
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client, token_of

from .test_retry import FAST


@pytest.fixture()
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = HTTPXClientInstrumentor()
    instrumentor.instrument(  # the lines a user adds (with their own tracer provider)
        tracer_provider=provider, request_hook=request_hook, async_request_hook=async_request_hook
    )
    try:
        yield exporter
    finally:
        instrumentor.uninstrument()


def _attempts(finished: tuple[ReadableSpan, ...]) -> list[tuple[str, str, int, object]]:
    """(method, path, status, resend count) of each span, in the order they ended."""
    rows: list[tuple[str, str, int, object]] = []
    for span in finished:
        attributes = span.attributes or {}
        url = str(attributes.get("url.full") or attributes.get("http.url"))
        method = attributes.get("http.request.method") or attributes.get("http.method")
        status = attributes.get("http.response.status_code") or attributes.get("http.status_code")
        path = url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
        resends = attributes.get("http.request.resend_count")
        rows.append((str(method), path, int(str(status)), resends))
    return rows


def _no_secret_in(finished: tuple[ReadableSpan, ...], secrets: list[str]) -> None:
    for span in finished:
        for value in (span.attributes or {}).values():
            assert not any(secret in str(value) for secret in secrets), (span.name, value)


def test_each_attempt_and_the_refresh_is_a_span(spans: InMemorySpanExporter) -> None:
    fake = SageEmulator(seed=9)
    token = token_of(fake)
    with fake.serve(), make_client(fake, token=token, transport=None, retry_policy=FAST) as sage:
        fake.clock.advance(400)  # expired: the call refreshes first
        fake.faults.script(["503", "429"])
        assert sage.lead_business().id == fake.lead_business_id
        new = sage.token
    rows = _attempts(spans.get_finished_spans())
    assert rows == [
        ("POST", "token", 200, 0),
        ("GET", "v3.1/businesses/lead", 503, 0),
        ("GET", "v3.1/businesses/lead", 429, 1),
        ("GET", "v3.1/businesses/lead", 200, 2),
    ]
    assert new is not None
    secrets = [token.access_token, new.access_token, fake.client_secret]
    secrets += [t for t in (token.refresh_token, new.refresh_token) if t]
    _no_secret_in(spans.get_finished_spans(), secrets)


def test_the_async_client_too(spans: InMemorySpanExporter) -> None:
    fake = SageEmulator(seed=10)

    async def main() -> None:
        async with make_async_client(fake, transport=None, retry_policy=FAST) as sage:
            fake.faults.script(["500"])
            await sage.lead_business()

    with fake.serve():
        asyncio.run(main())
    assert _attempts(spans.get_finished_spans()) == [
        ("GET", "v3.1/businesses/lead", 500, 0),
        ("GET", "v3.1/businesses/lead", 200, 1),
    ]
