"""Beyond one machine: province batches as parallel flow runs of one deployment on a work pool.

    python scripts/bench_national.py [--provinces 2] [--scale province] [--work .bench]

Starts a Prefect server on 127.0.0.1 (its own home under WORK/national), a process work pool and
the `province-batches` deployment of `prefect.yaml`, then for one worker and for two: starts that
many workers (`--limit 1`: one run each at a time), submits one flow run per province (each with
its own output folder and so its own registry, as each province has its own), and times from the
first submission to the last run's end. Each run works in one process (`SUBSIDY_WORKERS=1`): on
a national run the cores go to runs, one each. Prints the two walls and their ratio.

A script, not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PREFECT = str(ROOT / ".venv" / "bin" / "prefect")
POOL = "subsidy"
DEPLOYMENT = "disburse/province-batches"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(url: str, body: dict | None = None) -> object:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def wait_for(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {what}")


def national(
    batch: Path, work: Path, provinces: int, workers: int, env: dict[str, str], api: str
) -> float:
    """Wall seconds for `provinces` runs on `workers` workers."""
    out = work / f"{workers}-workers"
    shutil.rmtree(out, ignore_errors=True)
    started_workers = [
        subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", POOL, "--limit", "1", "--name", f"w{i}"],
            env={**env, "SUBSIDY_WORKERS": "1", "PREFECT_LOGGING_LEVEL": "WARNING"},
            cwd=work,
            stdout=(work / f"worker-{workers}-{i}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i in range(workers)
    ]
    try:
        time.sleep(5)  # the workers poll the pool
        started = time.perf_counter()
        runs = []
        for number in range(provinces):
            parameters = {
                "inputs": [str(batch / "inputs")],
                "reference": str(batch / "reference"),
                "out": str(out / f"province-{number + 1:02d}"),
                "as_of": "2020-12-31",
                "prepared_by": "bench",
            }
            said = subprocess.run(
                [PREFECT, "deployment", "run", DEPLOYMENT, "--params", json.dumps(parameters)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            runs.append(said.split("UUID:")[1].split()[0])

        def done() -> bool:
            states = [call(f"{api}/flow_runs/{r}")["state_type"] for r in runs]  # type: ignore[index]
            failed = [s for s in states if s in ("FAILED", "CRASHED", "CANCELLED")]
            if failed:
                raise SystemExit(f"a province run ended {failed[0]}; see {work}/worker-*.log")
            return all(s == "COMPLETED" for s in states)

        wait_for(done, 3600, "the province runs")
        return time.perf_counter() - started
    finally:
        for process in started_workers:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


def main() -> None:
    from workbooks.synthetic_batch import write_batch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=2)
    parser.add_argument("--scale", default="province", choices=["small", "city", "province"])
    parser.add_argument("--work", type=Path, default=ROOT / ".bench")
    args = parser.parse_args()
    args.work = args.work.resolve()
    batch = args.work / args.scale
    if not (batch / "expected.json").exists():
        write_batch(args.scale, batch)
    work = args.work / "national"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(work / "home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "SUBSIDY_HOME": str(ROOT),
    }
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=(work / "server.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2), 120, "the server")
        for command in (
            ["work-pool", "create", POOL, "--type", "process"],
            ["--no-prompt", "deploy", "--name", "province-batches"],
        ):
            subprocess.run([PREFECT, *command], env=env, cwd=ROOT, check=True, capture_output=True)
        walls = {n: national(batch, work, args.provinces, n, env, api) for n in (1, 2)}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    print(f"{args.provinces} {args.scale} batches as flow runs of {DEPLOYMENT}, one process each")
    for count, wall in walls.items():
        print(f"{count} worker{'s' if count > 1 else ' '}          {wall:7.1f} s")
    print(
        f"two workers / one  {walls[2] / walls[1]:.2f} of the time ({walls[1] / walls[2]:.2f}× faster)"
    )


if __name__ == "__main__":
    main()
