"""The generated tools as a catalogue: which an agent may call, the collections, a search.

Write tools are in it only with `allow_writes`: without it they are neither listed, found nor
called, so an agent cannot even try them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._schemas import description, input_schema
from ._table import TOOLS

_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    """A word without its plural's `s`/`es`, so `invoice` finds `sales_invoices`."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _words(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(text.lower())}


class Catalog:
    """The generated tools this server offers, by name."""

    def __init__(self, *, allow_writes: bool) -> None:
        self.allow_writes = allow_writes
        self.tools: dict[str, Mapping[str, Any]] = {
            tool["name"]: tool for tool in TOOLS if allow_writes or not tool["write"]
        }
        self._index = {
            name: (_words(name), _words(f"{tool['summary']} {tool['http']}"))
            for name, tool in self.tools.items()
        }

    def is_write(self, name: str) -> bool:
        """Whether `name` is a generated write tool (offered or not)."""
        return any(tool["name"] == name and tool["write"] for tool in TOOLS)

    def entry(self, name: str) -> dict[str, Any]:
        """The MCP tool description of a generated tool."""
        tool = self.tools[name]
        return {
            "name": name,
            "description": description(tool),
            "input_schema": input_schema(tool),
        }

    def exposed(self, collections: Iterable[str]) -> list[dict[str, Any]]:
        """The tools of these collections (`all`: every one) as direct entries of the list."""
        wanted = set(collections)
        known = {tool["resource"] for tool in TOOLS}
        if wanted - known - {"all"}:
            raise ValueError(f"no such collection to expose: {', '.join(sorted(wanted - known))}")
        return [
            self.entry(name)
            for name, tool in self.tools.items()
            if "all" in wanted or tool["resource"] in wanted
        ]

    def collections(self) -> dict[str, list[str]]:
        """Collection -> its operations (a tool is named `<collection>_<operation>`)."""
        found: dict[str, list[str]] = {}
        for tool in self.tools.values():
            found.setdefault(tool["resource"], []).append(tool["method"])
        return found

    def search(self, query: str, limit: int) -> list[dict[str, Any]]:
        """The best `limit` tools for `query`: words in the name count most, reads first."""
        if query.strip() in self.tools:
            return [self.entry(query.strip())]
        wanted = _words(query)
        scored = []
        for position, (name, (in_name, in_text)) in enumerate(self._index.items()):
            score = 3 * len(wanted & in_name) + len(wanted & in_text)
            if score:
                write = self.tools[name]["write"]
                # Fewer words beyond the query's first: sales_invoices before sales_quick_entries.
                scored.append((-score, write, len(in_name - wanted), position, name))
        return [self.entry(name) for *_, name in sorted(scored)[:limit]]
