"""Schemathesis sweeps every operation of the served emulator against the patched spec.

For each of the 292 operations it sends a few generated requests, valid and invalid ones, with
a fixed seed and no example database, and runs all of its checks: no 5xx, every answer's status,
content type, headers and body as the spec declares them, invalid data rejected, valid data
accepted, no answer without a token.

Bounded to stay well within CI's time: a few examples per operation, and no coverage phase (its
boundary cases grow with each parameter: about three minutes here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis

from sage_accounting.testing import SageEmulator

SPEC_FILE = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"
CONFIG = {
    "seed": 20260101,
    "suppress-health-check": ["too_slow"],  # a timing check: the machine is shared
    "generation": {"max-examples": 3, "database": "none"},
    "phases": {"coverage": {"enabled": False}},
    "checks": {
        # The spec cannot say that a required name must not be blank or that an id must name a
        # record that exists, so Sage answers some schema-valid bodies 422, and so does the
        # emulator.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
        }
    },
}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, str]]]:
    fake = SageEmulator(seed=3, access_token_ttl=3600.0)
    fake.seed("contacts", 5, full=False)
    with fake.serve() as base_url:
        token = fake.issue_token()["access_token"]
        yield base_url, {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        opened.trust_env = False  # 127.0.0.1 only: no proxy from the environment
        yield opened


# Loaded at collection (about a second): schemathesis 4.32.5's lazy `from_fixture` relies on a
# private attribute that pytest 9 no longer has.
schema = schemathesis.openapi.from_path(SPEC_FILE, config=schemathesis.Config.from_dict(CONFIG))


@schema.parametrize()
def test_every_operation_answers_as_the_spec_says(
    case: schemathesis.Case[Any],  # its operation type has four parameters of its own
    served: tuple[str, dict[str, str]],
    session: requests.Session,
) -> None:
    base_url, headers = served
    case.call_and_validate(base_url=base_url, headers=headers, session=session)
