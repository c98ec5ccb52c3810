"""How many processes a run works in, and the pool they share.

Reading, cleaning and annotating workbooks hold the GIL (openpyxl, calamine's cells becoming
Python objects), so on a department machine's few cores the run keeps every core busy with
worker processes, not threads. `SUBSIDY_WORKERS` sets how many (default: one per core; 1 does
everything in the run's own process, which gives the same bytes: `tests/batch/test_parallel.py`).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from batch.memory import libc

WORKERS_SETTING = "SUBSIDY_WORKERS"


def workers() -> int:
    """The processes a run may keep busy (at least 1)."""
    chosen = os.environ.get(WORKERS_SETTING, "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    return os.cpu_count() or 1


@contextmanager
def process_pool(jobs: int, worth_it: bool = True) -> Iterator[Executor | None]:
    """A pool of worker processes for `jobs` jobs, or None when the work is done here (one
    worker, one job, or work too small to pay for starting processes: about a second each)."""
    count = min(workers(), jobs)
    if count <= 1 or not worth_it:
        yield None
        return
    with _pool(count) as pool:
        yield pool


@contextmanager
def spare_worker(worth_it: bool = True) -> Iterator[Executor | None]:
    """One worker process for work done beside this process's own (a run allowed more than
    one process), or None."""
    if workers() <= 1 or not worth_it:
        yield None
        return
    pool = _pool(1)
    try:
        yield pool
    finally:  # work not begun is dropped: a failed run does not wait for it
        pool.shutdown(wait=True, cancel_futures=True)


def _pool(count: int) -> ProcessPoolExecutor:
    # Submit from the thread that made the pool: a worker's parent-death signal follows the
    # thread that started it (Linux), and the pool starts a worker at a submit.
    return ProcessPoolExecutor(
        count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """A worker's first step: end when the run's process ends (Linux). A run killed mid-batch
    (kill -9, the out-of-memory killer) would otherwise leave its workers waiting for work
    for ever, holding its output streams open."""
    prctl = getattr(libc(), "prctl", None)
    if prctl is None:  # not Linux: a killed run's workers stay
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the run ended before the request took effect
        os._exit(1)
