"""`sage-accounting export` and `sage-accounting get`: extracts and single reads from the shell.

An export of a resource that tracks changes also stores its watermark (in `--state`, one entry
per business and resource), so `--resume` later exports only what changed since, deletions
included (as `{"id": ..., "$deleted": true}` lines, or rows with `$deleted` set in CSV).
Records are written as Sage sent them (`Pager.as_dicts()`): money as its numeric strings,
date-times as their ISO 8601 text.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from ._decoding import read_json
from ._sage import SageAccounting
from .errors import SageAccountingError

FORMATS = ("jsonl", "csv")
DELETED = "$deleted"


class ExportError(SageAccountingError):
    """The export cannot run as asked."""


def parse_since(text: str) -> datetime.datetime:
    """`2026-01-01` (midnight UTC) or an ISO 8601 date-time (UTC when it has no offset)."""
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(f"--since {text!r} is neither a date nor an ISO date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


class WatermarkState:
    """Watermarks by `business/resource` in one JSON file, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ExportError(f"cannot read the export state {self.path}: {exc}") from None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def load(self, key: str) -> datetime.datetime | None:
        value = self._read().get(key)
        return parse_since(value) if value else None

    def save(self, key: str, watermark: datetime.datetime) -> None:
        data = self._read()
        data[key] = watermark.isoformat()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".export-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class _Writer:
    """JSON lines, or CSV whose columns are those of the first page (nested values as JSON)."""

    def __init__(self, out: TextIO, fmt: str) -> None:
        self._out = out
        self._format = fmt
        self._csv: csv.DictWriter[str] | None = None
        self.records = 0
        self.deleted = 0

    def records_of(self, page: Iterable[dict[str, Any]]) -> None:
        rows = list(page)  # the records as Sage sent them (`as_dicts()`): no model round trip
        if self._format == "jsonl":
            for row in rows:
                self._out.write(json.dumps(row, default=_plain, ensure_ascii=False) + "\n")
        else:
            self._rows(rows)
        self.records += len(rows)

    def deletion(self, key: str) -> None:
        row = {"id": key, DELETED: True}
        if self._format == "jsonl":
            self._out.write(json.dumps(row) + "\n")
        else:
            self._rows([row])
        self.deleted += 1

    def _rows(self, rows: list[dict[str, Any]]) -> None:
        if self._csv is None:
            columns = list(dict.fromkeys(key for row in rows for key in row if key != DELETED))
            self._csv = csv.DictWriter(
                self._out, [*columns, DELETED], extrasaction="ignore", lineterminator="\n"
            )
            self._csv.writeheader()
        for row in rows:
            self._csv.writerow(
                {
                    key: json.dumps(value, default=_plain)
                    if isinstance(value, dict | list)
                    else _plain_cell(value)
                    for key, value in row.items()
                }
            )


def _plain_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def export(
    sage: SageAccounting,
    resource_name: str,
    out: TextIO,
    *,
    fmt: str = "jsonl",
    since: datetime.datetime | None = None,
    resume: bool = False,
    state: WatermarkState | None = None,
    concurrency: int = 8,
    progress: bool = True,
) -> tuple[int, int, datetime.datetime | None]:
    """Write the records (and, after a watermark, the deletions); returns the counts and the
    watermark stored for `--resume` (None when the resource does not track changes)."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}")
    resource = getattr(sage, resource_name, None) if not resource_name.startswith("_") else None
    if resource is None or not hasattr(resource, "list"):
        raise ExportError(f"{resource_name!r} is not a resource that lists records")
    key = f"{sage.business_id or 'lead'}/{resource_name}"
    if resume and state is not None:
        since = state.load(key) or since
    writer = _Writer(out, fmt)
    if not hasattr(resource, "changes"):
        if since is not None:
            raise ExportError(f"{resource_name} does not track changes: export it without --since")
        for page in resource.list(progress=progress).as_dicts().pages(concurrency=concurrency):
            writer.records_of(page.items)
        return writer.records, 0, None
    changes = resource.changes(since=since, progress=progress)
    for page in changes.updated.as_dicts().pages(concurrency=concurrency):
        writer.records_of(page.items)
    for deleted_key in changes.deleted or ():
        writer.deletion(deleted_key)
    out.flush()
    watermark: datetime.datetime = changes.watermark
    if state is not None:
        state.save(key, watermark)
    return writer.records, writer.deleted, watermark


def get_json(sage: SageAccounting, path: str) -> str:
    """The JSON answer of `GET path` (relative to the API root), indented."""
    response = sage.request("GET", path if path.startswith("/") else "/" + path)
    return json.dumps(read_json(response), indent=2, default=_plain, ensure_ascii=False)
