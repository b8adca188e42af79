"""What a sync run did, per business and table, counted while it runs (from many threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import SageAccountingError, SubscriptionError


@dataclass(frozen=True)
class Business:
    """A business the sync reads: its id, its name, and its country and edition (ISO code,
    `plus`/`standard`/`start`) where known, which decide the collections it is offered."""

    id: str
    name: str = ""
    country: str | None = None
    edition: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass
class TableCount:
    """What one sync did to one table (and its line tables)."""

    added: int = 0  # records created since the last sync (all of them, the first time)
    updated: int = 0  # records changed since the last sync, created before it
    deleted: int = 0  # deletions reported since the last sync
    lines: int = 0  # rows written to its line tables
    replaced: bool = False  # read whole: the business's rows replaced (`added` is all of them)
    skipped: str | None = None  # why the collection was left out

    def add(self, other: TableCount) -> None:
        self.added += other.added
        self.updated += other.updated
        self.deleted += other.deleted
        self.lines += other.lines
        self.replaced = self.replaced or other.replaced


@dataclass
class BusinessTally:
    """What one run did for one business, filled in as it runs."""

    business: Business
    client: Any = field(repr=False, default=None)  # the SageAccounting reading it
    tables: dict[str, TableCount] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)  # collections Sage answered
    refused: dict[str, SubscriptionError] = field(default_factory=dict)  # 401 for a collection
    error: SageAccountingError | None = None  # what stopped a collection (isolated businesses)
    left: int = 0  # collections still being read

    @property
    def failed(self) -> SageAccountingError | None:
        """Why the business failed: an error, or Sage refused it and answered nothing."""
        if self.error is not None:
            return self.error
        if self.refused and not self.answered:
            return next(iter(self.refused.values()))
        return None


@dataclass
class Tally:
    """Counts of one run, by business and table."""

    businesses: dict[str, BusinessTally] = field(default_factory=dict)
    on_done: Callable[[BusinessTally], None] | None = None  # a business read to the end
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def of(self, business: Business) -> BusinessTally:
        with self._lock:
            found = self.businesses.get(business.id)
            if found is None:
                found = self.businesses[business.id] = BusinessTally(business)
            return found

    def count(self, business: Business, name: str) -> TableCount:
        with self._lock:
            return self.of(business).tables.setdefault(name, TableCount())

    def done(self, business: Business, name: str, outcome: Exception | None) -> None:
        with self._lock:
            tally = self.of(business)
            if isinstance(outcome, SubscriptionError):
                tally.refused[name] = outcome
            elif isinstance(outcome, SageAccountingError):
                tally.error = tally.error or outcome
            elif outcome is None and not self.count(business, name).skipped:
                tally.answered.add(name)
            tally.left -= 1
            finished = tally.left == 0
        if finished and self.on_done is not None:
            self.on_done(tally)
