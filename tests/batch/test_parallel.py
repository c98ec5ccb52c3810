"""Reading and writing in worker processes gives the same bytes as doing it all in one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import batch.reading
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
