"""A dataset an earlier release wrote (tables without `business_id`): upgraded in place, or
refused with what to run. Never silently mixed with other businesses' rows.

The earlier release ran one dlt pipeline per business, named after the destination, the
dataset and the business, and kept each collection's watermark in that pipeline's state under
the business it synced (`resources.<collection>.watermarks.<business id>`, or `lead` when the
client named none). dlt stores each pipeline's state in the dataset (`_dlt_pipeline_state`),
so the dataset itself says whose rows it holds: one named business, and its rows get that id
(in one transaction) and its watermarks carry over, so the next run reads only the changes.
The lead business (the id was never sent) or several businesses cannot be told apart: the
sync stops and says what to run (`--adopt ID`, or a new dataset).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from dlt.common.versioned_state import decompress_state
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from ._source import SOURCE_NAME
from ._table import BUSINESS_ID, SyncError
from ._tables import TABLES
from ._tally import Business

LEAD = "lead"  # what the earlier release noted for a client without business_id
_OURS = {table.name for table in TABLES} | {
    child.table for table in TABLES for child in table.children
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def upgrade_dataset(
    pipeline: Any, key: str, dataset: str, chosen: Sequence[Business], adopt: str | None
) -> Mapping[str, Mapping[str, str]]:
    """Upgrade the dataset if an earlier release wrote it; the watermarks to carry over."""
    if not _NAME.fullmatch(dataset):
        return {}  # not a dataset name SQL can hold unquoted: not one the sync wrote before
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return {}
        old = _unlabelled(client, dataset)
        owners = _owners(client, dataset, pipeline.pipeline_name)
        if not old:
            return {owner: marks for owner, marks in owners.items() if owner != LEAD}
        owner = _owner(owners, adopt, key, dataset, [b.id for b in chosen])
        staging = f"{dataset}_staging"  # dlt's scratch tables of merges: made anew
        with client.begin_transaction():
            for table in old:
                client.execute_sql(
                    f"ALTER TABLE {dataset}.{table} ADD COLUMN {BUSINESS_ID} varchar"
                )
                client.execute_sql(f"UPDATE {dataset}.{table} SET {BUSINESS_ID} = %s", owner)
            for table in _unlabelled(client, staging):
                client.execute_sql(f"DROP TABLE {staging}.{table}")
    marks = owners.get(owner) or owners.get(LEAD) or {}
    return {owner: marks}


def _unlabelled(client: Any, dataset: str) -> list[str]:
    """The sync's tables in the dataset that have no business_id column."""
    rows = client.execute_sql(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s",
        dataset,
    )
    columns: dict[str, set[str]] = {}
    for table, column in rows or []:
        columns.setdefault(str(table), set()).add(str(column))
    return sorted(
        table for table, names in columns.items() if table in _OURS and BUSINESS_ID not in names
    )


def _owners(client: Any, dataset: str, current: str) -> dict[str, dict[str, str]]:
    """Business -> collection -> watermark, from the other pipelines' latest states."""
    try:
        rows = client.execute_sql(
            f"SELECT pipeline_name, state, version FROM {dataset}._dlt_pipeline_state"
        )
    except DatabaseUndefinedRelation:  # no state table: nothing to learn
        return {}
    latest: dict[str, tuple[int, str]] = {}
    for name, state, version in rows or []:
        if name != current and (name not in latest or version > latest[name][0]):
            latest[str(name)] = (int(version), str(state))
    owners: dict[str, dict[str, str]] = {}
    for _, state in latest.values():
        source = decompress_state(state).get("sources", {}).get(SOURCE_NAME, {})
        for collection, resource in source.get("resources", {}).items():
            for business, mark in resource.get("watermarks", {}).items():
                owners.setdefault(str(business), {})[str(collection)] = str(mark)
    return owners


def _owner(
    owners: Mapping[str, Any], adopt: str | None, key: str, dataset: str, chosen: list[str]
) -> str:
    named = sorted(owner for owner in owners if owner != LEAD)
    where = f"dataset {dataset!r} of {key}"
    if len(named) > 1 or (adopt is not None and named and named != [adopt]):
        raise SyncError(
            f"{where} holds rows an earlier release synced for several businesses "
            f"({', '.join(named + ([LEAD] if LEAD in owners else []))}) without saying whose "
            "each is: sync into a new dataset (sage-accounting sync --business all --dataset "
            f"{dataset}_v2), or drop this one ({dataset}) and sync again"
        )
    if adopt is not None:
        return adopt
    if named and LEAD not in owners:
        return named[0]
    example = chosen[0] if chosen else "BUSINESS_ID"
    raise SyncError(
        f"{where} holds rows an earlier release synced without a business id (the lead "
        "business, or only collections without watermarks), so their business is not known: "
        f"say which it was, e.g. sage-accounting sync --dataset {dataset} --adopt {example} "
        "(sage-accounting get /businesses/lead shows today's lead business), or sync into a "
        "new dataset"
    )
