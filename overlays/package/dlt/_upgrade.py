"""A dataset an earlier release wrote (no `business_id`): upgraded in place, or refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._tally import Business


def upgrade_dataset(
    pipeline: Any, key: str, dataset: str, chosen: Sequence[Business], adopt: str | None
) -> Mapping[str, Mapping[str, str]]:
    return {}
