"""The use-case layer (`batch/`) called directly, for fast tests without a Prefect server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from batch.inputs import decide as decide_files
from batch.inputs import read_input
from ledger.settlement import BatchIdentity, ReviewInput, SettledBatch, settle_batch
from policy.decisions import ProgramDecisions
from policy.parameters import load_policy
from registry.database import Registry
from workbooks.reader import list_inputs, read_references

POLICY = load_policy()


def decide(inputs: Path, reference: Path, as_of: dt.date = dt.date(2020, 12, 31)):
    files = [read_input(p) for p in list_inputs([inputs], aside=(reference,)).workbooks]
    return files, decide_files(files, POLICY, as_of, read_references(reference))


def settle_case(
    results: list[ProgramDecisions],
    batch: str = "batch-1",
    lineage: str = "L1",
    registry_url: str | None = None,
    reviews=None,
) -> SettledBatch:
    identity = BatchIdentity(batch, lineage, dt.date(2020, 12, 31), POLICY.version)
    registry = Registry(registry_url) if registry_url else None
    try:
        return settle_batch(results, identity, registry, ReviewInput(reviews) if reviews else None)
    finally:
        if registry is not None:
            registry.dispose()
