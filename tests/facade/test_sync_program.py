"""A sync program never imports asyncio: not to import the client, build it, or call Sage.

Each program runs in a fresh interpreter, as a user's script would. The emulator itself serves
over asyncio (`serve()`), so it is either served from this process (the program then holds
only the client and httpx) or, in process, loaded first with asyncio shut off behind it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from sage_accounting.testing import SageEmulator

CONTACTS = 30

# A user's script against the emulator served over HTTP: `setup` comes as the first argument.
SERVED_PROGRAM = """
import json, sys
from sage_accounting import SageAccounting, Token

setup = json.loads(sys.argv[1])
with SageAccounting(
    client_id=setup["client_id"],
    client_secret=setup["client_secret"],
    token=Token.from_response(setup["token"]),
    base_url=setup["base_url"],
    token_url=setup["token_url"],
    revoke_url=setup["revoke_url"],
) as sage:
    lead = sage.lead_business().name
    names = [contact.displayed_as for contact in sage.contacts.list()]
print(json.dumps({"lead": lead, "contacts": len(names), "asyncio": "asyncio" in sys.modules}))
"""

# The same calls against the emulator in process (how many contacts: the first argument).
# Loading the emulator loads asyncio, so it is taken out of sys.modules afterwards and blocked:
# from then on, any `import asyncio` fails.
IN_PROCESS_PROGRAM = """
import json, sys
from sage_accounting.testing import SageEmulator

for name in [name for name in sys.modules if name.partition(".")[0] == "asyncio"]:
    del sys.modules[name]
sys.modules["asyncio"] = None

from sage_accounting import SageAccounting, Token

fake = SageEmulator(seed=5)
fake.seed("contacts", int(sys.argv[1]), full=False)
with SageAccounting(
    client_id=fake.client_id,
    client_secret=fake.client_secret,
    token=Token.from_response(fake.issue_token(), now=fake.clock.now()),
    base_url=fake.api_base_url,
    token_url=fake.token_url,
    revoke_url=fake.revoke_url,
    transport=fake.transport,
    clock=fake.clock.now,
) as sage:
    lead = sage.lead_business().name
    names = [contact.displayed_as for contact in sage.contacts.list()]
print(json.dumps({"lead": lead, "contacts": len(names)}))
"""


def _run(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", program, *args], capture_output=True, text=True, timeout=120
    )


def _answer(program: str, *args: str) -> dict[str, object]:
    done = _run(program, *args)
    assert done.returncode == 0, done.stderr  # a traceback names whoever imported asyncio
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_a_sync_program_over_http_never_imports_asyncio() -> None:
    fake = SageEmulator(seed=5)
    fake.seed("contacts", CONTACTS, full=False)
    with fake.serve() as base_url:
        setup = {
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "token": fake.issue_token(),
            "base_url": base_url,
            "token_url": fake.token_url,
            "revoke_url": fake.revoke_url,
        }
        answer = _answer(SERVED_PROGRAM, json.dumps(setup))
    assert answer["contacts"] == CONTACTS
    assert answer["lead"]
    assert answer["asyncio"] is False


def test_a_sync_program_on_the_in_process_emulator_never_imports_asyncio() -> None:
    answer = _answer(IN_PROCESS_PROGRAM, str(CONTACTS))
    assert answer["contacts"] == CONTACTS
    assert answer["lead"]


def test_the_block_in_process_catches_an_import_of_asyncio() -> None:
    # The check above can fail: the same program, with one `import asyncio` of its own.
    program = IN_PROCESS_PROGRAM.replace("lead = ", "import asyncio\n    lead = ")
    done = _run(program, str(CONTACTS))
    assert done.returncode != 0
    assert "ModuleNotFoundError: import of asyncio halted" in done.stderr
