"""The hostile server of these tests, started and stopped for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import HostileServer


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as running:
        yield running


@pytest.fixture
def elsewhere() -> Iterator[HostileServer]:
    """Another origin, that a redirect points at: it must never be asked anything."""
    with HostileServer() as running:
        yield running
