"""The production path (issue 13): `prefect.yaml` deploys the flows to a process work pool, and a
worker on 127.0.0.1 runs deployments — the same way a department's workers would — on a server
that refuses API calls without its basic-auth credential. Runs that pay take turns across
deployments: a manual `disburse` and the nightly run wait while another holds the turn."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.flows.test_browser import free_port, wait_for

pytestmark = [pytest.mark.flow]
PREFECT = str(Path(sys.executable).parent / "prefect")
CREDENTIAL = "renshe-admin:correct horse battery"
WAITING = "等待支付类运行的名额"
TURN = "已轮到本运行"
# Holds the turn of the registry named in argv[1] until its standard input closes (as a long
# run would).
HOLDER = """
import sys
from prefect.concurrency.sync import concurrency
from flows.exclusive import ensure_limit, turn_of
turn = turn_of({"technical": {"registry": sys.argv[1]}})
ensure_limit(turn)
with concurrency(turn, occupy=1, strict=True):
    print("held", flush=True)
    sys.stdin.read()
"""


class Api:
    def __init__(self, url: str, credential: str | None) -> None:
        self.url, self.credential = url, credential

    def call(self, path: str, body: dict | None = None) -> object:
        request = urllib.request.Request(
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        if self.credential:
            token = base64.b64encode(self.credential.encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def run(self, run_id: str) -> dict:
        return self.call(f"/flow_runs/{run_id}")  # type: ignore[return-value]

    def logs(self, run_id: str) -> list[dict]:
        return self.call(  # type: ignore[return-value]
            "/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC"}
        )

    def logged_at(self, run_id: str, text: str) -> str | None:
        return next((log["timestamp"] for log in self.logs(run_id) if text in log["message"]), None)


def test_worker__deployments_run_on_a_process_pool_behind_basic_auth_and_take_turns(
    tmp_path: Path,
) -> None:
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_AUTH_STRING": CREDENTIAL,  # the server's
        "PREFECT_API_AUTH_STRING": CREDENTIAL,  # the clients' (CLI, worker, runs)
        "SUBSIDY_HOME": str(ROOT),
        "SUBSIDY_DEMO": "0",  # production: no folder defaults to the samples
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = holder = None
    try:
        wait_for(lambda: urllib.request.urlopen(f"{api_url}/health", timeout=2), 120, "the server")
        api = Api(api_url, CREDENTIAL)

        # Access: no credential or a wrong one is refused; the right one is served.
        for wrong in (None, "renshe-admin:guess"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                Api(api_url, wrong).call("/flows/filter", {})
            assert refused.value.code == 401
        assert api.call("/flows/filter", {}) == []

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
        for name in (
            "nightly-inbox",
            "disburse",
            "find-people",
            "whatif",
            "approve",
            "record-sent",
            "bank-return",
        ):
            assert name in deployed
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "subsidy", "--limit", "3"],
            env=env,
            cwd=tmp_path,
            stdout=(tmp_path / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # A deployment built from prefect.yaml carries no sample path, in its parameters or in
        # the defaults its form shows.
        listed = api.call("/deployments/filter", {})
        assert len(listed) == 8  # type: ignore[arg-type]
        assert "sample_inputs" not in json.dumps(listed, ensure_ascii=False)

        # The department's own copies of the lists (a production run refuses the samples).
        own = tmp_path / "department"
        shutil.copytree(SAMPLES / "reference", own / "reference")
        shutil.copy(SAMPLES / "稳岗返还申请.xlsx", own)
        out = tmp_path / "out"
        parameters = {
            "inputs": [str(own / "稳岗返还申请.xlsx")],
            "reference": str(own / "reference"),
            "out": str(out),
            "as_of": "2020-12-31",
            "dry_run": True,
        }
        # User errors end Failed with their Chinese message and no traceback on the run's page:
        # the sample lists, a folder that is not there.
        for wrong, said in (
            ({"reference": str(SAMPLES / "reference")}, "是本项目的示例数据"),
            ({"inputs": [str(tmp_path / "没有的文件夹")]}, "没有的文件夹"),
        ):
            run_id = _start(prefect, "disburse/disburse", {**parameters, **wrong})
            wait_for(lambda r=run_id: api.run(r)["state_type"] == "FAILED", 180, "a refused run")
            assert said in api.run(run_id)["state"]["message"]
            wait_for(lambda r=run_id, s=said: api.logged_at(r, s), 60, "the refusal in the log")
            time.sleep(2)  # the engine's last records
            logged = [log["message"] for log in api.logs(run_id)]
            assert not any("Traceback" in m or "unexpected exception" in m for m in logged), logged
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

        # Taking turns: while another holds the turn of the department's registry, a manual run
        # and the nightly run that pay into it both wait (Running, nothing written); released,
        # they run one after the other.
        shared = f"sqlite:///{tmp_path / 'department.sqlite'}"
        technical = {"technical": {"registry": shared, "dask_address": ""}}
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, shared],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        shutil.copy(SAMPLES / "春节防疫物资生产用工补贴.xlsx", inbox)
        manual_out, nightly_out = tmp_path / "manual-out", tmp_path / "nightly-out"
        started = {
            "manual": _start(
                prefect, "disburse/disburse", {**parameters, "out": str(manual_out), **technical}
            ),
            "nightly": _start(
                prefect,
                "nightly-inbox/nightly-inbox",
                {
                    "inbox": str(inbox),
                    "reference": parameters["reference"],
                    "out": str(nightly_out),
                    **technical,
                },
            ),
        }
        for run_id in started.values():
            wait_for(lambda r=run_id: api.logged_at(r, WAITING), 180, "a run waiting its turn")
        time.sleep(3)  # were the turn not held, both would now be writing
        assert not manual_out.exists() or not any(p.is_dir() for p in manual_out.iterdir())
        assert not (inbox / "archive").exists()
        assert all(api.run(r)["state_type"] == "RUNNING" for r in started.values())
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)

        def finished() -> bool:
            return all(api.run(r)["state_type"] == "COMPLETED" for r in started.values())

        wait_for(finished, 300, "both runs to complete")
        # A run's last log lines reach the server a moment after its final state.
        wait_for(
            lambda: all(api.logged_at(r, TURN) for r in started.values()), 120, "the runs' logs"
        )
        turns = sorted(
            (api.logged_at(r, TURN), api.run(r)["end_time"], name) for name, r in started.items()
        )
        (first_turn, first_end, _), (second_turn, _, _) = turns
        assert first_turn is not None and second_turn is not None
        assert _instant(second_turn) >= _instant(first_end), turns  # never at the same time
        assert (inbox / "archive").is_dir() and any(p.is_dir() for p in manual_out.iterdir())
    finally:
        for process in (holder, worker, server):
            if process is not None and process.poll() is None:
                if process is holder:
                    process.kill()
                else:
                    os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


def _start(prefect, deployment: str, parameters: dict) -> str:  # type: ignore[no-untyped-def]
    """Start a deployment run without waiting; its flow run id."""
    said = prefect(
        "deployment", "run", deployment, "--params", json.dumps(parameters, ensure_ascii=False)
    )
    return re.search(r"UUID: ([0-9a-f-]{36})", said).group(1)  # type: ignore[union-attr]


def _instant(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def test_serve__refuses_to_listen_beyond_this_machine_without_a_credential() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("API_AUTH_STRING")}
    done = subprocess.run(
        [str(ROOT / "scripts" / "serve.sh")],
        env={**env, "SUBSIDY_SERVER_HOST": "0.0.0.0", "BIN": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "未设置 PREFECT_SERVER_API_AUTH_STRING" in done.stderr
