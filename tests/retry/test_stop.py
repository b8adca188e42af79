"""`with_options(stop=event)`: once the event is set, the client's calls make no attempt and
a retry's wait ends at once (a program stopping its readers is not held by a 429's wait)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest

from sage_accounting import RetryPolicy
from sage_accounting._stop import STOP_EXTENSION, AnyOf, with_stop
from sage_accounting.errors import StoppedError
from sage_accounting.limits import LocalLimits
from sage_accounting.testing import SageEmulator
from tests.clients import make_async_client, make_client
from tests.waiting import until

PATIENT = RetryPolicy(max_retries=5, deadline=None)  # a 429's 60 s Retry-After is honoured


@pytest.fixture()
def fake() -> SageEmulator:
    emulator = SageEmulator(seed=5)
    emulator.seed("contacts", 30, full=False)
    return emulator


def _contacts_requests(fake: SageEmulator) -> int:
    return sum(1 for entry in fake.stats.requests if entry.path.strip("/") == "contacts")


def test_a_call_stopped_in_a_429_wait_ends_at_once(fake: SageEmulator) -> None:
    stop = threading.Event()
    fake.faults.inject(1.0, ["429"], paths=["/contacts"], retry_after=60)
    outcome: list[BaseException] = []

    with make_client(fake, retry_policy=PATIENT) as sage:
        stopping = sage.with_options(stop=stop)

        def read() -> None:
            try:
                list(stopping.contacts.list())
            except BaseException as exc:
                outcome.append(exc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        until(lambda: _contacts_requests(fake) == 1)  # answered 429: its 60 s wait begins
        stop.set()
        reader.join(20)

    assert not reader.is_alive(), "the call still waits out the 429's Retry-After"
    assert len(outcome) == 1 and isinstance(outcome[0], StoppedError)
    assert str(outcome[0]).startswith("GET ") and "/contacts: stopped" in str(outcome[0])
    assert _contacts_requests(fake) == 1  # no attempt after the stop


def test_a_stopped_client_sends_nothing_and_others_are_untouched(fake: SageEmulator) -> None:
    stop = threading.Event()
    stop.set()
    with make_client(fake) as sage:
        with pytest.raises(StoppedError, match="stopped before an attempt"):
            sage.with_options(stop=stop).contacts.get("anything")
        assert _contacts_requests(fake) == 0
        assert len(list(sage.contacts.list())) == 30  # the client it came from still reads


def test_an_async_call_is_not_attempted_once_stopped(fake: SageEmulator) -> None:
    stop = threading.Event()
    stop.set()

    async def read() -> None:
        async with make_async_client(fake) as sage:
            with pytest.raises(StoppedError):
                await sage.with_options(stop=stop).contacts.get("anything")

    asyncio.run(read())
    assert _contacts_requests(fake) == 0


def test_an_async_call_stopped_in_a_429_wait_ends_at_once(fake: SageEmulator) -> None:
    stop = threading.Event()
    fake.faults.inject(1.0, ["429"], paths=["/contacts"], retry_after=60)

    async def read() -> BaseException:
        async with make_async_client(fake, retry_policy=PATIENT) as sage:
            call = asyncio.ensure_future(sage.with_options(stop=stop).request("GET", "/contacts"))
            while _contacts_requests(fake) < 1:  # answered 429: its 60 s wait begins
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            assert not call.done()
            stop.set()
            try:
                await asyncio.wait_for(call, 10)
            except BaseException as exc:
                return exc
            raise AssertionError("the stopped call returned")

    raised = asyncio.run(read())
    assert isinstance(raised, StoppedError) and "/contacts: stopped" in str(raised)
    assert _contacts_requests(fake) == 1  # no attempt after the stop


def test_an_async_call_waiting_for_a_slot_stops_and_the_slot_serves_the_next(
    fake: SageEmulator,
) -> None:
    limits = LocalLimits(concurrency=1)
    stop = threading.Event()

    async def read() -> tuple[BaseException | None, int]:
        async with make_async_client(fake, limits=limits) as sage:
            await limits.aacquire(None)  # the one slot is taken
            call = asyncio.ensure_future(sage.with_options(stop=stop).request("GET", "/contacts"))
            await asyncio.sleep(0.2)
            assert not call.done()  # waiting for the slot
            stop.set()
            raised: BaseException | None = None
            try:
                await asyncio.wait_for(call, 5)
            except BaseException as exc:
                raised = exc
            await limits.arelease()
            answer = await asyncio.wait_for(sage.request("GET", "/contacts"), 5)
            return raised, answer.status_code

    raised, status = asyncio.run(read())
    assert isinstance(raised, StoppedError)
    assert status == 200  # nothing of the stopped call holds the slot
    assert _contacts_requests(fake) == 1


def test_stop_must_be_an_event(fake: SageEmulator) -> None:
    with make_client(fake) as sage, pytest.raises(TypeError, match="stop must be a threading"):
        sage.with_options(stop=True)  # type: ignore[arg-type]


def test_a_reader_interrupted_while_pages_wait_out_a_429_leaves_none_waiting(
    fake: SageEmulator,
) -> None:
    # Page 1 is answered; pages 2 and 3, fetched in parallel, meet a 429 asking for a minute.
    fake.faults.script([None, "429", "429"], methods=["GET"], paths=["/contacts"], retry_after=60)

    def pages_in_flight() -> bool:
        return any(thread.name.startswith("sage-pages") for thread in threading.enumerate())

    def ctrl_c_once_both_wait() -> None:
        until(lambda: _contacts_requests(fake) == 3, seconds=10)
        os.kill(os.getpid(), signal.SIGINT)

    once = RetryPolicy(max_retries=1, deadline=None)  # were the stop lost: one minute, then fail
    with make_client(fake, retry_policy=once) as sage:
        threading.Thread(target=ctrl_c_once_both_wait, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            for _ in sage.contacts.list(items_per_page=10).all(concurrency=3):
                pass
        until(lambda: not pages_in_flight(), seconds=10)  # not the minute the 429s asked for

    assert _contacts_requests(fake) == 3  # neither page was asked again


def test_a_stop_of_the_client_and_of_a_pager_together_stop_at_either() -> None:
    client_stop, pager_stop = threading.Event(), threading.Event()
    both = with_stop(with_stop({}, pager_stop), client_stop)[STOP_EXTENSION]
    assert isinstance(both, AnyOf) and not both.is_set()
    assert both.wait(0.05) is False
    client_stop.set()
    assert both.is_set() and both.wait(60) is True
