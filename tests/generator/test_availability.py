"""generator/availability.py: the spec's "Endpoint Availability" prose read into a table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.availability import AvailabilityError, describe, offered_by_name, parse
from generator.facade import describe as describe_facade

PATCHED_SPEC = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(PATCHED_SPEC.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def table(spec: dict[str, Any]) -> dict[str, Any]:
    return describe(spec, describe_facade(spec))


def _blocks(spec: dict[str, Any]) -> dict[str, list[str]]:
    """Each distinct block of the spec (its edition lines, as written) -> the operations."""
    blocks: dict[str, list[str]] = {}
    for item in spec["paths"].values():
        for op in item.values():
            text = str(op.get("description") or "") if isinstance(op, dict) else ""
            found = re.search(r"### Endpoint Availability\n\n((?:\* .*\n?)+)", text)
            if found:
                blocks.setdefault(found[1].strip(), []).append(op["operationId"])
    return blocks


def test_every_pattern_of_the_spec_reads_as_its_lines_say(spec: dict[str, Any]) -> None:
    blocks = _blocks(spec)
    assert len(blocks) >= 16  # some patterns differ only in the order of their flags
    for block, operations in blocks.items():
        got = parse(f"### Endpoint Availability\n\n{block}\n\n### Access Control", operations[0])
        assert got is not None
        for line in block.splitlines():
            edition, flags = line.removeprefix("* Accounting ").split(": ")
            # A flag is two regional indicator letters: 🇬🇧 is G + B.
            codes = {
                "".join(chr(ord(c) - 0x1F1E6 + 65) for c in f.strip()) for f in flags.split(",")
            }
            assert set(got[edition.lower()]) == codes, (block, edition)
        named = {
            line.removeprefix("* Accounting ").split(":")[0].lower() for line in block.splitlines()
        }
        assert all(got[edition] == [] for edition in {"plus", "standard", "start"} - named)


def test_the_table_has_sixteen_patterns_and_nine_unknown_operations(table: dict[str, Any]) -> None:
    assert len(table["patterns"]) == 16
    assert len(table["operations"]) == 292
    unknown = sorted(op["id"] for op in table["operations"] if op["pattern"] is None)
    assert unknown == sorted(
        [
            "postJournalsKeyReissue",
            "postTaxRates",
            "putTaxRatesKey",
            "deleteTaxRatesKey",
            "getBusinesses",
            "getBusinessesKey",
            "putBusinessesKey",
            "getUser",
            "putUser",
        ]
    )


def test_known_facts_by_every_kind_of_name(table: dict[str, Any]) -> None:
    plus_only = {"plus": ["CA", "ES", "FR", "GB", "IE", "US"], "standard": [], "start": []}
    for name in (
        "stock_movements",
        "stock_movements.list",
        "getStockMovements",
        "GET /stock_movements",
    ):
        assert offered_by_name(table, name) == plus_only
    germany = {"plus": ["DE"], "standard": ["DE"], "start": ["DE"]}
    assert offered_by_name(table, "datev_settings") == germany
    assert offered_by_name(table, "datev_settings.update") == germany
    assert offered_by_name(table, "tax_rates") is not None  # its list says; its create does not
    assert offered_by_name(table, "tax_rates.create") is None
    assert offered_by_name(table, "businesses") is None


def test_nine_operations_are_france_only(table: dict[str, Any]) -> None:
    france = [
        op["id"]
        for op in table["operations"]
        if op["pattern"] is not None
        and all(set(c) <= {"FR"} for c in table["patterns"][op["pattern"]].values())
    ]
    assert len(france) == 9
    assert {op.split("Key")[0] for op in france} >= {"getJournalCodes", "getLegalFormTypes"}


def test_a_collection_reads_as_its_first_operation_in_facade_order(table: dict[str, Any]) -> None:
    for name in ("contacts", "sales_invoices", "business_settings"):
        first = "list" if name != "business_settings" else "get"
        assert table["names"][name] == table["names"][f"{name}.{first}"]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("* Accounting Plus 🇬🇧", "not '* <edition>: <flags>'"),
        ("* Accounting Premium: 🇬🇧", "unknown edition 'Accounting Premium'"),
        ("* Accounting Plus: GB, IE", "'GB' is not a country flag"),
        ("* Accounting Plus: 🇿🇦", "flag of ZA"),
    ],
)
def test_a_line_that_does_not_read_names_the_operation_and_the_line(line: str, why: str) -> None:
    with pytest.raises(AvailabilityError) as caught:
        parse(f"### Endpoint Availability\n\n{line}\n", "getWidgets")
    message = str(caught.value)
    assert message.startswith(f"getWidgets: Endpoint Availability line {line!r}")
    assert why in message
    assert "erratum" in message


def test_a_heading_without_lines_or_an_edition_twice_is_an_error() -> None:
    with pytest.raises(AvailabilityError, match=r"getWidgets: .*no edition lines"):
        parse("### Endpoint Availability\n\n### Access Control Restrictions\n", "getWidgets")
    with pytest.raises(AvailabilityError, match="named twice"):
        parse("### Endpoint Availability\n\n* Accounting Plus: 🇬🇧\n* Accounting Plus: 🇮🇪", "op")


def test_no_block_is_unknown_and_an_edition_left_out_is_nowhere() -> None:
    assert parse("Returns a Business", "getBusinessesKey") is None
    assert parse("### Endpoint Availability\n\n* Accounting Plus: 🇬🇧, 🇮🇪", "op") == {
        "plus": ["GB", "IE"],
        "standard": [],
        "start": [],
    }


def test_a_broken_line_in_the_pipeline_stops_the_build_naming_the_operation(
    spec: dict[str, Any],
) -> None:
    broken = json.loads(json.dumps(spec))
    op = broken["paths"]["/stock_movements"]["get"]
    op["description"] = op["description"].replace("* Accounting Plus:", "* Acounting Plus:")
    with pytest.raises(AvailabilityError, match=r"getStockMovements: .*'\* Acounting Plus:"):
        describe(broken, describe_facade(broken))


# the spec-change report and the reference docs


def _swagger(description: str | None) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": "getThings", "responses": {"200": {"description": "ok"}}}
    if description is not None:
        op["description"] = description
    return {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"get": op}},
    }


def _block(*lines: str) -> str:
    return (
        "### Endpoint Availability\n\n" + "\n".join(lines) + "\n\n### Access Control Restrictions"
    )


def test_the_spec_change_report_lists_availability_added_and_withdrawn() -> None:
    from generator.spec_diff import Change, ChangeKind, SpecVersion, diff_documents
    from generator.spec_report import render_report

    old = _swagger(_block("* Accounting Plus: 🇬🇧, 🇩🇪", "* Accounting Start: 🇬🇧"))
    new = _swagger(_block("* Accounting Plus: 🇬🇧, 🇮🇪", "* Accounting Standard: 🇬🇧"))
    changes = diff_documents(old, new)
    assert changes == [
        Change(
            ChangeKind.AVAILABILITY_ADDED,
            "GET /things",
            False,
            "now offered to Accounting Plus in IE; Accounting Standard in GB",
        ),
        Change(
            ChangeKind.AVAILABILITY_WITHDRAWN,
            "GET /things",
            True,
            "no longer offered to Accounting Plus in DE; Accounting Start in GB",
        ),
    ]
    old_version = SpecVersion("accounts", "a.json", "Accounts", "3.1", "a" * 64)
    new_version = SpecVersion("accounts", "a.json", "Accounts", "3.2", "b" * 64)
    report = render_report(changes, old_version, new_version, source="x")
    assert "### Availability withdrawn (Endpoint Availability) (1)" in report
    assert "- **breaking** `GET /things`: no longer offered to Accounting Plus in DE" in report


def test_unknown_is_not_nowhere_in_the_report() -> None:
    from generator.spec_diff import ChangeKind, diff_documents

    known = _swagger(_block("* Accounting Plus: 🇬🇧"))
    silent = _swagger("Returns things")
    gone = diff_documents(known, silent)
    assert [(c.kind, c.breaking) for c in gone] == [(ChangeKind.AVAILABILITY_WITHDRAWN, False)]
    assert "no longer says where (unknown, not nowhere)" in gone[0].detail
    came = diff_documents(silent, known)
    assert [(c.kind, c.breaking, c.detail) for c in came] == [
        (ChangeKind.AVAILABILITY_ADDED, False, "the spec now says where: Accounting Plus in GB")
    ]
    garbled = diff_documents(known, _swagger(_block("* Accounting Plus GB")))
    assert "its text does not read: getThings: Endpoint Availability line" in garbled[0].detail
    assert diff_documents(silent, silent) == []


def test_each_resource_page_shows_its_availability_as_edition_by_country(
    spec: dict[str, Any], table: dict[str, Any]
) -> None:
    from generator.docs import resource_page

    resources = {r["name"]: r for r in describe_facade(spec)["resources"]}
    page = resource_page(resources["stock_movements"], table)
    assert "| edition | CA | DE | ES | FR | GB | IE | US |" in page
    assert "| Accounting Plus | ✓ |  | ✓ | ✓ | ✓ | ✓ | ✓ |" in page
    assert "| Accounting Standard |  |  |  |  |  |  |  |" in page
    assert "| Accounting Start |  |  |  |  |  |  |  |" in page
    assert page.index("## Availability") < page.index("## list")
    datev = resource_page(resources["datev_settings"], table)
    assert "| Accounting Start |  | ✓ |  |  |  |  |  |" in datev
    tax_rates = resource_page(resources["tax_rates"], table)
    assert "`create` differs: the spec does not say." in tax_rates
    businesses = resource_page(resources["businesses"], table)
    assert "does not say where `businesses` is offered" in businesses
