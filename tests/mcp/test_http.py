"""`sage-accounting mcp --http`: streamable HTTP on 127.0.0.1, for hosts that connect by URL."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from sage_accounting.testing import SageEmulator

from .conftest import CONTACTS, server, token_file


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server ended before it listened"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on 127.0.0.1:{port} within {seconds}s")


def test_streamable_http_on_loopback(fake: SageEmulator, tmp_path: Path) -> None:
    port = free_port()
    params = server(fake, token_file(fake, tmp_path), "--http", "--port", str(port))
    env = {**os.environ, **(params.env or {})}
    process = subprocess.Popen(
        [params.command, *params.args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    async def agent() -> tuple[list[str], Any]:
        with anyio.fail_after(60):
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                tools = await client.list_tools()
                page = await client.call_tool(
                    "call_operation", {"name": "contacts_list", "arguments": {"page_size": 5}}
                )
                return [tool.name for tool in tools.tools], page.structured_content

    try:
        wait_for(port, process)
        names, page = anyio.run(agent)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert "call_operation" in names
    assert page["total"] == CONTACTS and page["count"] == 5
    assert out == b""  # logs go to stderr; stdout stays clean
