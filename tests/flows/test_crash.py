"""`kill -9` at every commit point of a real run, then a rerun: nothing lost, nothing doubled.

Each scenario runs the `subsidy` command in a child process on the sample workbooks, which
sends itself SIGKILL at one named point (`ledger.faults`), checks what the crash left, reruns
the same command to completion, and compares everything with an uninterrupted run: the output
files byte for byte, and the registry's batches, claims and payments row for row.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.faults import CRASH_AT, POINTS
from ledger.outputs import file_sha256
from ledger.publish import STAGING_SUFFIX, staging_folder
from money.verification import folder_problems
from tests.conftest import ROOT, SAMPLES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = "2020-12-31"
# Where a crash leaves a staging folder behind (the registry transaction or publishing was open).
STAGED_AT = {"claimed", "staging", "staged", "committed", "publishing"}
RECORDED_AT = {"committed", "publishing", "published", "audited"}


@dataclass(frozen=True)
class Run:
    out: Path
    code: int
    stderr: str

    @property
    def batch(self) -> Path:
        [folder] = [p for p in self.out.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return folder


def subsidy_run(out: Path, crash_at: str | None = None) -> Run:
    """The real command in a child process, on the session's Prefect server."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env.pop(CRASH_AT, None)
    if crash_at:
        env[CRASH_AT] = crash_at
    command = [sys.executable, "-m", "flows.cli", "run", str(SAMPLES)]
    command += ["--reference", str(SAMPLES / "reference"), "--as-of", AS_OF]
    command += ["--out", str(out), "--no-progress"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return Run(out, done.returncode, done.stderr)


def registry_rows(out: Path) -> dict[str, list[tuple]]:
    """Batches (without their recording time), claims and payments, sorted."""
    with sqlite3.connect(out / "registry.sqlite") as connection:
        return {
            "batches": sorted(
                connection.execute(
                    "SELECT batch_id, lineage, as_of, policy_version, manifest_sha256 FROM batches"
                )
            ),
            "claims": sorted(connection.execute("SELECT * FROM claims")),
            "payments": sorted(connection.execute("SELECT * FROM payments")),
        }


def output_files(batch: Path) -> dict[str, bytes]:
    """Every output a rerun must repeat byte for byte (everything but the audit log)."""
    return {
        str(p.relative_to(batch)): p.read_bytes()
        for p in sorted(batch.rglob("*"))
        if p.is_file() and p.name != "audit.jsonl"
    }


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = subsidy_run(tmp_path_factory.mktemp("uninterrupted"))
    assert run.code == 0, run.stderr
    return run


@dataclass(frozen=True)
class Aftermath:
    """What a killed run left: registry rows, staging folders, and the manifest on disk."""

    code: int
    stderr: str
    rows: dict[str, list[tuple]]
    staging: list[str]
    ledger_published: bool
    manifest_on_disk: str | None


def crash_then_rerun(point: str, out: Path, batch_id: str) -> tuple[Aftermath, Run]:
    crashed = subsidy_run(out, crash_at=point)
    folder = out / batch_id
    manifests = [folder / "manifest.json", staging_folder(folder) / "manifest.json"]
    on_disk = next((file_sha256(m) for m in manifests if m.exists()), None)
    aftermath = Aftermath(
        crashed.code,
        crashed.stderr,
        registry_rows(out) if (out / "registry.sqlite").exists() else {},
        sorted(p.name for p in out.glob(f".*{STAGING_SUFFIX}")),
        (folder / "ledger.xlsx").exists(),
        on_disk,
    )
    return aftermath, subsidy_run(out)


def test_kill_9__at_every_point_a_rerun_equals_an_uninterrupted_run(
    uninterrupted: Run, tmp_path: Path
) -> None:
    reference = output_files(uninterrupted.batch)
    reference_rows = registry_rows(uninterrupted.out)
    batch_id = uninterrupted.batch.name
    committed = reference_rows["batches"][0][4]
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = pool.map(lambda p: crash_then_rerun(p, tmp_path / p, batch_id), POINTS)
        scenarios = dict(zip(POINTS, outcomes, strict=True))
    for point, (crashed, rerun) in scenarios.items():
        assert crashed.code == -signal.SIGKILL, f"{point}: not killed: {crashed.stderr[-2000:]}"
        # What the crash left: payments are recorded exactly when their outputs are on disk.
        recorded = bool(crashed.rows.get("payments"))
        assert recorded == (point in RECORDED_AT), point
        if recorded:
            assert crashed.rows == reference_rows, point
            assert crashed.manifest_on_disk == committed, point
        else:
            assert not crashed.ledger_published, point
            assert not crashed.rows.get("claims") and not crashed.rows.get("batches"), point
        expected_staging = [f".{batch_id}{STAGING_SUFFIX}"] if point in STAGED_AT else []
        assert crashed.staging == expected_staging, point
        # The rerun finishes the job exactly as an uninterrupted run would have.
        batch_folder = tmp_path / point / batch_id
        assert rerun.code == 0, f"{point}: {rerun.stderr[-2000:]}"
        assert output_files(batch_folder) == reference, point
        assert registry_rows(tmp_path / point) == reference_rows, point
        assert not list((tmp_path / point).glob(f".*{STAGING_SUFFIX}")), point
        registry = f"sqlite:///{tmp_path / point / 'registry.sqlite'}"
        assert folder_problems(batch_folder, registry) == [], point
