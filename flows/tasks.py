"""Prefect tasks of the disbursement flow: each a thin wrapper around one step of `batch.run`.

Reading is retried on transient I/O errors; bad data is never retried (it comes back as
decisions, not exceptions). Reading persists its results under a key of the flow run, so
retrying a failed run from the UI re-enters it without reading the workbooks again. Deciding is
not persisted: recomputing it is faster than storing it (measured on a province batch: 8 s to
decide 1.27M rows, 13 s to pickle and store them). Settling and writing are one task, because
they commit together (see `ledger.publish`), and idempotent by construction (registry
constraints, repeatable bytes).
A run has a task per workbook plus a handful, never a task per row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from batch import inputs, reading, run
from batch.inputs import InputFile
from ledger.manifest import Manifest
from ledger.outputs import file_sha256
from ledger.registry import Registry
from ledger.settlement import SettledBatch
from policy.decisions import ProgramDecisions
from policy.parameters import PolicySet
from workbooks.reader import References

TRANSIENT = (OSError, TimeoutError)


def _is_transient(task, run, state) -> bool:  # type: ignore[no-untyped-def]
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:
        return False
    return False


def _read_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    path = Path(parameters["path"])
    return f"{context.task_run.flow_run_id}:read:{path}:{file_sha256(path)}"


@task(
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=_is_transient,
    cache_key_fn=_read_key,
    persist_result=True,
)
def read_and_validate(path: Path) -> InputFile:
    """Read one workbook and validate its sheets; an unusable file is reported, not raised."""
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
