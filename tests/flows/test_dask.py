"""Beyond one machine: the per-workbook fan-out on a Dask cluster gives the thread runner's result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.disburse import disburse
from flows.fanout import workbook_runner
from flows.form import Technical
from tests.conftest import small_batch_dry_run

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def test_runner__threads_by_default_dask_by_address_or_setting(monkeypatch) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    monkeypatch.delenv("SUBSIDY_DASK_ADDRESS", raising=False)
    assert isinstance(workbook_runner(None), ThreadPoolTaskRunner)
    remote = workbook_runner("tcp://10.0.0.5:8786")
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"
    monkeypatch.setenv("SUBSIDY_DASK_ADDRESS", "tcp://10.0.0.6:8786")
    assert workbook_runner(None).address == "tcp://10.0.0.6:8786"


def test_dask__small_province_batch_on_a_local_cluster_matches_threads(
    tmp_path: Path, monkeypatch
) -> None:
    from distributed import LocalCluster
    from prefect.settings import PREFECT_API_URL

    # Workers report their task runs to this run's API, as a cluster's workers would to the
    # department's server (without it each worker process would start a server of its own).
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())

    common, expected = small_batch_dry_run(tmp_path / "batch", seed=11, scale="tiny")
    threads = Path(disburse(out=str(tmp_path / "threads"), **common))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        on_dask = Path(
            disburse(
                out=str(tmp_path / "dask"),
                technical=Technical(dask_address=cluster.scheduler_address),
                **common,
            )
        )
        # The workbooks really went through the cluster's scheduler, one task each.
        assert "read_and_validate" in cluster.scheduler.task_prefixes
    manifest = (on_dask / "manifest.json").read_bytes()
    assert manifest == (threads / "manifest.json").read_bytes()
    assert (on_dask / "decisions.csv").read_bytes() == (threads / "decisions.csv").read_bytes()
    assert json.loads(manifest)["programs"] == expected["programs"]
