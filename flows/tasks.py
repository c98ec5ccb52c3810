"""Prefect tasks of the disbursement flow: each one job, each a thin call into a plain library.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from flows.batch_files import run_facts, stage_outputs
from ledger import audit
from ledger.faults import crash_point
from ledger.outputs import file_sha256
from ledger.publish import publish, staging_for
from ledger.registry import Registry
from ledger.settlement import (
    BatchIdentity,
    Review,
    ReviewInput,
    ReviewKey,
    SettledBatch,
    settle_batch,
)
from policy.decisions import ProgramDecisions
from policy.parameters import PolicySet
from policy.programs import REFERENCE_NEEDS, decide_program
from validators.sheets import PROGRAMS
from validators.validate import ValidatedSheet, combine, validate_workbook
from workbooks.reader import References, read_application

TRANSIENT = (OSError, TimeoutError)


@dataclass(frozen=True)
class InputFile:
    """One input workbook after reading and validation (or the reason it could not be used)."""

    name: str
    sha256: str
    program: str | None
    error: str | None
    message: str
    sheets: dict[str, ValidatedSheet] = field(default_factory=dict)

    def not_selected(self) -> InputFile:
        """This file's programme was not chosen for the run: listed, not decided."""
        return replace(
            self, error="NOT_SELECTED", message="本次运行未选择该项目，文件未处理", sheets={}
        )


def without_unissued_system_columns(
    files: list[InputFile], issued: set[str]
) -> tuple[list[InputFile], list[str]]:
    """System-only columns (上年初参保职工人数) count only in workbooks this system issued;
    elsewhere they are blanked, so an applicant cannot choose the base of its own rule.
    Returns the files and the names of those whose columns were set aside."""
    kept, ignored = [], []
    for item in files:
        sheets = dict(item.sheets)
        for name, sheet in item.sheets.items():
            spec = PROGRAMS[item.program].sheet(name) if item.program else None
            system = [c for c in (spec.system_only if spec else ()) if c in sheet.frame]
            if item.sha256 in issued or not system or sheet.frame[system].isna().all(axis=None):
                continue
            frame = sheet.frame.assign(**{c: pd.NA for c in system})
            sheets[name] = replace(sheet, frame=frame)
            ignored.append(item.name)
        kept.append(replace(item, sheets=sheets))
    return kept, ignored


@dataclass(frozen=True)
class BatchOutputs:
    """Where a batch's files go and what they are written from (besides the decisions)."""

    folder: Path
    files: list[InputFile]
    policy: PolicySet
    sources: dict[str, Path]


@dataclass(frozen=True)
class RunInfo:
    """What the outputs need to know about the run itself."""

    flow_run_id: str
    rerun: bool
    registry_url: str | None


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
    logger = get_run_logger()
    raw = read_application(path)
    if raw.error or raw.program is None:
        logger.warning("文件 %s 未处理：%s %s", path.name, raw.error, raw.message)
        return InputFile(path.name, raw.sha256, None, raw.error, raw.message)
    sheets = validate_workbook(raw.sheets, raw.program)
    logger.info(
        "已读取 %s（%s）：%s",
        path.name,
        raw.program.title,
        "，".join(f"{n} {len(s.frame)} 行" for n, s in sheets.items()),
    )
    return InputFile(path.name, raw.sha256, raw.program.code, None, "", sheets)


@task(cache_policy=NO_CACHE)
def decide_programs(
    files: list[InputFile], policy: PolicySet, as_of: dt.date, references: References
) -> list[ProgramDecisions]:
    """Apply each programme's rules to the rows of all its files together."""
    by_program: dict[str, dict[str, list[tuple[str, ValidatedSheet]]]] = {}
    for item in files:
        if item.program is None or item.error:
            continue
        for sheet_name, sheet in item.sheets.items():
            by_program.setdefault(item.program, {}).setdefault(sheet_name, []).append(
                (item.name, sheet)
            )
    results = []
    for program, sheets in by_program.items():
        needed = REFERENCE_NEEDS.get(program)
        lists = {needed: references.keys(needed)} if needed else {}
        combined = {name: combine(name, parts) for name, parts in sheets.items()}
        results.append(decide_program(program, combined, policy, as_of, lists))
    return results


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=_is_transient)
def settle_and_write(
    results: list[ProgramDecisions],
    identity: BatchIdentity,
    registry_url: str | None,
    review: ReviewInput | None,
    outputs: BatchOutputs,
) -> tuple[SettledBatch, dict]:
    """Take claims and record payments (none in a dry run) in one registry transaction that
    also stages the batch's files and commits with their manifest; then publish the files.

    Returns the settled batch and the manifest as written.
    """
    registry = Registry(registry_url) if registry_url else None
    written: dict = {}
    with staging_for(outputs.folder, registry_url) as staging:

        def stage_all(settled: SettledBatch) -> str:
            written.update(
                stage_outputs(
                    staging,
                    identity,
                    outputs.files,
                    settled,
                    results,
                    outputs.policy,
                    outputs.sources,
                )
            )
            return file_sha256(staging / "manifest.json")

        try:
            settled = settle_batch(results, identity, registry, review, before_commit=stage_all)
        finally:
            if registry is not None:
                registry.dispose()
        crash_point("committed")
        publish(staging, outputs.folder)
    crash_point("published")
    return settled, written


def verdicts_in_force(settled: SettledBatch) -> dict[ReviewKey, Review]:
    """Every verdict the batch's rounds applied, by row."""
    decisions = settled.decisions
    if "verdict" not in decisions:
        return {}
    decided = decisions[decisions["verdict"] != ""]
    return {
        (str(p), str(f), str(s), int(r)): Review(str(v), str(c))
        for p, f, s, r, v, c in zip(
            decided["program"],
            decided["file"],
            decided["sheet"],
            decided["row"],
            decided["verdict"],
            decided["comment"],
            strict=True,
        )
    }


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_is_transient)
def append_audit(
    settled: SettledBatch,
    manifest: dict,
    outputs: BatchOutputs,
    run: RunInfo,
) -> None:
    """Append the run's events to the batch's audit log; its new head goes to the registry.
    Each decided row carries the verdict in force; a round's conflicts get an event of their own."""
    facts = run_facts(manifest, outputs.files, outputs.sources, run.flow_run_id, run.rerun)
    bodies = audit.run_bodies(
        facts, settled.decisions, verdicts_in_force(settled), settled.conflicts
    )
    appended = audit.append_bodies(outputs.folder / "audit.jsonl", bodies)
    crash_point("audited")
    if run.registry_url:
        registry = Registry(run.registry_url)
        try:
            registry.record_audit_head(
                manifest["batch_id"], appended.head, run.flow_run_id, appended.events
            )
        finally:
            registry.dispose()
