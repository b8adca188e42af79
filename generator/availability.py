"""Which editions in which countries offer each operation, as plain data from the spec's prose.

Sage opens most operation descriptions with

    ### Endpoint Availability

    * Accounting Plus: 🇨🇦, 🇪🇸, 🇫🇷, 🇬🇧, 🇮🇪, 🇺🇸
    * Accounting Standard: 🇬🇧, 🇮🇪

`describe(spec, facade)` reads that block of every operation of the patched spec (so an erratum
can fix text that does not read) into what `availability.py.jinja` and
`testing/_availability.py.jinja` render. An operation without the block is unknown (None),
never "offered nowhere"; an edition the block leaves out does not offer the operation in any
country. A block that does not read is an error naming the operation and the line.
"""

from __future__ import annotations

import json
import re
from typing import Any

HEADING = "### Endpoint Availability"
#: Sage's edition names in the spec's prose, and the short names the package takes.
EDITIONS: dict[str, str] = {
    "Accounting Plus": "plus",
    "Accounting Standard": "standard",
    "Accounting Start": "start",
}
#: The countries Sage's consent page takes (`country=gb|ie|us|ca|de|es|fr`, SAGE_API.md);
#: a flag outside them is a line that does not read, not a new country taken on trust.
COUNTRIES = ("CA", "DE", "ES", "FR", "GB", "IE", "US")
_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_LINE = re.compile(r"^\* (?P<edition>[A-Za-z ]+?): *(?P<flags>.*?)\s*$")
_FLAG_BASE = 0x1F1E6  # REGIONAL INDICATOR SYMBOL LETTER A: a flag is two of these


class AvailabilityError(ValueError):
    """An "Endpoint Availability" block that does not read."""

    def __init__(self, operation: str, line: str, why: str) -> None:
        super().__init__(
            f"{operation}: Endpoint Availability line {line!r} does not read ({why}); "
            "fix the spec text with an erratum (generator/errata.py)"
        )


Offered = dict[str, list[str]]  # edition -> its countries, sorted; every edition is a key


def parse(description: str, operation: str) -> Offered | None:
    """The editions and countries of one operation's description; None when it has no block."""
    start = description.find(HEADING)
    if start < 0:
        return None
    offered: Offered = {short: [] for short in EDITIONS.values()}
    seen: set[str] = set()
    body = description[start + len(HEADING) :].lstrip("\n").split("\n")
    for line in body:
        if not line.strip():
            if seen:
                break  # the blank line that ends the block
            continue
        if line.startswith("#") and not seen:
            raise AvailabilityError(operation, line, "the heading has no edition lines")
        if line.startswith("#"):
            break
        match = _LINE.match(line.strip())
        if match is None:
            raise AvailabilityError(operation, line, "not '* <edition>: <flags>'")
        edition = EDITIONS.get(match["edition"])
        if edition is None:
            raise AvailabilityError(operation, line, f"unknown edition {match['edition']!r}")
        if edition in seen:
            raise AvailabilityError(operation, line, f"{match['edition']} named twice")
        seen.add(edition)
        offered[edition] = sorted(_countries(match["flags"], operation, line))
    if not seen:
        raise AvailabilityError(operation, HEADING, "the heading has no edition lines")
    return offered


def _countries(flags: str, operation: str, line: str) -> set[str]:
    countries: set[str] = set()
    for flag in flags.split(","):
        letters = flag.strip()
        codes = [ord(c) - _FLAG_BASE for c in letters]
        if len(codes) != 2 or not all(0 <= code < 26 for code in codes):
            raise AvailabilityError(operation, line, f"{letters!r} is not a country flag")
        country = "".join(chr(ord("A") + code) for code in codes)
        if country not in COUNTRIES:
            raise AvailabilityError(operation, line, f"flag of {country}, not one of {COUNTRIES}")
        countries.add(country)
    return countries


def describe(spec: dict[str, Any], facade: dict[str, Any]) -> dict[str, Any]:
    """The availability table: distinct patterns, then every operation and collection by name.

    `names` maps each way to name an operation (operationId, "GET /path", "collection.method")
    and each collection (its first operation in the facade's order: the list, else the get)
    to the index of its pattern in `patterns`, or None where the spec says nothing.
    """
    patterns: list[Offered] = []
    by_operation: dict[str, int | None] = {}
    operations: list[dict[str, Any]] = []
    for path, item in spec["paths"].items():
        for method in _HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            operation_id = str(op["operationId"])
            offered = parse(str(op.get("description") or ""), operation_id)
            index = None
            if offered is not None:
                if offered not in patterns:
                    patterns.append(offered)
                index = patterns.index(offered)
            by_operation[operation_id] = index
            operations.append(
                {"id": operation_id, "method": method.upper(), "path": path, "pattern": index}
            )
    names: dict[str, int | None] = {}
    collections: dict[str, int | None] = {}
    facade_names: dict[str, str] = {}
    for resource in facade["resources"]:
        for method in resource["methods"]:
            operation_id = _operation_id(spec, method)
            facade_names[operation_id] = f"{resource['name']}.{method['name']}"
            names[facade_names[operation_id]] = by_operation[operation_id]
        first = resource["methods"][0]
        collections[resource["name"]] = by_operation[_operation_id(spec, first)]
    for op in operations:
        op["facade"] = facade_names[op["id"]]
        names[op["id"]] = op["pattern"]
        names[f"{op['method']} {op['path']}"] = op["pattern"]
    rows = [[o["method"], o["path"], o["id"], o["facade"], o["pattern"]] for o in operations]
    text = {"patterns": patterns, "operations": rows, "collections": collections}
    return {
        "json": json.dumps(text, separators=(",", ":")),
        "countries": COUNTRIES,
        "editions": tuple(EDITIONS.values()),
        "edition_names": {short: long for long, short in EDITIONS.items()},
        "patterns": patterns,
        "operations": operations,
        "collections": collections,
        "names": {**collections, **names},
    }


def _operation_id(spec: dict[str, Any], method: dict[str, Any]) -> str:
    return str(spec["paths"][method["path"]][method["http_method"].lower()]["operationId"])


def offered_by_name(table: dict[str, Any], name: str) -> Offered | None:
    """The pattern of `name` in a table `describe` made (KeyError for an unknown name)."""
    index = table["names"][name]
    return None if index is None else table["patterns"][index]


def compare(old: str, new: str, operation: str) -> list[tuple[str, bool, str]]:
    """How an operation's availability changed between two descriptions, for the spec-change
    report: ("added" | "withdrawn", breaking, detail) items. A pair (edition, country) taken
    away is breaking; text that says nothing, or does not read, is unknown (never "nowhere")."""
    before, after = _tolerant(old, operation), _tolerant(new, operation)
    if before[0] is None and after[0] is None:
        return []
    if before[0] is None:
        return [("added", False, f"the spec now says where{before[1]}: {_pairs(after[0])}")]
    if after[0] is None:
        detail = f"the spec no longer says where (unknown, not nowhere){after[1]}"
        return [("withdrawn", False, detail)]
    out: list[tuple[str, bool, str]] = []
    added = {e: sorted(set(after[0][e]) - set(before[0][e])) for e in after[0]}
    gone = {e: sorted(set(before[0][e]) - set(after[0][e])) for e in before[0]}
    if any(added.values()):
        out.append(("added", False, f"now offered to {_pairs(added)}"))
    if any(gone.values()):
        out.append(("withdrawn", True, f"no longer offered to {_pairs(gone)}"))
    return out


def _tolerant(description: str, operation: str) -> tuple[Offered | None, str]:
    try:
        return parse(description, operation), ""
    except AvailabilityError as exc:
        return None, f" (its text does not read: {exc})"


def _pairs(offered: Offered | None) -> str:
    names = {short: long for long, short in EDITIONS.items()}
    parts = [f"{names[e]} in {', '.join(c)}" for e, c in (offered or {}).items() if c]
    return "; ".join(parts) or "no edition anywhere"
