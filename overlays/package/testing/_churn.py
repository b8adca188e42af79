"""Lists that change while they are read: records created and deleted between list requests."""

from __future__ import annotations

import random
import threading

from ._store import Business, Store


class Churn:
    """`fake.churn("contacts", every=2, creates=1, deletes=1, rounds=10)`.

    Before every `every`-th list request of the collection (GET of its path, any page), it
    deletes `deletes` live records drawn at random and creates `creates` new ones, `rounds`
    times at most (None: for as long as it is on). `created` and `deleted` hold the ids, in
    order; `stop()` ends it early.
    """

    def __init__(
        self,
        store: Store,
        business: Business,
        collection: str,
        *,
        every: int,
        creates: int,
        deletes: int,
        rounds: int | None,
        seed: int,
    ) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1, not {every}")
        if creates < 0 or deletes < 0:
            raise ValueError("creates and deletes must be 0 or more")
        if rounds is not None and rounds < 0:
            raise ValueError(f"rounds must be 0 or more, or None, not {rounds}")
        self._store = store
        self._business = business
        self.collection = collection
        self._path = f"/{collection}"
        self.every = every
        self.creates = creates
        self.deletes = deletes
        self.rounds = rounds
        self._rng = random.Random(f"churn/{seed}/{collection}")
        self._lock = threading.Lock()
        self._requests = 0
        self.done = 0
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.active = True

    def stop(self) -> None:
        with self._lock:
            self.active = False

    def __call__(self, method: str, path: str, business_id: str) -> None:
        if method != "GET" or path != self._path or business_id != self._business.id:
            return
        with self._lock:
            self._requests += 1
            if not self.active or self._requests % self.every:
                return
            if self.rounds is not None and self.done >= self.rounds:
                return
            self.done += 1
            alive = self._store.records(self._business, self.collection)
            for record in self._rng.sample(alive, min(self.deletes, len(alive))):
                self._store.delete(self._business, record)
                self.deleted.append(record.id)
            for record in self._store.seed(self._business, self.collection, self.creates):
                self.created.append(record.id)
