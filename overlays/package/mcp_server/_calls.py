"""One tool call, start to end: which tool, which business, the call, its answer or its error.

`Calls.call(name, arguments)` runs in a worker thread (the client is the synchronous
`SageAccounting` the other commands use) and returns the answer as plain JSON, or raises
`ToolFailure` with the tool error's payload.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import SageAccountingError
from ._answers import Payload, Redactor, ToolFailure, failure_of, json_safe, record_of, trimmed
from ._arguments import bad, decode_cursor, unknown
from ._catalog import Catalog
from ._reads import read_changes, read_list, read_record
from ._schemas import input_schema
from ._writes import write

if TYPE_CHECKING:
    from .._sage import SageAccounting

_BUSINESS_FIELDS = ("id", "name", "displayed_as", "country")
_DISCOVERY = frozenset({"list_businesses", "list_collections", "search_operations"})


class Calls:
    """The tools of one server over one client (one login)."""

    def __init__(self, sage: SageAccounting, *, allow_writes: bool) -> None:
        self._sage = sage
        self.catalog = Catalog(allow_writes=allow_writes)
        self._businesses: dict[str, SageAccounting] = {}
        self._lock = threading.Lock()
        options = sage.options
        token = sage.token
        secrets = [options.client_secret]
        if token is not None:
            secrets += [token.access_token, token.refresh_token]
        self._redact = Redactor(secrets)

    def call(self, name: str, arguments: Mapping[str, Any] | None) -> Payload:
        """The answer of tool `name`; a failure raises `ToolFailure` (its payload redacted)."""
        try:
            return dict(self._redact(json_safe(self._dispatch(name, dict(arguments or {})))))
        except ToolFailure as failure:
            failure.payload = self._redact(failure.payload)
            raise
        except SageAccountingError as error:
            refused = failure_of(error)
            refused.payload = self._redact(refused.payload)
            raise refused from None
        except (TypeError, ValueError) as error:  # an argument the facade refused
            raise self._invalid(error) from None

    def _invalid(self, error: Exception) -> ToolFailure:
        failure = bad("arguments", str(error))
        failure.payload = self._redact(failure.payload)
        return failure

    def _dispatch(self, name: str, arguments: dict[str, Any]) -> Any:
        if name == "call_operation":
            unknown(arguments, {"name", "arguments"})
            inner = arguments.get("arguments") or {}
            if not isinstance(inner, Mapping):
                raise bad("arguments", "an object of the operation's arguments is due")
            return self._dispatch(str(arguments.get("name", "")), dict(inner))
        if name in _DISCOVERY:
            return self._discover(name, arguments)
        tool = self.catalog.tools.get(name)
        if tool is None:
            raise self._no_such_tool(name)
        unknown(arguments, set(input_schema(tool)["properties"]))
        business = arguments.get("business_id") or None
        if business is not None and not isinstance(business, str):
            raise bad("business_id", "a business id (a string) is due")
        if tool["kind"] == "list" and arguments.get("cursor") is not None:
            business = decode_cursor(name, arguments["cursor"])[0]  # the page's own business
        sage = self._client(business)
        kind = tool["kind"]
        if tool["write"]:
            return write(sage, business, tool, arguments)
        if kind == "list":
            return read_list(sage, business, tool, arguments)
        if kind == "changes":
            return read_changes(sage, tool, arguments)
        return read_record(sage, tool, arguments)

    def _no_such_tool(self, name: str) -> ToolFailure:
        if self.catalog.is_write(name):
            return ToolFailure(
                "WritesOff",
                f"{name} writes to the books, and this server was started read-only",
                "start it with sage-accounting mcp --allow-writes to offer write tools",
            )
        return ToolFailure(
            "UnknownTool",
            f"no tool named {name!r}",
            "find it with search_operations (or list_collections), then call_operation",
        )

    def _discover(self, name: str, arguments: dict[str, Any]) -> Payload:
        if name == "list_collections":
            unknown(arguments, set())
            return {
                "collections": self.catalog.collections(),
                "tool_name": "<collection>_<operation>, e.g. contacts_list",
                "writes": self.catalog.allow_writes,
            }
        if name == "search_operations":
            unknown(arguments, {"query", "limit"})
            query, limit = arguments.get("query"), arguments.get("limit", 5)
            if not isinstance(query, str) or not query.strip():
                raise bad("query", "words to search for are due")
            if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 20:
                raise bad("limit", "a whole number from 1 to 20 is due")
            return {"matches": self.catalog.search(query, limit)}
        unknown(arguments, set())
        businesses = self._sage.list_businesses()
        return {
            "default_business_id": self._sage.business_id,
            "businesses": [trimmed(record_of(b), _BUSINESS_FIELDS[1:]) for b in businesses],
        }

    def _client(self, business: str | None) -> SageAccounting:
        """The server's client, or one for another business sharing its token and limits."""
        if business is None or business == self._sage.business_id:
            return self._sage
        with self._lock:
            client = self._businesses.get(business)
            if client is None:
                client = self._businesses[business] = self._sage.with_business(business)
            return client
