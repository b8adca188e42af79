"""Several readers at once: the items of many iterators, each run in a thread, as they come.

A collection's resource reads its businesses through this: a business's few pages are mostly
waiting for Sage's answers, so one business after the other would add those waits up.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
_END = object()  # a worker has no source left
_POLL = 0.1  # seconds a blocked hand-over waits before it looks whether the reading stopped


def together(sources: Sequence[Callable[[], Iterator[T]]], at_once: int) -> Iterator[T]:
    """Every item of every `sources()` iterator, up to `at_once` of them read at once, in the
    order they come. A source's error is raised here and stops the others; so does closing
    this generator (each source is closed in its own thread, so its `finally` runs)."""
    if at_once <= 1 or len(sources) <= 1:
        for source in sources:
            yield from source()
        return
    handed: queue.Queue[tuple[Any, Any]] = queue.Queue(maxsize=at_once)
    stop = threading.Event()
    left = iter(sources)
    lock = threading.Lock()

    def put(entry: tuple[Any, Any]) -> bool:
        while not stop.is_set():
            try:
                handed.put(entry, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                with lock:
                    source = next(left, None)
                if source is None:
                    break
                items = source()
                try:
                    for item in items:
                        if not put((None, item)):
                            return
                finally:
                    close = getattr(items, "close", None)
                    if close is not None:
                        close()
        except BaseException as exc:  # handed to the reader of this generator, raised there
            put((exc, None))
        finally:
            put((_END, None))

    workers = [
        threading.Thread(target=work, name=f"sage-sync-{n}", daemon=True)
        for n in range(min(at_once, len(sources)))
    ]
    for worker in workers:
        worker.start()
    running = len(workers)
    try:
        while running:
            fault, item = handed.get()
            if fault is _END:
                running -= 1
            elif fault is not None:
                raise fault
            else:
                yield item
    finally:
        stop.set()
        for worker in workers:
            worker.join()
