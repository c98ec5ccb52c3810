"""The production path (issue 13): `prefect.yaml` deploys the flows to a process work pool, and a
worker on 127.0.0.1 runs a deployment — the same way a department's workers would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.flows.test_browser import free_port, wait_for

pytestmark = [pytest.mark.flow]
PREFECT = str(Path(sys.executable).parent / "prefect")


def test_worker__runs_a_deployment_from_prefect_yaml_on_a_process_pool(tmp_path: Path) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "SUBSIDY_HOME": str(ROOT),
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = None
    try:
        wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2), 120, "the server")

        def prefect(*arguments: str, timeout: float = 120) -> str:
            done = subprocess.run(
                [PREFECT, *arguments],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        prefect("work-pool", "create", "subsidy", "--type", "process")
        deployed = prefect("--no-prompt", "deploy", "--all")
        for name in ("nightly-inbox", "disburse", "find-people", "whatif"):
            assert name in deployed
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "subsidy", "--limit", "1"],
            env=env,
            cwd=tmp_path,
            stdout=(tmp_path / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out = tmp_path / "out"
        parameters = {
            "inputs": [str(SAMPLES / "稳岗返还申请.xlsx")],
            "reference": str(SAMPLES / "reference"),
            "out": str(out),
            "as_of": "2020-12-31",
            "dry_run": True,
        }
        ran = prefect(
            "deployment",
            "run",
            "disburse/disburse",
            "--params",
            json.dumps(parameters, ensure_ascii=False),
            "--watch",
            "--watch-timeout",
            "300",
            timeout=360,
        )
        assert "Completed" in ran, ran
        [batch] = [p for p in out.iterdir() if p.is_dir()]
        manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["programs"]["stabilization_refund"]["input_rows"] == 17
    finally:
        for process in (worker, server):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
