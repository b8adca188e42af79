"""The tool list: what an MCP host sees by default, what it costs, and that every generated
tool is a valid schema over a real facade method. And the core without the MCP SDK."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # the SDK's dependency, without stubs
from mcp import Client

from sage_accounting.mcp_server import Calls, estimate_tokens, listed_tools
from sage_accounting.mcp_server._table import TOOLS
from sage_accounting.testing import SageEmulator
from tests.clients import make_client

from .conftest import server, session, token_file

TOKEN_BUDGET = 8000
DISCOVERY = ["list_businesses", "list_collections", "search_operations", "call_operation"]


def test_the_default_tool_list_validates_and_fits_the_budget(
    fake: SageEmulator, tmp_path: Path
) -> None:
    tokens = token_file(fake, tmp_path)

    async def host(client: Client) -> list[dict[str, Any]]:
        listed = await client.list_tools()
        return [tool.model_dump(by_alias=True, exclude_none=True) for tool in listed.tools]

    for flags in ((), ("--allow-writes",)):
        tools = session(server(fake, tokens, *flags), host)
        assert [tool["name"] for tool in tools] == DISCOVERY
        for tool in tools:
            jsonschema.Draft202012Validator.check_schema(tool["inputSchema"])
            assert tool["description"]
        assert estimate_tokens(tools) < TOKEN_BUDGET


def test_every_generated_tool_is_a_valid_schema_over_a_facade_method(
    fake: SageEmulator,
) -> None:
    with make_client(fake) as sage:
        calls = Calls(sage, allow_writes=True)
        every = listed_tools(calls, ["all"])[len(DISCOVERY) :]
        assert len(every) == len(TOOLS) > 300
        for tool, entry in zip(TOOLS, every, strict=True):
            jsonschema.Draft202012Validator.check_schema(entry["input_schema"])
            assert callable(getattr(getattr(sage, tool["resource"]), tool["method"]))
        reads = listed_tools(Calls(sage, allow_writes=False), ["all"])
        # Listing everything is what the discovery tools spare an agent.
        assert estimate_tokens(reads) > 4 * TOKEN_BUDGET
        assert not any(t["name"].endswith("_create") for t in reads)


def test_search_returns_schemas_on_demand(fake: SageEmulator) -> None:
    with make_client(fake) as sage:
        calls = Calls(sage, allow_writes=True)
        found = calls.call("search_operations", {"query": "release a sales invoice"})
        best = found["matches"][0]
        assert best["name"] == "sales_invoices_release"
        assert best["input_schema"]["required"] == ["key"]
        assert "dry_run" in best["input_schema"]["properties"]
        exact = calls.call("search_operations", {"query": "contacts_create"})["matches"]
        assert [m["name"] for m in exact] == ["contacts_create"]
        body = exact[0]["input_schema"]["properties"]["body"]
        assert body["required"] == ["name", "contact_type_ids"]
        lines = calls.call("search_operations", {"query": "sales_invoices_create"})["matches"]
        line = lines[0]["input_schema"]["properties"]["body"]["properties"]["invoice_lines"]
        assert "unit_price" in line["items"]["properties"]  # nested fields, one level down


def test_the_core_and_the_other_commands_work_without_the_mcp_sdk(
    fake: SageEmulator, tmp_path: Path
) -> None:
    tokens = token_file(fake, tmp_path)
    key = str(fake.records("contacts")[0]["id"])
    script = textwrap.dedent(
        f"""
        import sys
        for name in ("mcp", "mcp_types"):
            sys.modules[name] = None  # as if the extra were not installed
        import sage_accounting, sage_accounting.cli
        from sage_accounting import SageAccounting
        argv = ["--token-file", {str(tokens)!r}, "--base-url", {fake.api_base_url!r},
                "--token-url", {fake.token_url!r}, "--client-id", {fake.client_id!r}]
        code = sage_accounting.cli.main(["get", "/contacts/{key}", *argv])
        assert code == 0, code
        assert sage_accounting.cli.main(["mcp", *argv]) == 2
        assert not any(name.startswith("mcp") for name in sys.modules if sys.modules[name])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert key in done.stdout  # `get` printed the record
    assert 'pip install "sage-accounting[mcp]"' in done.stderr


def test_every_error_class_has_the_errors_guides_advice() -> None:
    from sage_accounting import errors
    from sage_accounting.mcp_server._table import ADVICE

    bases = {"SageAccountingError", "APIError", "AuthError"}  # abstract: never raised as such
    raised = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.SageAccountingError)
    }
    assert raised - bases - set(ADVICE) == set()  # a new error needs its row in the guide
