"""`sage-accounting mcp`: the books as tools for an AI agent, over the Model Context Protocol
(`pip install "sage-accounting[mcp]"`; docs/guides/mcp.md).

    from sage_accounting import SageAccounting
    from sage_accounting.mcp_server import build_server, serve

    with SageAccounting(client_id=..., client_secret=..., token_store=...) as sage:
        serve(build_server(sage, allow_writes=False))          # stdio; http=True for HTTP

The tools are generated from the spec (`_table.py`) and call the client's facade, so tokens,
refresh, retries, limits (a fleet's Redis ones too, given to `SageAccounting`) are the
client's. Nothing outside this subpackage imports the MCP SDK.
"""

from __future__ import annotations

try:
    import mcp as _mcp  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        'sage_accounting.mcp_server needs the MCP SDK: pip install "sage-accounting[mcp]"'
    ) from exc

from ._answers import ToolFailure
from ._calls import Calls
from ._schemas import estimate_tokens
from ._server import build_server, listed_tools, serve

__all__ = ["Calls", "ToolFailure", "build_server", "estimate_tokens", "listed_tools", "serve"]
