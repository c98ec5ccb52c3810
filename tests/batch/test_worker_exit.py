"""A run killed mid-batch takes its worker processes with it (`batch.parallel.die_with_parent`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The run's stand-in: a pool of two workers, each asked its pid, then the run kills itself.
RUN = """
import os, signal, time
from batch.parallel import process_pool

if __name__ == "__main__":
    with process_pool(2) as pool:
        started = [pool.submit(time.sleep, 0.2) for _ in range(2)]  # both workers start
        for job in started:
            job.result()
        print(" ".join(map(str, sorted(pool._processes))), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_workers__end_when_the_run_is_killed() -> None:
    env = {**os.environ, "SUBSIDY_WORKERS": "2", "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen(
        [sys.executable, "-c", RUN], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    workers = [int(pid) for pid in run.stdout.readline().split()]
    assert run.wait(timeout=60) == -signal.SIGKILL
    run.stdout.close()
    assert len(workers) == 2 and run.pid not in workers
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:  # not to leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers still running after the run was killed: {left}"
