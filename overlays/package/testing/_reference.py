"""Sage's reference data for a new business, read from the CSV files in `data/` on first use.

`data/<COUNTRY>/<collection>.csv` holds what differs by country, `data/shared/` what every
country has alike; a country's file replaces the shared one of the same name. `#` lines are
comments (the sources). This module only reads the files; `_setup.py` turns rows into records.
"""

from __future__ import annotations

import csv
import functools
import io
import sys
from importlib import resources

from ._availability import COUNTRIES, EDITIONS

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # moved there in 3.11; the old name goes in 3.14
    from importlib.abc import Traversable

SHARED = "shared"

Row = dict[str, str]


def check_country(country: str) -> str:
    if country not in COUNTRIES:
        raise ValueError(f"country {country!r} is not one of {', '.join(COUNTRIES)}")
    return country


def check_edition(edition: str) -> str:
    if edition in EDITIONS:
        return edition
    raise ValueError(f"edition {edition!r} is not one of {', '.join(EDITIONS)}")


def _folder(name: str) -> Traversable:
    return resources.files(__package__ or __name__) / "data" / name


@functools.cache
def collections(country: str) -> tuple[str, ...]:
    """The collections a new business of `country` has data files for, sorted."""
    names: set[str] = set()
    for folder in (SHARED, country):
        names.update(
            entry.name.removesuffix(".csv")
            for entry in _folder(folder).iterdir()
            if entry.name.endswith(".csv")
        )
    return tuple(sorted(names))


@functools.cache
def rows(country: str, collection: str) -> tuple[Row, ...]:
    """The rows of the country's file for `collection`, else the shared one's (or none)."""
    for folder in (country, SHARED):
        entry = _folder(folder) / f"{collection}.csv"
        if entry.is_file():
            return _parse(entry.read_text(encoding="utf-8"), f"{folder}/{collection}.csv")
    return ()


def _parse(text: str, name: str) -> tuple[Row, ...]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    parsed: list[Row] = []
    for number, row in enumerate(reader, start=2):
        if None in row or any(value is None for value in row.values()):
            raise ValueError(f"data/{name}: data row {number} does not fit the header")
        parsed.append({key: value.strip() for key, value in row.items()})
    return tuple(parsed)


def country_row(country: str) -> Row:
    """The country's row of `countries.csv` (its name and currency)."""
    for row in rows(country, "countries"):
        if row["id"] == country:
            return row
    raise ValueError(f"data/shared/countries.csv has no row for {country}")
