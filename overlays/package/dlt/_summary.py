"""What a sync did: per business (tables, requests, what was skipped or refused, why it failed)
and in all, as numbers and as the text the command prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._tally import Business, BusinessTally, TableCount


@dataclass
class BusinessSummary:
    """What one sync did for one business."""

    business: Business
    tables: dict[str, TableCount]
    requests: int
    error: str | None = None  # why the business failed (nothing of it, or not all, was read)

    @classmethod
    def of(cls, tally: BusinessTally, requests: int) -> BusinessSummary:
        tables = dict(tally.tables)
        for name, refusal in tally.refused.items():
            if tally.answered:  # it answered others: this collection is refused, not it
                tables[name].skipped = f"refused by Sage ({_first_line(refusal)})"
        failed = tally.failed
        return cls(tally.business, tables, requests, None if failed is None else str(failed))

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def rows(self) -> int:
        return sum(c.added + c.updated + c.deleted for c in self.tables.values())

    @property
    def skipped(self) -> dict[str, str]:
        return {name: c.skipped for name, c in self.tables.items() if c.skipped}

    def line(self) -> str:
        """One line: the business, and what its sync did or why it failed."""
        if self.error is not None:
            return f"{self.business.label}: FAILED: {_first_line(self.error)}"
        synced = len(self.tables) - len(self.skipped)
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (
            f"{self.business.label}: {synced} collection(s), {self.rows:,} row(s) changed"
            f"{skipped}, {self.requests} request(s)"
        )

    def text(self) -> str:
        """Rows added, updated, deleted per table; tables reloaded whole; skipped collections."""
        changed = {
            name: count
            for name, count in self.tables.items()
            if not count.replaced and (count.added or count.updated or count.deleted or count.lines)
        }
        replaced = [count for count in self.tables.values() if count.replaced]
        width = max([len("table"), *map(len, changed)])
        lines = [f"{'table':<{width}}  {'added':>8}  {'updated':>8}  {'deleted':>8}  {'lines':>8}"]
        for name, c in changed.items():
            lines.append(
                f"{name:<{width}}  {c.added:>8}  {c.updated:>8}  {c.deleted:>8}  {c.lines:>8}"
            )
        if not changed:
            lines.append("(no changes)")
        if replaced:
            rows = sum(count.added + count.lines for count in replaced)
            lines.append(f"reloaded whole: {len(replaced)} table(s), {rows} rows")
        for name, reason in self.skipped.items():
            lines.append(f"skipped {name}: {reason}")
        return "\n".join(lines)


@dataclass
class SyncSummary:
    """What one sync did: per business, and requests and time in all."""

    businesses: list[BusinessSummary]
    requests: int
    retries: int
    seconds: float
    destination: str
    dataset: str
    load_ids: list[str] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, TableCount]:
        """Per table, summed over the businesses (a table is skipped if every one skipped it)."""
        total: dict[str, TableCount] = {}
        for business in self.businesses:
            for name, count in business.tables.items():
                into = total.setdefault(name, TableCount(skipped=count.skipped))
                into.add(count)
                if not count.skipped:
                    into.skipped = None
        return total

    @property
    def rows(self) -> int:
        return sum(business.rows for business in self.businesses)

    @property
    def skipped(self) -> dict[str, str]:
        return {name: c.skipped for name, c in self.tables.items() if c.skipped}

    @property
    def failed(self) -> list[BusinessSummary]:
        return [business for business in self.businesses if not business.ok]

    def text(self) -> str:
        parts: list[str] = []
        several = len(self.businesses) > 1
        for business in self.businesses:
            if several:
                parts.append(f"== {business.line()}")
            elif business.error is not None:
                parts.append(f"FAILED: {business.error}")
            if business.ok or not several:
                parts.append(business.text())
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        who = f"{len(self.businesses)} business(es)" if several else "1 business"
        failed = f", {len(self.failed)} FAILED" if self.failed else ""
        parts.append(
            f"{who}{failed} synced into {self.destination} (dataset {self.dataset}): "
            f"{self.requests} request(s), {self.retries} retried, {self.seconds:.1f} s, "
            f"{rate:,.0f} rows/s"
        )
        return "\n".join(parts)


def _first_line(error: object) -> str:
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__
