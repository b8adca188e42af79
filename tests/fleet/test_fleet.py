"""A fleet against the emulator served over HTTP: 1-second access tokens, a cap of 20 in flight.

The main run is the whole minute: six processes of eight threads extract three businesses'
contacts and then create records for 60 s, through about sixty token rotations. The failure
runs (a worker killed, Redis restarted) are shorter: what they check happens in seconds.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from sage_accounting import SageAccounting, Token
from sage_accounting.fleet import RedisLimits, RedisTokenStore
from sage_accounting.testing import SageEmulator

from .fleet import FleetConfig, FleetResult, RedisServer, iter_lines, run_fleet, start_worker

CAP = 20
CONTACTS = 1500  # per business: 15 pages of 100


def _emulator(access_token_ttl: float) -> SageEmulator:
    emulator = SageEmulator(
        seed=41, access_token_ttl=access_token_ttl, concurrency_limit=CAP, latency=0.02
    )
    for name in ("Second Ltd", "Third Ltd"):
        emulator.add_business(name)
    for business in emulator.business_ids:
        emulator.seed("contacts", CONTACTS, business_id=business, full=False)
    return emulator


@pytest.fixture()
def fake() -> Iterator[SageEmulator]:
    emulator = _emulator(access_token_ttl=1)
    with emulator.serve():
        yield emulator


@pytest.fixture()
def fake_long_tokens() -> Iterator[SageEmulator]:
    """Tokens that outlive the test: no refresh happens in it."""
    emulator = _emulator(access_token_ttl=300)
    with emulator.serve():
        yield emulator


def _config(fake: SageEmulator, redis_url: str, **changes: object) -> FleetConfig:
    store = RedisTokenStore(redis_url, key="sage:token:fleet")
    store.delete()
    store.save(Token.from_response(fake.issue_token(), now=fake.clock.now()), replaces=None)
    config = FleetConfig(
        redis_url=redis_url,
        api_base_url=fake.api_base_url,
        token_url=fake.token_url,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        businesses=fake.business_ids,
        concurrency=CAP,
    )
    for name, value in changes.items():
        setattr(config, name, value)
    return config


def _check_everything_once(fake: SageEmulator, result: FleetResult) -> None:
    assert result.errors == [] and result.exit_codes == [0] * len(result.exit_codes), (
        result.errors[:3],
        result.stderr,
    )
    for business in fake.business_ids:
        seen = result.seen[business]
        expected = [record["id"] for record in fake.records("contacts", business)[:CONTACTS]]
        assert len(seen) == CONTACTS and sorted(seen) == sorted(expected)
    reported = collections.Counter(result.created)
    assert reported and max(reported.values()) == 1
    stored = collections.Counter(
        f"{business}|{record['reference']}"
        for business in fake.business_ids
        for record in fake.records("contacts", business)
        if str(record.get("reference") or "").startswith("W")
    )
    assert stored == reported  # every record created exactly once, and each one reported
    assert fake.stats.created["contacts"] == len(reported)


def test_six_workers_of_eight_threads_share_tokens_and_the_cap(
    fake: SageEmulator, redis_url: str
) -> None:
    config = _config(fake, redis_url, seconds=60.0)
    result = run_fleet(config, workers=6, pages={b: CONTACTS // 100 for b in fake.business_ids})
    _check_everything_once(fake, result)
    assert fake.stats.refresh_token_reuse == 0
    assert fake.stats.refreshes >= 30  # 1-second tokens rotated under the fleet all minute
    assert fake.stats.max_in_flight <= CAP
    assert fake.stats.by_status[429] == 0
    assert len(result.created) > 1000


def test_a_killed_worker_holding_the_refresh_lock_and_every_slot_frees_them_within_the_lease(
    fake: SageEmulator, redis_url: str
) -> None:
    lease = 2.0
    config = _config(fake, redis_url, lease=lease, seconds=3.0)
    hog = start_worker(config, hog=True)
    try:
        assert next(iter_lines(hog)).strip() == "held"  # every slot and the refresh lock
        limits = RedisLimits(
            redis_url, namespace=config.namespace, concurrency=CAP, per_minute=None, lease=lease
        )
        assert limits.fleet_in_flight() == CAP
        time.sleep(lease)  # longer than the lease: the live holder renews it
        assert limits.fleet_in_flight() == CAP
        os.kill(hog.pid, signal.SIGKILL)
        killed = time.monotonic()
        hog.wait()
    finally:
        if hog.poll() is None:
            hog.kill()
            hog.wait()
    # A client whose token is stale must take the lock and a slot: both within the lease.
    time.sleep(1.1)  # the stored 1-second token has expired
    with SageAccounting(
        client_id=config.client_id,
        client_secret=config.client_secret,
        base_url=config.api_base_url,
        token_url=config.token_url,
        token_store=RedisTokenStore(redis_url, key=config.token_key, lease=lease),
        limits=limits,
        refresh_margin=0.3,
    ) as sage:
        assert sage.request("GET", "/contacts").status_code == 200
    waited = time.monotonic() - killed
    assert waited < lease + 1.5
    assert fake.stats.refreshes == 1 and fake.stats.refresh_token_reuse == 0
    # The rest of a fleet goes on as usual.
    result = run_fleet(config, workers=2, pages={fake.lead_business_id: 2})
    assert result.errors == [] and result.exit_codes == [0, 0], result.stderr
    assert fake.stats.refresh_token_reuse == 0 and fake.stats.max_in_flight <= CAP


def test_a_worker_killed_mid_run_leaves_the_others_going(
    fake_long_tokens: SageEmulator, redis_url: str
) -> None:
    # Killed at a random moment, a worker could die after the token endpoint rotated the
    # refresh token and before the answer was stored: that grant is lost to any client, and
    # only a new consent recovers it. So this run has no refresh in it; dying while holding the
    # refresh lock is the test above.
    fake = fake_long_tokens
    config = _config(fake, redis_url, lease=2.0, seconds=7.0)
    killed: list[float] = []

    def kill_one(procs: list[subprocess.Popen[str]]) -> None:
        time.sleep(3.0)
        os.kill(procs[0].pid, signal.SIGKILL)
        killed.append(fake.clock.now())

    result = run_fleet(config, workers=3, pages={}, during=kill_one)
    assert result.exit_codes[0] == -signal.SIGKILL
    assert result.exit_codes[1:] == [0, 0] and result.errors == [], result.stderr
    assert fake.stats.refresh_token_reuse == 0 and fake.stats.max_in_flight <= CAP
    # The survivors went on creating after the kill, and once its slots' lease had run out.
    after = [
        entry
        for entry in fake.stats.requests
        if entry.method == "POST" and entry.status == 201 and entry.time > killed[0] + 2.0
    ]
    assert len(after) > 200
    references = collections.Counter(
        str(record.get("reference"))
        for business in fake.business_ids
        for record in fake.records("contacts", business)
        if str(record.get("reference") or "").startswith("W")
    )
    assert max(references.values()) == 1


def test_a_redis_restart_mid_run_loses_no_token(
    fake: SageEmulator, own_redis_server: RedisServer
) -> None:
    config = _config(fake, own_redis_server.url, seconds=7.0)

    def restart(procs: list[subprocess.Popen[str]]) -> None:
        time.sleep(3.0)
        own_redis_server.restart()  # appendonly yes: the token is written before it is used

    result = run_fleet(config, workers=2, pages={b: 3 for b in fake.business_ids}, during=restart)
    assert result.errors == [] and result.exit_codes == [0, 0], result.stderr
    assert fake.stats.refresh_token_reuse == 0
    stored = RedisTokenStore(own_redis_server.url, key=config.token_key).load()
    assert stored is not None
    # The stored token is the newest grant: it refreshes once more, and the emulator accepts it.
    before = fake.stats.refreshes
    time.sleep(1.1)
    with SageAccounting(
        client_id=config.client_id,
        client_secret=config.client_secret,
        base_url=config.api_base_url,
        token_url=config.token_url,
        token_store=RedisTokenStore(own_redis_server.url, key=config.token_key),
        limits=None,
        refresh_margin=0.3,
    ) as sage:
        assert sage.request("GET", "/contacts").status_code == 200
    assert fake.stats.refreshes == before + 1 and fake.stats.refresh_token_reuse == 0
