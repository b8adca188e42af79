"""Progress of an extract: a callback `(done, total)`, or `True` for a bar on stderr.

The bar is tqdm's when the optional extra is installed (`pip install sage-accounting[progress]`),
otherwise one plain line on stderr; tqdm is imported only when a bar is asked for.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO

ProgressCallback = Callable[[int, int], object]
ProgressOption = ProgressCallback | bool | None


class Reporter(Protocol):
    def update(self, done: int, total: int) -> None: ...

    def close(self) -> None: ...


class _Callback:
    """Calls back with counts that never go down."""

    def __init__(self, callback: ProgressCallback) -> None:
        self._callback = callback
        self._done = -1

    def update(self, done: int, total: int) -> None:
        if done >= self._done:
            self._done = done
            self._callback(done, total)

    def close(self) -> None:
        pass


class _TqdmBar:
    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def update(self, done: int, total: int) -> None:
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


class _PlainLine:
    """`label: done/total (pct%)`, redrawn in place on a terminal, else at most once a second."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self._label = label
        self._stream = stream
        self._tty = stream.isatty()
        self._last = 0.0
        self._text = ""

    def update(self, done: int, total: int) -> None:
        percent = f" ({100 * done // total}%)" if total else ""
        self._text = f"{self._label}: {done}/{total}{percent}"
        now = time.monotonic()
        if self._tty:
            self._stream.write("\r" + self._text)
            self._stream.flush()
        elif now - self._last >= 1.0:
            self._last = now
            self._stream.write(self._text + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._tty:
            self._stream.write("\n")
        elif self._text:
            self._stream.write(self._text + "\n")
        self._stream.flush()


def reporter(progress: ProgressOption, label: str) -> Reporter | None:
    """The reporter for a pager's `progress=` option (None: report nothing)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return progress_bar(label)
    if callable(progress):
        return _Callback(progress)
    raise TypeError(f"progress must be a callable (done, total) or a bool, not {progress!r}")


def progress_bar(label: str, stream: TextIO | None = None) -> Reporter:
    out = stream if stream is not None else sys.stderr
    try:
        tqdm = importlib.import_module("tqdm").tqdm
    except ImportError:
        return _PlainLine(label, out)
    return _TqdmBar(tqdm(desc=label, unit=" records", file=out, total=0, dynamic_ncols=True))


class ReadProgress:
    """A list read's bar: started at `$total`, advanced page by page, closed at the end."""

    def __init__(self, option: ProgressOption, label: str) -> None:
        self._reporter: Reporter | None = reporter(option, label)
        self.done = 0
        self.total = 0

    def start(self, total: int) -> None:
        self.total = total
        if self._reporter is not None:
            self._reporter.update(0, total)

    def advance(self, count: int) -> None:
        self.done += count
        self.total = max(self.total, self.done)
        if self._reporter is not None:
            self._reporter.update(self.done, self.total)

    def finish(self, complete: bool) -> None:
        if self._reporter is None:
            return
        if complete and self.done != self.total:
            self.total = self.done  # the list shrank while it was read: end at what there was
            self._reporter.update(self.done, self.total)
        self._reporter.close()
