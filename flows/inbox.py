"""The nightly inbox: process the workbooks that arrived since the last run, then archive them.

A file is processed once: its content hash is recorded in the registry after its batch's
outputs are written, and it moves to `archive/<batch_id>/` beside the inbox. A file that cannot
be read stays in the inbox with its error reported and blocks nothing. A reviewed `ledger.xlsx`
dropped into the inbox is fed back to a rerun of the batch it came from (SPEC §6).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed

from batch.run import NoUsableInput
from flows import summary
from flows.alerts import HOOKS
from flows.config import DEFAULT_INBOX, DEFAULT_OUT, DEFAULT_REFERENCE, refuse_samples, today
from flows.disburse import disburse
from flows.exclusive import takes_turns
from flows.failures import InboxMissing, NothingProcessed, reports_user_errors
from flows.form import Inbox, Out, Reference, Technical, TechnicalField
from flows.inbox_returns import RETURNS, reconcile_inbox_returns
from flows.naming import nightly_name, service_account
from flows.secrets import registry_address
from ledger import audit
from ledger.manifest import Manifest
from ledger.outputs import file_sha256
from ledger.registry import Registry, sqlite_url
from policy.parameters import load_policy
from workbooks.reader import list_inputs
from workbooks.review import is_reviewed_ledger, read_reviewed_ledger

ARCHIVE = "archive"
# Files not recorded as processed: tried again at the next run (a reference list may arrive).
RETRIED = frozenset({"REFERENCE_MISSING", "UNSUPPORTED_FILE"})
REVIEWED_SUFFIX = ".复核"  # archive/<batch_id>.复核/: the reviewed ledgers of a batch


@task(cache_policy=NO_CACHE)
def new_arrivals(inbox: Path, registry_url: str) -> tuple[list[Path], list[Path], list[Path]]:
    """Unprocessed applications, reviewed ledgers and files that are not workbooks in the inbox
    and its subfolders (not its archive)."""
    logger = get_run_logger()
    listing = list_inputs([inbox], skip=(ARCHIVE, RETURNS))
    paths = listing.workbooks
    hashes = {p: file_sha256(p) for p in paths}
    registry = Registry(registry_url)
    try:
        seen = registry.processed(list(hashes.values()))
    finally:
        registry.dispose()
    for path in paths:
        if seen.get(hashes[path]):
            logger.warning(
                "收件箱中的 %s 仍无法处理（%s），请更正后重新放入",
                listing.names[path],
                seen[hashes[path]],
            )
    for path in listing.unsupported:
        logger.warning(
            "收件箱中的 %s 不是 Excel 工作簿，未处理（UNSUPPORTED_FILE）", listing.names[path]
        )
    if listing.ignored:
        logger.info("已忽略 %d 个 Office 临时文件或隐藏文件", listing.ignored)
    fresh = [p for p in paths if hashes[p] not in seen]
    ledgers = [p for p in fresh if is_reviewed_ledger(p)]
    return [p for p in fresh if p not in ledgers], ledgers, listing.unsupported


def input_errors(batch_folder: Path) -> dict[str, str | None]:
    """Each input file of a batch and its error code (None for a usable file)."""
    return {i.file: i.error for i in Manifest.read(batch_folder).inputs}


@task(cache_policy=NO_CACHE)
def archive(
    batch_folder: Path,
    files: list[Path],
    inbox: Path,
    registry_url: str,
    errors: dict[str, str | None],
    reviewed_round: int | None = None,
) -> list[str]:
    """Record the files as seen by the batch; move the usable ones to archive/<batch_id>/.

    A reviewed ledger goes beside them, to archive/<batch_id>.复核/第<n>轮-<name>: the batch's
    archive folder is its input folder for the next review round, and holds applications only.
    A file that could not be read stays in the inbox; it is not processed again until its
    content changes.
    """
    names = record_seen(files, errors, registry_url, batch_folder.name)
    moved = [p for p in files if errors.get(names[p]) is None]
    target = inbox / ARCHIVE / batch_folder.name
    if reviewed_round is not None:
        target = inbox / ARCHIVE / f"{batch_folder.name}{REVIEWED_SUFFIX}"
    target.mkdir(parents=True, exist_ok=True)
    located = []
    for path in moved:
        sha = file_sha256(path)
        name = names[path] if reviewed_round is None else f"第{reviewed_round}轮-{path.name}"
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target / name)
        located.append({"file": names[path], "sha256": sha, "path": str((target / name).resolve())})
    if located:
        # Where the inputs now are, for a later what-if of this batch (see ledger.batch_inputs).
        kind = "inputs_archived" if reviewed_round is None else "reviewed_ledger_archived"
        event = {"event": kind, "batch_id": batch_folder.name, "files": located}
        audit.append_events(batch_folder / "audit.jsonl", [event])
    return [names[p] for p in moved]


@flow(name="nightly-inbox", flow_run_name=nightly_name, **HOOKS)
@reports_user_errors
@takes_turns
def nightly_inbox(
    inbox: Inbox = str(DEFAULT_INBOX),
    reference: Reference = str(DEFAULT_REFERENCE),
    out: Out = str(DEFAULT_OUT),
    technical: TechnicalField = Technical(),  # noqa: B008  (a JSON default, never mutated)
) -> list[str]:
    """Process the inbox's new workbooks as one batch, and each reviewed ledger as a rerun.

    Args:
        inbox: 收件箱文件夹（处理后的文件移入其中的 archive/<批次号>/）
        reference: 参考名单文件夹
        out: 输出目录
        technical: 支付登记库与读取方式；一般留空

    Returns:
        the batch folders written (none when nothing new arrived).
    """
    logger = get_run_logger()
    refuse_samples(收件箱文件夹=inbox, 参考名单文件夹=reference, 输出目录=out)
    folder = Path(inbox)
    Path(out).mkdir(parents=True, exist_ok=True)
    # Resolved here for the inbox's own records; the batch runs get the parameter as given
    # (a secret address is never copied into a subflow's parameters).
    registry_url = registry_address(technical.registry or None) or sqlite_url(
        str(Path(out) / "registry.sqlite")
    )
    if not folder.is_dir():  # before any task: a user error, not a task's traceback
        raise InboxMissing(f"收件箱文件夹 {folder} 不存在或未挂载，请检查共享目录后重新运行")
    # Bank returns first: a re-issue prepared later in the night sees the failures they report.
    unprocessed: list[tuple[str, str, str]] = reconcile_inbox_returns(  # file, code, why
        folder, folder / ARCHIVE, registry_url
    )
    applications, ledgers, others = new_arrivals(folder, registry_url)
    written = []
    if applications:
        given = [*applications, *others]
        try:
            batch = Path(
                disburse(
                    inputs=[str(p) for p in given],
                    as_of=today(),  # new applications are decided as of the night they arrive
                    reference=reference,
                    out=out,
                    technical=technical,
                    prepared_by=service_account(),
                )
            )
        except NoUsableInput as nothing:
            # No batch is made; the files are recorded as seen (those a reference list or a
            # template could still make usable are tried again next night).
            record_seen(given, {f.name: f.error for f in nothing.files}, registry_url, "")
            unprocessed += [(f.name, str(f.error), f.message) for f in nothing.files]
        else:
            manifest = Manifest.read(batch)
            moved = archive(batch, given, folder, registry_url, input_errors(batch))
            unprocessed += [(i.file, str(i.error), i.message) for i in manifest.unusable_inputs()]
            logger.info(
                "已处理并归档 %d 个文件，%d 个文件未处理、留在收件箱",
                len(moved),
                len(given) - len(moved),
            )
            summary.publish_on_parent(manifest, batch, summary.parameter_names(load_policy()))
            written.append(str(batch))
    for ledger in ledgers:
        review = read_reviewed_ledger(ledger)
        originals = folder / ARCHIVE / review.batch_id
        if not originals.is_dir():
            logger.warning(
                "复核台账 %s 对应的批次 %s 未在归档中找到，未处理", ledger.name, review.batch_id
            )
            continue
        batch = Path(
            disburse(
                inputs=[str(originals)],
                reference=reference,
                out=out,
                reviewed_ledger=str(ledger),
                technical=technical,
                prepared_by=service_account(),
            )
        )
        round_ = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))["round"]
        archive(batch, [ledger], folder, registry_url, {}, reviewed_round=round_)
        written.append(str(batch))
    if not applications:  # files that are not workbooks: reported, never a batch
        unprocessed += [(name, "UNSUPPORTED_FILE", UNSUPPORTED_NOTE) for name in _names(others)]
    if unprocessed:
        _report_unprocessed(unprocessed)
    if applications and not written:
        raise NothingProcessed(
            f"收件箱中有 {len(unprocessed)} 个新文件，均未能处理，未生成批次："
            + "；".join(f"{name}（{code}）" for name, code, _ in unprocessed)
        )
    if unprocessed:
        # The run's final state names what was left; a caller still gets the batches.
        return Completed(  # type: ignore[return-value]
            message=f"已生成 {len(written)} 个批次；{len(unprocessed)} 个文件未处理，见“未处理的文件”",
            data=written,
        )
    if not written:
        logger.info("收件箱 %s 中没有新文件", folder)
    return written


UNSUPPORTED_NOTE = "不是 Excel 工作簿，未作为申请处理"


def _names(files: list[Path]) -> list[str]:
    names = list_inputs(files).names
    return [names[p] for p in files]


def record_seen(
    files: list[Path], errors: dict[str, str | None], registry_url: str, batch_id: str
) -> dict[Path, str]:
    """Record the files as seen (by `batch_id`; "" when no batch was made) with their error,
    except those tried again next run; returns each file's name as the batch named it."""
    names = list_inputs(files).names
    with Registry(registry_url) as registry:
        registry.record_processed(
            [
                (names[p], file_sha256(p), errors.get(names[p]))
                for p in files
                if errors.get(names[p]) not in RETRIED
            ],
            batch_id,
        )
    return names


def _report_unprocessed(unprocessed: list[tuple[str, str, str]]) -> None:
    """Each file not processed, in the run's log and as an artifact of this (parent) run."""
    logger = get_run_logger()
    for name, code, why in unprocessed:
        logger.warning("未处理文件 %s：%s %s", name, code, why)
    create_table_artifact(
        [{"文件": name, "原因代码": code, "说明": why} for name, code, why in unprocessed],
        key="unprocessed-files",
        description="未处理的文件",
    )
