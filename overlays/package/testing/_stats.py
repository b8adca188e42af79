"""What the emulator saw, for tests to assert on."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LogEntry:
    method: str
    path: str  # relative to the API root for API calls; the endpoint path for OAuth calls
    status: int  # 0 when the connection was dropped without an answer
    business: str | None
    time: float
    query: str = ""
    fault: str | None = None


@dataclass(frozen=True)
class Reuse:
    """A refresh token presented again after it had been exchanged."""

    time: float
    client_id: str
    token_prefix: str
    first_used: float


class Occurrences:
    """A list of events that also reads as its count: `stats.refresh_token_reuse == 0`."""

    def __init__(self) -> None:
        self._items: list[Reuse] = []

    def append(self, item: Reuse) -> None:
        self._items.append(item)

    @property
    def count(self) -> int:
        return len(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Reuse]:
        return iter(list(self._items))

    def __getitem__(self, index: int) -> Reuse:
        return self._items[index]

    def __int__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int) and not isinstance(other, bool):
            return len(self._items) == other
        if isinstance(other, (list, Occurrences)):
            return list(self._items) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Occurrences({self._items!r})"


@dataclass
class Stats:
    """Counters of `fake.stats`.

    - `requests`: every request in arrival order; `by_path_status[(path, status)]`, `by_status`.
    - `max_in_flight`: most API requests inside the emulator at once, counted from arrival to
      answer, including those refused with 429: what clients attempted, whatever the cap.
    - `refreshes`: successful refresh grants; `refresh_token_reuse`: each reuse (compares
      equal to its count); `token_calls`: calls of the token endpoint.
    - `created`, `updated`, `deleted`: records changed, by collection (a change counts even
      when a fault then hides the answer from the client).
    """

    requests: list[LogEntry] = field(default_factory=list)
    by_path_status: Counter[tuple[str, int]] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    refreshes: int = 0
    refresh_token_reuse: Occurrences = field(default_factory=Occurrences)
    token_calls: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def log(self, entry: LogEntry) -> None:
        with self.lock:
            self.requests.append(entry)
            self.by_path_status[(entry.path, entry.status)] += 1
            self.by_status[entry.status] += 1

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def reset(self) -> None:
        """Forget everything counted so far (requests in flight stay counted)."""
        with self.lock:
            self.requests = []
            self.by_path_status = Counter()
            self.by_status = Counter()
            self.max_in_flight = self.in_flight
            self.refreshes = 0
            self.refresh_token_reuse = Occurrences()
            self.token_calls = 0
            self.created = Counter()
            self.updated = Counter()
            self.deleted = Counter()
