"""Reading and writing in worker processes gives the same bytes as doing it all in one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import batch.reading
import batch.returning
import batch.stage
from flows.disburse import disburse
from flows.fanout import in_processes
from tests.conftest import small_batch_dry_run

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

UNREPEATABLE = {"audit.jsonl", ".audit-secret"}  # times and run ids; a dry run's own secret


def outputs(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in UNREPEATABLE
    }


def test_parallel__processes_write_byte_for_byte_what_one_process_writes(
    tmp_path: Path, monkeypatch
) -> None:
    common, expected = small_batch_dry_run(tmp_path / "batch", seed=5, scale="tiny")
    paths = sorted(Path(common["inputs"][0]).glob("*.xlsx"))  # type: ignore[index]
    monkeypatch.setenv("SUBSIDY_WORKERS", "1")
    assert not in_processes(paths)
    alone = Path(disburse(out=str(tmp_path / "one"), **common))

    # Two processes, with the size thresholds lowered so that this small batch uses them.
    monkeypatch.setenv("SUBSIDY_WORKERS", "2")
    monkeypatch.setattr(batch.reading, "WORTH_PROCESSES", 0)
    monkeypatch.setattr(batch.stage, "PARALLEL_ABOVE", 0)
    pools = []
    chosen = batch.stage.process_pool

    def recorded(jobs: int, worth_it: bool = True):  # type: ignore[no-untyped-def]
        pools.append((jobs, worth_it))
        return chosen(jobs, worth_it)

    monkeypatch.setattr(batch.stage, "process_pool", recorded)
    assert in_processes(paths)
    parallel = Path(disburse(out=str(tmp_path / "two"), **common))

    assert pools and pools[0][0] > 1 and pools[0][1]  # the returned workbooks went to processes
    written = outputs(parallel)
    assert sorted(written) == sorted(outputs(alone))
    assert any(name.startswith("returned/") for name in written)
    assert [n for n, data in written.items() if outputs(alone)[n] != data] == []
    manifest = json.loads(written["manifest.json"])
    assert manifest["programs"] == expected["programs"]


def test_parallel__returned_workbooks_begun_before_the_registry_are_the_same_bytes(
    tmp_path: Path, monkeypatch
) -> None:
    """With a registry, the returned workbooks start in a worker while the registry settles
    (from the decisions before it); those whose rows it left alone are kept, and every output
    is the bytes one process writes."""
    common, _ = small_batch_dry_run(tmp_path / "batch", seed=7, scale="tiny")
    common["dry_run"] = False
    monkeypatch.setenv("SUBSIDY_WORKERS", "1")
    alone = Path(disburse(out=str(tmp_path / "one"), **common))

    monkeypatch.setenv("SUBSIDY_WORKERS", "2")
    monkeypatch.setattr(batch.returning, "PARALLEL_ABOVE", 0)
    kept: list[bool] = []
    chosen = batch.stage.reusable

    def recorded(made, job):  # type: ignore[no-untyped-def]
        found = chosen(made, job)
        kept.append(found is not None)
        return found

    monkeypatch.setattr(batch.stage, "reusable", recorded)
    parallel = Path(disburse(out=str(tmp_path / "two"), **common))

    written, expected = outputs(parallel), outputs(alone)
    assert sorted(written) == sorted(expected)
    assert [n for n, data in written.items() if expected[n] != data] == []
    assert len(kept) == sum(name.startswith("returned/") for name in written) > 0
    assert any(kept)  # begun early and kept: the registry changed none of their rows
