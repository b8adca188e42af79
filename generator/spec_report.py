"""The Markdown of a spec change: the review report and the CHANGELOG entry (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable

from .spec_diff import Change, ChangeKind, SpecVersion

__all__ = ["render_changelog_entry", "render_report"]

_TITLES = {
    ChangeKind.OPERATION_ADDED: "Operations added",
    ChangeKind.OPERATION_REMOVED: "Operations removed",
    ChangeKind.PARAMETER_ADDED: "Parameters added",
    ChangeKind.PARAMETER_REMOVED: "Parameters removed",
    ChangeKind.PARAMETER_CHANGED: "Parameters changed",
    ChangeKind.RESPONSE_CHANGED: "Responses changed",
    ChangeKind.SCHEMA_ADDED: "Schemas added",
    ChangeKind.SCHEMA_REMOVED: "Schemas removed",
    ChangeKind.FIELD_ADDED: "Schema fields added",
    ChangeKind.FIELD_REMOVED: "Schema fields removed",
    ChangeKind.FIELD_CHANGED: "Schema fields changed",
    ChangeKind.ENUM_VALUE_ADDED: "Enum values added",
    ChangeKind.ENUM_VALUE_REMOVED: "Enum values removed",
    ChangeKind.AVAILABILITY_ADDED: "Availability added (Endpoint Availability)",
    ChangeKind.AVAILABILITY_WITHDRAWN: "Availability withdrawn (Endpoint Availability)",
}


def _bullet(change: Change) -> str:
    mark = "**breaking** " if change.breaking else ""
    return f"- {mark}`{change.location}`: {change.detail}"


def render_report(
    changes: Iterable[Change], old: SpecVersion, new: SpecVersion, *, source: str
) -> str:
    """The Markdown report: both hashes, a count per kind, then every change, breaking first."""
    items = sorted(changes, key=Change.sort_key)
    breaking = [change for change in items if change.breaking]
    lines = [
        f"# Spec change: {new.name} ({new.file})",
        "",
        f"New document loaded from `{source}`.",
        "",
        "| | title | version | sha256 |",
        "|---|---|---|---|",
        f"| old (pinned) | {old.title} | {old.version} | `{old.sha256}` |",
        f"| new | {new.title} | {new.version} | `{new.sha256}` |",
        "",
        f"{len(items)} change(s), {len(breaking)} breaking for users of the client.",
        "",
        "| kind | changes | breaking |",
        "|---|---|---|",
    ]
    for kind in ChangeKind:
        of_kind = [change for change in items if change.kind is kind]
        lines.append(f"| {kind} | {len(of_kind)} | {sum(c.breaking for c in of_kind)} |")
    for title, selected in (("Breaking changes", True), ("Other changes", False)):
        lines += ["", f"## {title}"]
        chosen = [change for change in items if change.breaking is selected]
        if not chosen:
            lines += ["", "None."]
        for kind in ChangeKind:
            of_kind = [change for change in chosen if change.kind is kind]
            if of_kind:
                lines += ["", f"### {_TITLES[kind]} ({len(of_kind)})", ""]
                lines += [_bullet(change) for change in of_kind]
    return "\n".join(lines) + "\n"


def _owner(change: Change) -> str:
    if change.kind in (ChangeKind.PARAMETER_ADDED, ChangeKind.PARAMETER_CHANGED):
        return change.location.rsplit(" ", 1)[0]
    if change.kind in (ChangeKind.FIELD_ADDED, ChangeKind.FIELD_CHANGED):
        return change.location.rsplit(".", 1)[0]
    return change.location


def _member(change: Change) -> str:
    if change.kind in (
        ChangeKind.ENUM_VALUE_ADDED,
        ChangeKind.RESPONSE_CHANGED,
        ChangeKind.AVAILABILITY_ADDED,
    ):
        return change.detail
    if change.kind is ChangeKind.PARAMETER_ADDED:
        return f"`{change.location.rsplit(' ', 1)[1]}`"
    if change.kind is ChangeKind.PARAMETER_CHANGED:
        return f"`{change.location.rsplit(' ', 1)[1]}` ({change.detail})"
    if change.kind is ChangeKind.FIELD_CHANGED:
        return f"`{change.location.rsplit('.', 1)[-1]}` ({change.detail})"
    return f"`{change.location.rsplit('.', 1)[-1]}`"


_CHANGELOG_GROUPS = {
    ChangeKind.PARAMETER_ADDED: "new optional parameters",
    ChangeKind.PARAMETER_CHANGED: "parameters changed",
    ChangeKind.RESPONSE_CHANGED: "response changed",
    ChangeKind.FIELD_ADDED: "new fields",
    ChangeKind.FIELD_CHANGED: "fields changed",
    ChangeKind.ENUM_VALUE_ADDED: "new enum values",
    ChangeKind.AVAILABILITY_ADDED: "availability",
}


def render_changelog_entry(
    changes: Iterable[Change], old: SpecVersion, new: SpecVersion, *, date: str
) -> str:
    """A CHANGELOG section: breaking changes one by one, then additions grouped by owner."""
    items = sorted(changes, key=Change.sort_key)
    breaking = [change for change in items if change.breaking]
    other = [change for change in items if not change.breaking]
    lines = [
        f"## Spec {new.name} {new.version} ({date})",
        "",
        f"`{new.file}` sha256 `{old.sha256[:12]}` -> `{new.sha256[:12]}`: "
        f"{len(items)} change(s), {len(breaking)} breaking.",
        "",
        "### Breaking",
        "",
    ]
    lines += [f"- {c.kind}: `{c.location}`: {c.detail}" for c in breaking] or ["- None."]
    lines += ["", "### Added and changed", ""]
    singles = (ChangeKind.OPERATION_ADDED, ChangeKind.SCHEMA_ADDED)
    for kind in singles:
        lines += [f"- {kind}: `{c.location}`: {c.detail}" for c in other if c.kind is kind]
    grouped: dict[tuple[ChangeKind, str], list[str]] = {}
    for change in other:
        if change.kind not in singles:
            grouped.setdefault((change.kind, _owner(change)), []).append(_member(change))
    for (kind, owner), members in grouped.items():
        label = _CHANGELOG_GROUPS.get(kind, str(kind))
        lines.append(f"- `{owner}`: {label}: {', '.join(members)}")
    if not other:
        lines.append("- None.")
    return "\n".join(lines) + "\n"
