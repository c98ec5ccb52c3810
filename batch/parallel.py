"""How many processes a run works in, and the pool they share.

Reading, cleaning and annotating workbooks hold the GIL (openpyxl, calamine's cells becoming
Python objects), so on a department machine's few cores the run keeps every core busy with
worker processes, not threads. `SUBSIDY_WORKERS` sets how many (default: one per core; 1 does
everything in the run's own process, which gives the same bytes: `tests/batch/test_parallel.py`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

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
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool
