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

from sage_accounting.testing._churn import Churn
from sage_accounting.testing._clock import FakeClock
from sage_accounting.testing._emulator import SageEmulator
from sage_accounting.testing._faults import Fault
from sage_accounting.testing._limits import CapUsage
from sage_accounting.testing._stats import LogEntry, Stats

__all__ = ["CapUsage", "Churn", "FakeClock", "Fault", "LogEntry", "SageEmulator", "Stats"]
