"""The soak's verdict: what counts as a leak in its samples (RSS, descriptors, threads)."""

from __future__ import annotations

from benchmarks.soak import Sample, leaks


def _run(
    rss: list[float], fds: list[int] | None = None, threads: list[int] | None = None
) -> list[str]:
    count = len(rss)
    return leaks(
        [
            Sample(
                at=10.0 * n,
                rss_mb=rss[n],
                fds=(fds or [20] * count)[n],
                threads=(threads or [10] * count)[n],
            )
            for n in range(count)
        ]
    )


def test_flat_samples_after_the_warm_up_are_no_leak() -> None:
    assert _run([50, 80, 81, 80, 82, 81, 80, 81, 82, 81]) == []


def test_steady_rss_growth_is_a_leak_naming_the_slope() -> None:
    found = _run([50, 80, 90, 100, 110, 120, 130, 140, 150, 160])
    assert len(found) == 1 and "RSS grew" in found[0] and "MB/min" in found[0]


def test_one_noisy_jump_is_no_leak_but_growing_descriptors_and_threads_are() -> None:
    assert _run([50, 80, 80, 80, 80, 80, 80, 80, 80, 100]) == []
    found = _run([50] * 10, fds=[20, 20, 21, 24, 27, 30, 33, 36, 39, 42])
    assert found == ["open file descriptors grew from 21 to 42"]
    found = _run([50] * 10, threads=[10, 10, 10, 11, 12, 13, 14, 15, 16, 17])
    assert found == ["threads grew from 10 to 17"]
