"""Peak memory of downloading a 2.5 MiB attachment to disk, against reading it into memory.

Both calls fetch the same file through the same client; the answer streams from a transport
that hands out 64 KiB slices of a body made before measuring, so the peak (tracemalloc) is
the client's alone: `download(key, to=path)` against `attachments.file(key)`, the bytes.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from .context import Context
from .core import Benchmark, BenchmarkError, Result

SIZE = 2_621_440  # Sage's largest attachment
CHUNK = 64 * 1024
REPEAT = 5


class _Slices(httpx.SyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = memoryview(body)

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), CHUNK):
            yield bytes(self.body[start : start + CHUNK])


def _peak(function: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def _run(context: Context) -> list[Result]:
    context.ours_parent()
    from sage_accounting import SageAccounting, Token

    body = bytes(range(256)) * (SIZE // 256)

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "application/pdf", "Content-Length": str(SIZE)}
        return httpx.Response(200, headers=headers, stream=_Slices(body))

    token = Token(access_token="bench", refresh_token="bench", expires_at=4e9)
    sage = SageAccounting(token=token, transport=httpx.MockTransport(answer), limits=None)
    target = context.scratch("attachments") / "file.pdf"

    def to_disk() -> Any:
        return sage.attachments.download("key", to=target)

    def in_memory() -> Any:
        return sage.attachments.file("key")

    if to_disk() != SIZE or target.read_bytes() != body or in_memory() != body:
        raise BenchmarkError("the download did not deliver the file byte for byte")
    ours = [_peak(to_disk) for _ in range(REPEAT)]
    baseline = [_peak(in_memory) for _ in range(REPEAT)]
    sage.close()
    return [
        Result(
            name="attachment-download-peak-memory",
            ours=ours,
            baseline=baseline,
            baseline_label="attachments.file(key): the same file as bytes",
            method=f"tracemalloc peak, median of {REPEAT}, a {SIZE:,}-byte file in 64 KiB chunks",
            goal=0.25,
            unit="B",
        )
    ]


ATTACHMENTS = Benchmark(
    name="attachments",
    summary="peak memory of download() to disk against file() into memory",
    run=_run,
)
