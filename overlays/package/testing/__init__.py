"""A stateful emulator of the Sage Accounting API v3.1, built from the same spec as the client.

    from sage_accounting.testing import SageEmulator

    fake = SageEmulator(seed=1)
    fake.seed("contacts", 50)
    token = fake.issue_token()
    client = httpx.Client(transport=fake.transport, base_url=fake.api_base_url,
                          headers={"Authorization": f"Bearer {token['access_token']}"})

Standard library and httpx only; `import sage_accounting` does not import it.
"""

from __future__ import annotations

from ._churn import Churn
from ._clock import FakeClock
from ._emulator import SageEmulator
from ._faults import Fault
from ._limits import CapUsage
from ._stats import LogEntry, Stats

__all__ = ["CapUsage", "Churn", "FakeClock", "Fault", "LogEntry", "SageEmulator", "Stats"]
