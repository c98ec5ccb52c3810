"""Prefect tasks of the disbursement flow: each a thin wrapper around one step of `batch.run`.

Reading is retried on transient I/O errors; bad data is never retried (it comes back as
decisions, not exceptions). Reading persists its results under a key of the flow run, so
retrying a failed run from the UI re-enters it without reading the workbooks again. The reads
hold every row with full ID and account numbers: they go to a folder of the run that only the
owner can open (`subsidy-reads/<flow run id>/` in Prefect's result storage, files 0600) and are
removed when the run completes (`forget_reads`, a flow hook); a failed run keeps them for its
retry. Deciding is
not persisted: recomputing it is faster than storing it (measured on a province batch: 8 s to
decide 1.27M rows, 13 s to pickle and store them). Settling and writing are one task, because
they commit together (see `ledger.publish`), and idempotent by construction (registry
constraints, repeatable bytes).
A run has a task per workbook plus a handful, never a task per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext, TaskRunContext
from prefect.filesystems import LocalFileSystem, WritableFileSystem
from prefect.results import get_default_result_storage

from batch import inputs, reading, run
from batch.inputs import InputFile

# The ledger's records as the batch hands them over: flows import `batch` and `money` only.
from batch.run import Manifest, Registry, SettledBatch, file_sha256
from policy.decisions import ProgramDecisions
from policy.parameters import PolicySet
from workbooks.reader import References

TRANSIENT = (OSError, TimeoutError)
READS = "subsidy-reads"  # the folder of Prefect's result storage holding persisted reads


def _is_transient(task, run, state) -> bool:  # type: ignore[no-untyped-def]
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:
        return False
    return False


def _read_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    """The workbook (path and content) within the flow run, under the run's own folder."""
    path = Path(parameters["path"])
    digest = hashlib.sha256(f"{path}:{file_sha256(path)}".encode()).hexdigest()
    return f"{READS}/{context.task_run.flow_run_id}/{digest}"


def reads_folder(
    flow_run_id: UUID | str | None, storage: WritableFileSystem | None = None
) -> Path | None:
    """Where a flow run's reads are persisted, when results are stored on a local disk."""
    if flow_run_id is None:
        return None
    if storage is None:
        context = FlowRunContext.get()
        store = context.result_store if context is not None else None
        storage = store.result_storage if store is not None else None
    if not isinstance(storage, WritableFileSystem):
        storage = get_default_result_storage(_sync=True)  # type: ignore[call-arg]
    if not isinstance(storage, LocalFileSystem):
        return None
    return Path(storage.basepath or ".").expanduser().resolve() / READS / str(flow_run_id)


def _private(folder: Path) -> None:
    """The run's folder of reads (and the folder of all runs' reads) for the owner only."""
    for each in (folder.parent, folder):
        each.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(each, 0o700)


def seal_reads(flow_run_id: UUID | str | None) -> None:
    """Persisted reads of the run readable by the owner only (Prefect writes them with the
    process's umask, inside the folder that `_private` already closed)."""
    folder = reads_folder(flow_run_id)
    if folder is not None and folder.is_dir():
        for path in folder.iterdir():
            os.chmod(path, 0o600)


def forget_reads(flow, flow_run, state) -> None:  # type: ignore[no-untyped-def]
    """Flow hook (`on_completion`): a completed run needs its persisted reads no more."""
    folder = reads_folder(flow_run.id)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@task(
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=_is_transient,
    cache_key_fn=_read_key,
    persist_result=True,
)
def read_and_validate(path: Path) -> InputFile:
    """Read one workbook and validate its sheets; an unusable file is reported, not raised."""
    context = TaskRunContext.get()
    if context is not None and context.result_store is not None:
        folder = reads_folder(context.task_run.flow_run_id, context.result_store.result_storage)
        if folder is not None:
            _private(folder)  # before the result is written into it
    read = inputs.read_input(path)
    if read.error:
        get_run_logger().warning("文件 %s 未处理：%s", path.name, read.described())
    else:
        get_run_logger().info("已读取 %s（%s）", path.name, read.described())
    return read


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_is_transient)
def read_in_processes(paths: list[Path]) -> list[InputFile]:
    """Read and validate a large batch's workbooks in worker processes (`batch.reading`),
    logging each as it finishes; results in the order given. Not persisted: a province's
    frames take longer to store than to read again."""
    from flows.fanout import notify

    logger = get_run_logger()
    done: dict[int, InputFile] = {}
    for position, read in reading.read_each(paths):
        done[position] = read
        if read.error:
            logger.warning("文件 %s 未处理：%s", read.name, read.described())
        logger.info("进度：已读取 %d/%d 个工作簿（%s）", len(done), len(paths), read.name)
        notify(len(done), len(paths), f"读取 {read.name}")
    return [done[i] for i in range(len(paths))]


@task(cache_policy=NO_CACHE)
def decide_programs(
    files: list[InputFile], policy: PolicySet, as_of: dt.date, references: References
) -> list[ProgramDecisions]:
    """Apply each programme's rules to the rows of all its files together."""
    return inputs.decide(files, policy, as_of, references)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=_is_transient)
def settle_and_write(
    results: list[ProgramDecisions], batch: run.Batch, registry: Registry | None
) -> tuple[SettledBatch, Manifest]:
    """Take claims and record payments (none in a dry run) in one registry transaction that
    also stages the batch's files and commits with their manifest; then publish the files."""
    return run.settle_and_publish(results, batch, registry)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_is_transient)
def append_audit(
    settled: SettledBatch,
    manifest: Manifest,
    batch: run.Batch,
    flow_run_id: str,
    registry: Registry | None,
) -> None:
    """Append the run's events to the batch's audit log; its new head goes to the registry."""
    run.audit_run(settled, manifest, batch, flow_run_id, registry)
