"""What the client-side limits do by default, what a wait on them tells the user (an INFO line,
seconds per cause in `retry_stats.waited`), and how the cap learns from Sage's 429s."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sage_accounting import LocalLimits, SageAccounting
from sage_accounting.testing import FakeClock, SageEmulator

from .test_retry import _client

HTTP_LOGGER = "sage_accounting.http"  # attempts, retries and waits


def _fake_time() -> tuple[FakeClock, LocalLimits]:
    """A frozen clock, and limits whose sleeps move it (threads share the one clock)."""
    clock = FakeClock(start=1_000_000.0, frozen=True)
    advance = threading.Lock()

    def sleep(seconds: float) -> None:
        with advance:
            clock.advance(seconds)

    return clock, LocalLimits(concurrency=1, per_minute=2, clock=clock.now, sleep=sleep)


def test_the_defaults_are_what_sage_documents_for_v3_1() -> None:
    limits = LocalLimits()
    assert (limits.concurrency, limits.app_per_day) == (150, 1_296_000)
    assert (limits.per_minute, limits.per_day) == (None, None)  # no v3.1 figure: opt-in
    assert "per_minute=None" in repr(limits) and "adaptive=True" in repr(limits)


def test_the_defaults_hold_back_none_of_the_documented_traffic() -> None:
    clock = FakeClock(start=1_000_000.0, frozen=True)
    limits = LocalLimits(clock=clock.now, sleep=lambda seconds: pytest.fail("it waited"))
    for _ in range(150):  # Sage's 150 concurrent requests start at once
        assert limits.acquire("a business") is None
    for _ in range(150):
        limits.release()
    for _ in range(1000):  # and a thousand in the same second: the old 100-a-minute is gone
        assert limits.acquire("a business") is None
        limits.release()
    assert limits.throttled_waits == 0


def test_the_app_budget_counts_every_business() -> None:
    clock = FakeClock(start=1_000_000.0, frozen=True)
    limits = LocalLimits(
        app_per_day=3, budget_scope="business", clock=clock.now, sleep=clock.advance
    )
    for business in ("A", "B", "C"):
        assert limits.acquire(business) is None
        limits.release()
    waited = limits.acquire("D")
    assert waited is not None and set(waited) == {"app_per_day"}
    assert 86_400 <= waited["app_per_day"] <= 86_400 + 60  # a day, counted in minutes


def test_a_wait_over_a_second_logs_once_at_info_naming_the_limit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, limits = _fake_time()
    fake = SageEmulator(seed=41, clock=clock, access_token_ttl=10**9)
    caplog.set_level(logging.INFO, logger="sage_accounting")
    with _client(fake, limits=limits) as sage:
        sage.request("GET", "/user")
        sage.request("GET", "/user")
        assert caplog.records == []  # within the budget: nothing to say
        sage.request("GET", "/user")  # the third of a 2-a-minute budget waits for the minute
    (record,) = [r for r in caplog.records if r.name == HTTP_LOGGER]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert message.startswith("GET ") and "/user waited 60." in message
    assert "per_minute 60." in message
    assert sage.retry_stats.throttled_waits == 1
    assert 60 <= sage.retry_stats.waited["per_minute"] <= 61


def test_short_waits_are_counted_but_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    fake = SageEmulator(seed=42)
    fake.faults.script(["429"], methods=["GET"])  # answered with Retry-After: 1
    caplog.set_level(logging.INFO, logger="sage_accounting")
    with _client(fake, limits=LocalLimits()) as sage:
        assert sage.request("GET", "/user").status_code == 200
    assert sage.retry_stats.waited == {"retry_after": 1.0}  # the wait the 429 asked for
    # This client's own lines (a fleet test's stray Redis thread may log beside it).
    mine = [r for r in caplog.records if r.name == HTTP_LOGGER and r.levelno >= logging.INFO]
    assert mine == []


def test_a_pause_holds_others_and_says_so() -> None:
    clock = FakeClock(start=1_000_000.0, frozen=True)
    limits = LocalLimits(clock=clock.now, sleep=clock.advance)
    limits.pause(30)  # another request of the client got a 429 with Retry-After: 30
    assert limits.acquire(None) == {"retry_after": 30.0}
    limits.release()
    assert limits.acquire(None) is None


def test_a_429_halves_the_cap_once_a_burst_and_answers_climb_it_back() -> None:
    clock = FakeClock(start=1_000_000.0, frozen=True)
    limits = LocalLimits(concurrency=16, clock=clock.now, sleep=clock.advance)
    for _ in range(10):
        limits.acquire(None)
    limits.pause(0)  # a 429 while 10 were in flight: Sage's cap is below ours
    assert limits.learned_concurrency == 5
    limits.pause(0)  # another 429 of the same burst does not cut again
    assert limits.learned_concurrency == 5
    for _ in range(10):  # the burst answers
        limits.release()
    for _ in range(4):
        limits.acquire(None)
    limits.pause(0)  # a 429 of a later burst: half of what was in flight
    assert limits.learned_concurrency == 2
    for _ in range(4):
        limits.release()
    answers = 0
    while limits.learned_concurrency != 16:  # no more 429s: one more per cap's worth of answers
        limits.acquire(None)
        limits.release()
        answers += 1
    assert 100 < answers < 200
    assert LocalLimits(concurrency=16, adaptive=False).learned_concurrency == 16


def test_a_burst_against_a_lower_server_cap_learns_instead_of_storming() -> None:
    fake = SageEmulator(seed=43, concurrency_limit=2, latency=0.05)
    limits = LocalLimits(concurrency=8)
    with _client(fake, limits=limits) as sage, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: _status(sage), range(24)))
    assert statuses == [200] * 24
    refused = fake.stats.by_status[429]
    assert 0 < refused < 24  # the first burst is refused; after it the client holds back
    learned = limits.learned_concurrency
    assert learned is not None and learned < 8
    assert sage.retry_stats.waited["retry_after"] >= refused  # each 429 asked for 1 s


def _status(sage: SageAccounting) -> int:
    return sage.request("GET", "/user").status_code
