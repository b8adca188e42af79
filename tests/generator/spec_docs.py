"""The published spec documents the spec-change tests read, and what is known of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNTS = "sage-accounting-v3.1-accounts.swagger.json"
USER_BUSINESSES = "sage-accounting-v3.1-user-businesses.swagger.json"
HISTORY = "history/sage-accounting-v3.1-accounts.2022.swagger.json"
SHA_2022 = "e91b686b865b43781bb2822e7a9aa596b350f3533ac710bf01ae73347f4d05a7"
SHA_CURRENT = "c7c84b109a58778f06d1e042917885e1b8581d7616dbe125939e200eb0655780"
SHA_USER_BUSINESSES = "4a4e19ca4f75abf1579ebd61e562dc9831b56096032383979680d3d00a57afff"

#: Operations whose "Endpoint Availability" lost Germany from 2022 to now (every edition line
#: that named 🇩🇪; counted with a plain regex over both files, independent of the parser).
REAL_AVAILABILITY_WITHDRAWN = 241
#: Changes from the 2022 Accounts document to the pinned one (checked by hand, see
#: test_spec_diff.py): 153 to the shapes, and the availability withdrawn.
REAL_TOTAL = 153 + REAL_AVAILABILITY_WITHDRAWN


def load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
