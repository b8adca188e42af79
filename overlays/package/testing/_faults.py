"""Fault injection: by probability or by script, seeded so a failing run can be replayed."""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["429", "500", "502", "503", "504", "drop", "slow", "malformed"]
When = Literal["before", "after", "either"]
ALL_KINDS: tuple[FaultKind, ...] = ("429", "500", "502", "503", "504", "drop", "slow", "malformed")
MUTATING = frozenset({"POST", "PUT", "DELETE", "PATCH"})


@dataclass(frozen=True)
class Fault:
    """One failure. `when="after"` strikes once a POST/PUT/DELETE has been applied."""

    kind: FaultKind
    when: Literal["before", "after"] = "before"
    retry_after: float | None = 1.0  # the 429's Retry-After header; None sends none
    slow_seconds: float = 1.0


@dataclass
class Rule:
    """Which requests a rule looks at; `paths` are fnmatch patterns of API-relative paths.

    Without `paths` a rule looks at API calls only; name "/token", "/revoke" or "/authorize"
    in `paths` to fail the OAuth endpoints.
    """

    methods: frozenset[str] | None
    paths: tuple[str, ...] | None
    probability: float = 0.0
    kinds: tuple[FaultKind, ...] = ()
    when: When = "before"
    retry_after: float | None = 1.0
    slow_seconds: float = 1.0
    script: list[Fault | None] = field(default_factory=list)
    scripted: bool = False
    rng: random.Random = field(default_factory=random.Random)
    fired: int = 0

    def applies(self, method: str, path: str, oauth: bool) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.paths is None:
            return not oauth
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.paths)

    def draw(self, method: str) -> Fault | None:
        if self.scripted:
            return self.script.pop(0) if self.script else None
        if self.rng.random() >= self.probability:
            return None
        kind = self.rng.choice(self.kinds)
        when: Literal["before", "after"] = "after" if self.when == "after" else "before"
        if self.when == "either" and self.rng.random() < 0.5:
            when = "after"
        return Fault(kind, when, self.retry_after, self.slow_seconds)


class Faults:
    """`fake.faults`: rules are consulted in the order they were added; the first fault wins."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._seed = seed

    def inject(
        self,
        probability: float,
        kinds: Iterable[FaultKind] = ALL_KINDS,
        *,
        methods: Iterable[str] | None = None,
        paths: Iterable[str] | None = None,
        when: When = "before",
        seed: int | None = None,
        retry_after: float | None = 1.0,
        slow_seconds: float = 1.0,
    ) -> Rule:
        """Fail a share of matching requests with faults drawn from `kinds`."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        chosen = tuple(kinds)
        unknown = set(chosen) - set(ALL_KINDS)
        if unknown or not chosen:
            raise ValueError(f"fault kinds must be among {ALL_KINDS}, not {sorted(unknown)}")
        with self._lock:
            rule = Rule(
                methods=_methods(methods),
                paths=tuple(paths) if paths is not None else None,
                probability=probability,
                kinds=chosen,
                when=when,
                retry_after=retry_after,
                slow_seconds=slow_seconds,
                rng=random.Random(
                    f"faults/{self._seed if seed is None else seed}/{len(self._rules)}"
                ),
            )
            self._rules.append(rule)
            return rule

    def script(
        self,
        outcomes: Sequence[FaultKind | Fault | None],
        *,
        methods: Iterable[str] | None = None,
        paths: Iterable[str] | None = None,
        when: Literal["before", "after"] = "before",
        retry_after: float | None = 1.0,
        slow_seconds: float = 1.0,
    ) -> Rule:
        """The next matching requests meet these outcomes in order (None: answered normally)."""
        steps: list[Fault | None] = []
        for outcome in outcomes:
            if outcome is None or isinstance(outcome, Fault):
                steps.append(outcome)
            elif outcome in ALL_KINDS:
                steps.append(Fault(outcome, when, retry_after, slow_seconds))
            else:
                raise ValueError(f"unknown fault {outcome!r}")
        with self._lock:
            rule = Rule(methods=_methods(methods), paths=_paths(paths), script=steps, scripted=True)
            self._rules.append(rule)
            return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def pending(self) -> int:
        """Scripted outcomes not yet used."""
        with self._lock:
            return sum(len(rule.script) for rule in self._rules)

    def draw(self, method: str, path: str, *, oauth: bool = False) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.applies(method, path, oauth):
                    fault = rule.draw(method)
                    if fault is not None:
                        rule.fired += 1
                        # Nothing is changed by a read, and a 429 means Sage did no work.
                        no_change = method not in MUTATING or fault.kind == "429"
                        if no_change and fault.when == "after":
                            fault = Fault(
                                fault.kind, "before", fault.retry_after, fault.slow_seconds
                            )
                        return fault
            return None


def _methods(methods: Iterable[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.upper() for m in methods)


def _paths(paths: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if paths is None else tuple(paths)
