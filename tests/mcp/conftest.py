"""MCP tests: `sage-accounting mcp` started as a subprocess over stdio, driven by the MCP SDK's
own client, against the served emulator with a login's token file."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("mcp")

import anyio
from mcp import Client, StdioServerParameters

from sage_accounting import Token
from sage_accounting.auth import FileTokenStore
from sage_accounting.testing import SageEmulator

CONTACTS = 45
T = TypeVar("T")


@pytest.fixture()
def fake() -> Iterator[SageEmulator]:
    emulator = SageEmulator(seed=27)
    emulator.seed("contacts", CONTACTS, full=False)
    emulator.clock.advance(5)  # the books were kept before the agent's first look
    with emulator.serve():
        yield emulator


def token_file(fake: SageEmulator, folder: Path, scope: str = "full_access") -> Path:
    """A login's token file, as `sage-accounting login` leaves it."""
    path = folder / f"token-{scope}.json"
    token = Token.from_response(fake.issue_token(scope=scope), now=fake.clock.now())
    FileTokenStore(path).save(token, replaces=None)
    return path


def server(fake: SageEmulator, tokens: Path, *flags: str) -> StdioServerParameters:
    """`sage-accounting mcp` as an MCP host starts it, pointed at the served emulator."""
    connection = {
        "--token-file": str(tokens),
        "--client-id": fake.client_id,
        "--base-url": fake.api_base_url,
        "--token-url": fake.token_url,
    }
    options = [part for pair in connection.items() for part in pair]
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "sage_accounting", "mcp", *options, *flags],
        env={"SAGE_CLIENT_SECRET": fake.client_secret},
    )


def session(params: StdioServerParameters, steps: Callable[[Client], Awaitable[T]]) -> T:
    """Run `steps` with a client connected to the server; the server ends with the session."""

    async def run() -> T:
        with anyio.fail_after(120):
            async with Client(params) as client:
                return await steps(client)

    return anyio.run(run)


async def call(client: Client, name: str, arguments: dict[str, Any]) -> tuple[Any, bool]:
    """A tool's structured answer and whether it is a tool error."""
    result = await client.call_tool(name, arguments)
    return result.structured_content, result.is_error


async def operation(client: Client, name: str, **arguments: Any) -> tuple[Any, bool]:
    """`call_operation`: how an agent runs a generated tool it found with search_operations."""
    return await call(client, "call_operation", {"name": name, "arguments": arguments})
