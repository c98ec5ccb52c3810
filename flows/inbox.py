"""The nightly inbox: process the workbooks that arrived since the last run, then archive them.

A file is processed once: its content hash is recorded in the registry after its batch's
outputs are written, and it moves to `archive/<batch_id>/` beside the inbox. A file that cannot
be read stays in the inbox with its error reported and blocks nothing. A reviewed `ledger.xlsx`
dropped into the inbox is fed back to a rerun of the batch it came from (SPEC §6).
"""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed

from batch import inbox as files
from batch import run
from batch.run import Manifest, NoUsableInput
from flows import summary
from flows.alerts import HOOKS
from flows.config import DEFAULT_INBOX, DEFAULT_OUT, DEFAULT_REFERENCE, refuse_samples, today
from flows.disburse import disburse
from flows.exclusive import takes_turns
from flows.failures import InboxMissing, NothingProcessed, reports_user_errors
from flows.form import Inbox, Out, Reference, Technical, TechnicalField
from flows.naming import nightly_name, service_account
from flows.secrets import registry_address
from policy.parameters import load_policy
from workbooks.review import read_reviewed_ledger


@task(cache_policy=NO_CACHE)
def new_arrivals(inbox: Path, registry_url: str) -> files.Arrivals:
    """Unprocessed applications, reviewed ledgers and files that are not workbooks in the inbox
    and its subfolders (not its archive); what was seen before and still fails, logged."""
    logger = get_run_logger()
    found = files.new_arrivals(inbox, registry_url)
    for name, error in found.still_failing:
        logger.warning("收件箱中的 %s 仍无法处理（%s），请更正后重新放入", name, error)
    for path in found.others:
        logger.warning(
            "收件箱中的 %s 不是 Excel 工作簿，未处理（UNSUPPORTED_FILE）", found.names[path]
        )
    if found.ignored:
        logger.info("已忽略 %d 个 Office 临时文件或隐藏文件", found.ignored)
    return found


@task(cache_policy=NO_CACHE)
def archive(
    batch_folder: Path,
    given: list[Path],
    inbox: Path,
    registry_url: str,
    errors: dict[str, str | None],
    reviewed_round: int | None = None,
) -> list[str]:
    """Record the files as seen by the batch; move the usable ones to archive/<batch_id>/."""
    return files.archive(batch_folder, given, inbox, registry_url, errors, reviewed_round)


def reconcile_returns(inbox: Path, registry_url: str) -> list[tuple[str, str, str]]:
    """The bank returns under `回盘/`, each reconciled and logged; those not processed."""
    logger = get_run_logger()
    done, unprocessed = files.reconcile_inbox_returns(inbox, registry_url, service_account())
    for path, each in done:
        logger.info("%s", each.summary())
        for line in each.not_applied + each.discrepancies:
            logger.warning("回盘 %s：%s", path.name, line)
    return unprocessed


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
    registry_url = run.run_registry_url(registry_address(technical.registry or None), Path(out))
    if not folder.is_dir():  # before any task: a user error, not a task's traceback
        raise InboxMissing(f"收件箱文件夹 {folder} 不存在或未挂载，请检查共享目录后重新运行")
    # Bank returns first: a re-issue prepared later in the night sees the failures they report.
    unprocessed = reconcile_returns(folder, registry_url)  # file, code, why
    arrivals = new_arrivals(folder, registry_url)
    applications, ledgers, others = arrivals.applications, arrivals.ledgers, arrivals.others
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
            files.record_seen(given, {f.name: f.error for f in nothing.files}, registry_url, "")
            unprocessed += [(f.name, str(f.error), f.message) for f in nothing.files]
        else:
            manifest = Manifest.read(batch)
            moved = archive(batch, given, folder, registry_url, files.input_errors(batch))
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
        originals = files.originals_of(folder, review.batch_id)
        if originals is None:
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
        unprocessed += files.unsupported(others)
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
