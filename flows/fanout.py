"""Reading a run's workbooks: a large batch in worker processes on this machine, a small one a
task per workbook on threads, or on a Dask cluster beyond this machine.

A batch of 20 MB of workbooks or more (a province's) is read by one task in a process pool
(`batch.reading`): cleaning holds the GIL, so threads barely overlap, and a Prefect task per
workbook in processes cost the task engine's own work per task (29.5 s against 19.5 s for a
province). A smaller batch gets one task per workbook (tens of tasks, never one per row), on
threads: they share the process's memory and cost nothing to start. A department whose batches
outgrow one machine points the run at its Dask scheduler (`dask_address`, the
`SUBSIDY_DASK_ADDRESS` setting, or `--dask-address`); `local` starts a throw-away cluster of one
worker process per core. Measured here on 2 cores: a Dask cluster costs 4–5 s to start and
about 0.15 s per task, so it pays off only when a workbook takes seconds.

As each workbook finishes, its progress is logged in Prefect and passed to any listener (the
CLI's progress bar), in whatever order the runner finishes them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect import get_run_logger
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from batch.inputs import InputFile
from batch.parallel import workers
from batch.reading import worth_processes
from flows.tasks import read_and_validate, read_in_processes, seal_reads

LOCAL_DASK = "local"
DASK_SETTING = "SUBSIDY_DASK_ADDRESS"
Listener = Callable[[int, int, str], None]
_listeners: list[Listener] = []


def _dask(dask_address: str | None) -> str | None:
    """The Dask scheduler the run was pointed at (parameter, else setting), or None."""
    return dask_address or os.environ.get(DASK_SETTING) or None


def workbook_runner(dask_address: str | None = None) -> TaskRunner:  # type: ignore[type-arg]
    """The task runner for the per-workbook tasks of a small batch: threads, or a Dask cluster
    (a large batch is read in worker processes by one task, `read_in_processes`)."""
    address = _dask(dask_address)
    count = workers()
    if address is None:
        return ThreadPoolTaskRunner(max_workers=count)
    from prefect_dask import DaskTaskRunner

    if address == LOCAL_DASK:
        return DaskTaskRunner(cluster_kwargs={"n_workers": count, "threads_per_worker": 1})
    return DaskTaskRunner(address=address)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call `listener(done, total, workbook)` as each workbook of a run is read."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


@contextmanager
def _workers_report_here() -> Iterator[None]:
    """Worker processes started for this run report to its API, not to servers of their own.

    Without a configured API (the CLI on Prefect's embedded default), each process of a `local`
    cluster would otherwise start a temporary server and record its task runs there.
    """
    context = FlowRunContext.get()
    if os.environ.get("PREFECT_API_URL") or context is None or context.client is None:
        yield
        return
    os.environ["PREFECT_API_URL"] = str(context.client.api_url)
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def notify(done: int, total: int, label: str) -> None:
    """Tell the listeners where the run is (a workbook read, or the step it has reached)."""
    for listener in list(_listeners):
        listener(done, total, label)


def in_processes(paths: list[Path]) -> bool:
    """A batch large enough to pay for worker processes, on a machine with more than one core."""
    return workers() > 1 and worth_processes(paths)


def read_workbooks(paths: list[Path], dask_address: str | None = None) -> list[InputFile]:
    """Read and validate every workbook, results in the order given: a large batch in worker
    processes (one task), a small one a task per workbook on threads, or on a Dask cluster."""
    logger = get_run_logger()
    if not paths:
        return []
    if _dask(dask_address) is None and in_processes(paths):
        return read_in_processes(paths)
    with _workers_report_here(), workbook_runner(dask_address) as runner:
        futures = runner.map(read_and_validate, parameters={"path": paths})
        for done, future in enumerate(as_completed(list(futures)), start=1):
            name = future.result().name
            logger.info("进度：已读取 %d/%d 个工作簿（%s）", done, len(paths), name)
            notify(done, len(paths), f"读取 {name}")
        context = FlowRunContext.get()
        seal_reads(context.flow_run.id if context is not None and context.flow_run else None)
        return [future.result() for future in futures]
