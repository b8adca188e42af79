"""Every record a request body names, and the 422 for those the business does not hold.

A body names a record by `x_id` (`contact_id`), a list of them (`contact_type_ids`), or a
nested link (`{"contact": {"id": ...}}`), at any depth (lines, addresses). `$source` is the
field's path as the client wrote it, lines counted from 0 (`invoice_lines[0].ledger_account_id`):
the live API often leaves `$source` empty ("The error message unfortunately misses the
`$source` attribute", Sage/sageone_api_php_sample#29), so we use the spelling our client
already uses for its own field errors. The code and message follow that issue's example:
`RecordInvalid`, "Couldn't find Supplier." (here the record's kind: "Couldn't find Ledger
Account.").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ._money import BookError, Problem

#: Whether the business holds the record `name` (`ledger_account`, `contact_type`) names by id:
#: True, False, or None when the name is no kind of record the emulator keeps (not checked).
Exists = Callable[[str, str], "bool | None"]
_NOT_REFERENCES = frozenset({"idempotency_id", "source_guid", "audit_trail_id"})


@dataclass(frozen=True)
class Reference:
    name: str  # the record kind as the field names it: `ledger_account`
    key: str
    source: str  # `invoice_lines[0].ledger_account_id`


def references(body: dict[str, Any], prefix: str = "") -> Iterator[Reference]:
    """Every reference in `body`, depth first, in the order the client wrote them."""
    for field, value in body.items():
        source = f"{prefix}{field}"
        if field in _NOT_REFERENCES:
            continue
        if field.endswith("_id") and isinstance(value, str) and value:
            yield Reference(field[:-3], value, source)
        elif field.endswith("_ids") and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str) and item:
                    yield Reference(field[:-4], item, f"{source}[{index}]")
        elif isinstance(value, dict):
            if isinstance(value.get("id"), str) and value["id"] and len(value) <= 3:
                yield Reference(
                    field, value["id"], f"{source}.id"
                )  # a link: {id, displayed_as, $path}
            else:
                yield from references(value, f"{source}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from references(item, f"{source}[{index}].")


def label(name: str) -> str:
    """`ledger_account` as Sage's messages name it: `Ledger Account`."""
    return " ".join(word.capitalize() for word in name.split("_"))


def missing(body: dict[str, Any], exists: Exists) -> list[Problem]:
    problems = []
    for ref in references(body):
        if exists(ref.name, ref.key) is False:
            problems.append(
                Problem("RecordInvalid", f"Couldn't find {label(ref.name)}.", ref.source)
            )
    return problems


def check_references(body: dict[str, Any], exists: Exists) -> None:
    """Raise the 422 listing every reference in `body` the business does not hold."""
    problems = missing(body, exists)
    if problems:
        raise BookError(problems)
