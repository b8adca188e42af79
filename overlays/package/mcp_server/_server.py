"""The MCP server on the official SDK's low-level `Server`: tools/list and tools/call.

The list holds the discovery tools (and the tools of the collections named in `expose`); a
call runs `Calls.call` in a worker thread, since the client underneath is the synchronous one
the other commands use. A result carries the answer twice, as `structured_content` and as
its JSON text, for hosts that read only one; a failure is a tool error (`is_error`), so the
agent sees what went wrong and what to do. Logs go to stderr: stdout is the protocol.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext

from ._answers import ToolFailure
from ._calls import Calls
from ._schemas import discovery_tools

if TYPE_CHECKING:
    from .._sage import SageAccounting

logger = logging.getLogger("sage_accounting.mcp")
INSTRUCTIONS = (
    "Sage Business Cloud Accounting. Find an operation with search_operations (or "
    "list_collections), then run it with call_operation. Lists answer one page with total "
    "and next_cursor; money is exact decimal strings; dates are ISO. Pass business_id to "
    "work on a business other than the default (list_businesses names them)."
)


def listed_tools(calls: Calls, expose: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The tools/list answer as plain data: the discovery tools, then any exposed ones."""
    return discovery_tools(writes=calls.catalog.allow_writes) + calls.catalog.exposed(expose)


def build_server(
    sage: SageAccounting,
    *,
    allow_writes: bool = False,
    expose: Iterable[str] = (),
    name: str = "sage-accounting",
) -> Server[Any]:
    """An MCP server whose tools read (and with `allow_writes`, write) the books of `sage`."""
    calls = Calls(sage, allow_writes=allow_writes)
    tools = [types.Tool.model_validate(tool) for tool in listed_tools(calls, expose)]

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            payload = await anyio.to_thread.run_sync(calls.call, params.name, params.arguments)
        except ToolFailure as failure:
            logger.info("tool %s: %s", params.name, failure.payload["error"])
            return _result(failure.payload, error=True)
        except Exception as error:  # a fault of ours: logged, and the agent told plainly
            logger.exception("tool %s failed", params.name)
            payload = {
                "error": type(error).__name__,
                "message": "the server failed on this call (its log on stderr says why)",
                "advice": "report it; try another way meanwhile",
            }
            return _result(payload, error=True)
        return _result(payload, error=False)

    return Server(
        name,
        version=_version(),
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _result(payload: dict[str, Any], *, error: bool) -> types.CallToolResult:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=payload,
        is_error=error,
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sage-accounting")
    except PackageNotFoundError:
        return "0"


async def serve_stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def serve_http(server: Server[Any], port: int) -> None:
    """Streamable HTTP on 127.0.0.1 only (the SDK then also guards against DNS rebinding)."""
    import uvicorn

    app = server.streamable_http_app(host="127.0.0.1")
    # log_config=None: uvicorn logs through ours, to stderr, and no access log goes to stdout.
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def serve(server: Server[Any], *, http: bool = False, port: int = 8000) -> None:
    """Serve until the host ends it: over stdio, or streamable HTTP on 127.0.0.1:`port`."""
    if http:
        serve_http(server, port)
    else:
        anyio.run(serve_stdio, server)
