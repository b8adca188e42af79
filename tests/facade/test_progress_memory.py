"""Progress reports and memory use of long extracts."""

from __future__ import annotations

import asyncio
import sys
import tracemalloc

import pytest

from sage_accounting import SageAccounting
from sage_accounting.testing import SageEmulator

from .conftest import CONTACTS, async_client, sync_client


def assert_monotonic_to_total(calls: list[tuple[int, int]], total: int) -> None:
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert all(d <= t for d, t in calls)


@pytest.mark.parametrize("concurrency", [1, 8])
def test_progress_callback_sees_monotonic_counts_ending_at_the_total(
    client: SageAccounting, concurrency: int
) -> None:
    calls: list[tuple[int, int]] = []

    pager = client.contacts.list(progress=lambda done, total: calls.append((done, total)))
    count = sum(1 for _ in pager.all(concurrency=concurrency))

    assert count == CONTACTS
    assert_monotonic_to_total(calls, CONTACTS)
    assert len(calls) == 1 + 7  # the start, then once per page


def test_async_progress_callback(fake: SageEmulator) -> None:
    calls: list[tuple[int, int]] = []

    async def run() -> int:
        async with async_client(fake) as sage:
            pager = sage.contacts.list(progress=lambda d, t: calls.append((d, t)))
            return len([c async for c in pager.all(concurrency=4)])

    assert asyncio.run(run()) == CONTACTS
    assert_monotonic_to_total(calls, CONTACTS)


def test_progress_true_without_tqdm_prints_a_plain_line(
    client: SageAccounting, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the optional extra is not installed

    assert sum(1 for _ in client.contacts.list(progress=True)) == CONTACTS

    err = capsys.readouterr().err
    assert f"contacts: {CONTACTS}/{CONTACTS} (100%)" in err


def test_progress_rejects_other_values(client: SageAccounting) -> None:
    with pytest.raises(TypeError, match="progress"):
        list(client.contacts.list(progress="yes"))  # type: ignore[arg-type]


def peak_while_iterating(sage: SageAccounting, stop_after: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = 0
        for _ in sage.contacts.list():
            count += 1
            if count == stop_after:
                break
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak


def test_memory_stays_flat_while_iterating_50000_records() -> None:
    fake = SageEmulator(seed=5)
    fake.seed("contacts", 50_000, full=False)
    with sync_client(fake) as sage:
        sage.contacts.get(str(fake.records("contacts")[0]["id"]))  # warm imports and caches
        count_few, peak_few = peak_while_iterating(sage, 1_000)
        count_all, peak_all = peak_while_iterating(sage, 50_000)

    assert (count_few, count_all) == (1_000, 50_000)
    # 50 times the records, one page held at a time: a page kept per page read would be 20x;
    # what grows is the emulator's own request log.
    assert peak_all < 1.5 * peak_few, (peak_few, peak_all)
