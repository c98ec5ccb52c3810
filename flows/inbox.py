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
from prefect.cache_policies import NO_CACHE

from flows.config import DEFAULT_INBOX, DEFAULT_OUT, DEFAULT_REFERENCE
from flows.disburse import disburse
from ledger import audit
from ledger.manifest import Manifest
from ledger.outputs import file_sha256
from ledger.registry import Registry, sqlite_url
from workbooks.reader import list_workbooks
from workbooks.review import is_reviewed_ledger, read_reviewed_ledger

ARCHIVE = "archive"
REVIEWED_SUFFIX = ".复核"  # archive/<batch_id>.复核/: the reviewed ledgers of a batch


@task(cache_policy=NO_CACHE)
def new_arrivals(inbox: Path, registry_url: str) -> tuple[list[Path], list[Path]]:
    """Unprocessed applications and reviewed ledgers in the inbox (not its archive)."""
    logger = get_run_logger()
    paths = list_workbooks([inbox]) if inbox.is_dir() else []
    hashes = {p: file_sha256(p) for p in paths}
    registry = Registry(registry_url)
    try:
        seen = registry.processed(list(hashes.values()))
    finally:
        registry.dispose()
    for path in paths:
        if seen.get(hashes[path]):
            logger.warning(
                "收件箱中的 %s 仍无法处理（%s），请更正后重新放入", path.name, seen[hashes[path]]
            )
    fresh = [p for p in paths if hashes[p] not in seen]
    ledgers = [p for p in fresh if is_reviewed_ledger(p)]
    return [p for p in fresh if p not in ledgers], ledgers


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
    registry = Registry(registry_url)
    try:
        registry.record_processed(
            [(p.name, file_sha256(p), errors.get(p.name)) for p in files], batch_folder.name
        )
    finally:
        registry.dispose()
    moved = [p for p in files if errors.get(p.name) is None]
    target = inbox / ARCHIVE / batch_folder.name
    if reviewed_round is not None:
        target = inbox / ARCHIVE / f"{batch_folder.name}{REVIEWED_SUFFIX}"
    target.mkdir(parents=True, exist_ok=True)
    located = []
    for path in moved:
        sha = file_sha256(path)
        name = path.name if reviewed_round is None else f"第{reviewed_round}轮-{path.name}"
        shutil.move(str(path), target / name)
        located.append({"file": path.name, "sha256": sha, "path": str((target / name).resolve())})
    if located:
        # Where the inputs now are, for a later what-if of this batch (see ledger.batch_inputs).
        kind = "inputs_archived" if reviewed_round is None else "reviewed_ledger_archived"
        event = {"event": kind, "batch_id": batch_folder.name, "files": located}
        audit.append_events(batch_folder / "audit.jsonl", [event])
    return [p.name for p in moved]


@flow(name="nightly-inbox")
def nightly_inbox(
    inbox: str = str(DEFAULT_INBOX),
    reference: str = str(DEFAULT_REFERENCE),
    out: str = str(DEFAULT_OUT),
    registry: str | None = None,
    dask_address: str | None = None,
) -> list[str]:
    """Process the inbox's new workbooks as one batch, and each reviewed ledger as a rerun.

    Args:
        inbox: 收件箱文件夹（处理后的文件移入其中的 archive/<批次号>/）
        reference: 参考名单文件夹
        out: 输出目录
        registry: 支付登记库地址（留空为输出目录中的 SQLite 文件）
        dask_address: Dask 调度器地址（留空为本机多线程）

    Returns:
        the batch folders written (none when nothing new arrived).
    """
    logger = get_run_logger()
    folder = Path(inbox)
    Path(out).mkdir(parents=True, exist_ok=True)
    registry_url = registry or sqlite_url(str(Path(out) / "registry.sqlite"))
    applications, ledgers = new_arrivals(folder, registry_url)
    written = []
    if applications:
        batch = Path(
            disburse(
                inputs=[str(p) for p in applications],
                reference=reference,
                out=out,
                registry=registry_url,
                dask_address=dask_address,
            )
        )
        moved = archive(batch, applications, folder, registry_url, input_errors(batch))
        logger.info(
            "已处理并归档 %d 个文件，%d 个文件无法读取、留在收件箱",
            len(moved),
            len(applications) - len(moved),
        )
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
                registry=registry_url,
                reviewed_ledger=str(ledger),
                dask_address=dask_address,
            )
        )
        round_ = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))["round"]
        archive(batch, [ledger], folder, registry_url, {}, reviewed_round=round_)
        written.append(str(batch))
    if not written:
        logger.info("收件箱中没有新文件")
    return written
