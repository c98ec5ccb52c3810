"""The nightly inbox's work on files (SPEC §6, §8): which arrivals are new applications, reviewed
ledgers or not workbooks at all; recording them as seen; archiving them by batch; reconciling the
bank returns dropped under `回盘/` and setting aside the ones that cannot be read.

A file is processed once: its content hash is recorded in the registry after its batch's outputs
are written, and it moves to `archive/<batch_id>/` beside the inbox. A file that cannot be read
stays in the inbox with its error and blocks nothing. `flows.inbox` runs these steps.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bank.returns import ReturnFileError
from ledger import audit
from ledger.manifest import Manifest
from ledger.outputs import file_sha256
from money.commands import Where, reconcile_returns
from money.reconcile import Reconciliation
from registry.opening import opened
from workbooks.reader import list_inputs
from workbooks.review import is_reviewed_ledger

ARCHIVE = "archive"
RETURNS = "回盘"  # inbox/回盘/: bank returns, reconciled before the applications
RETURN_SUFFIXES = (".csv", ".txt", ".xlsx")
ASIDE = "未处理"  # under 回盘/: the returns set aside, with why on the nightly run's page
# Files not recorded as processed: tried again at the next run (a reference list may arrive).
RETRIED = frozenset({"REFERENCE_MISSING", "UNSUPPORTED_FILE"})
REVIEWED_SUFFIX = ".复核"  # archive/<batch_id>.复核/: the reviewed ledgers of a batch
UNSUPPORTED_NOTE = "不是 Excel 工作簿，未作为申请处理"


@dataclass(frozen=True)
class Arrivals:
    applications: list[Path]
    ledgers: list[Path]  # reviewed ledgers, each a rerun of the batch it came from
    others: list[Path]  # not workbooks
    names: dict[Path, str]  # as a batch names its inputs
    still_failing: list[tuple[str, str]]  # (name, error) of files seen before, unchanged
    ignored: int  # Office lock files and hidden files


def new_arrivals(inbox: Path, url: str) -> Arrivals:
    """The workbooks in the inbox and its subfolders (not its archive or returns) whose content
    was never processed, sorted into applications and reviewed ledgers; files that are not
    workbooks apart."""
    listing = list_inputs([inbox], skip=(ARCHIVE, RETURNS))
    hashes = {p: file_sha256(p) for p in listing.workbooks}
    with opened(url, create=True) as registry:
        seen = registry.processed(list(hashes.values()))
    fresh = [p for p in listing.workbooks if hashes[p] not in seen]
    ledgers = [p for p in fresh if is_reviewed_ledger(p)]
    return Arrivals(
        applications=[p for p in fresh if p not in ledgers],
        ledgers=ledgers,
        others=listing.unsupported,
        names=listing.names,
        still_failing=[
            (listing.names[p], str(seen[hashes[p]]))
            for p in listing.workbooks
            if seen.get(hashes[p])
        ],
        ignored=listing.ignored,
    )


def input_errors(batch_folder: Path) -> dict[str, str | None]:
    """Each input file of a batch and its error code (None for a usable file)."""
    return {i.file: i.error for i in Manifest.read(batch_folder).inputs}


def record_seen(
    files: list[Path], errors: dict[str, str | None], url: str, batch_id: str
) -> dict[Path, str]:
    """Record the files as seen (by `batch_id`; "" when no batch was made) with their error,
    except those tried again next run; returns each file's name as the batch named it."""
    names = list_inputs(files).names
    with opened(url, create=True) as registry:
        registry.record_processed(
            [
                (names[p], file_sha256(p), errors.get(names[p]))
                for p in files
                if errors.get(names[p]) not in RETRIED
            ],
            batch_id,
        )
    return names


def archive(
    batch_folder: Path,
    files: list[Path],
    inbox: Path,
    url: str,
    errors: dict[str, str | None],
    reviewed_round: int | None = None,
) -> list[str]:
    """Record the files as seen by the batch; move the usable ones to archive/<batch_id>/.

    A reviewed ledger goes beside them, to archive/<batch_id>.复核/第<n>轮-<name>: the batch's
    archive folder is its input folder for the next review round, and holds applications only.
    A file that could not be read stays in the inbox; it is not processed again until its
    content changes.
    """
    names = record_seen(files, errors, url, batch_folder.name)
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


def originals_of(inbox: Path, batch_id: str) -> Path | None:
    """The archived applications of a batch a reviewed ledger came from, if archived here."""
    folder = inbox / ARCHIVE / batch_id
    return folder if folder.is_dir() else None


def unsupported(others: list[Path]) -> list[tuple[str, str, str]]:
    """Files that are not workbooks, as the night's unprocessed files (name, code, why)."""
    names = list_inputs(others).names
    return [(names[p], "UNSUPPORTED_FILE", UNSUPPORTED_NOTE) for p in others]


def reconcile_inbox_returns(
    inbox: Path, url: str, by: str
) -> tuple[list[tuple[Path, Reconciliation]], list[tuple[str, str, str]]]:
    """Reconcile each return file under `inbox/回盘/` and move it to `archive/回盘/`: what each
    did, and the ones not processed (name, code, why), set aside in `回盘/未处理/` with nothing
    applied. The same file twice changes nothing."""
    folder = inbox / RETURNS
    if not folder.is_dir():
        return [], []
    done, unprocessed = [], []
    for path in sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    ):
        name = f"{RETURNS}/{path.name}"
        if path.suffix.lower() not in RETURN_SUFFIXES:
            why = "回盘文件应为 CSV、定长文本（.txt）或 Excel"
            unprocessed.append((name, "UNSUPPORTED_FILE", f"{why}；{_set_aside(path)}"))
            continue
        try:
            [reconciled] = reconcile_returns(Where(url, create=True), [path], by)
        except ReturnFileError as problem:
            unprocessed.append((name, "RETURN_UNREADABLE", f"{problem}；{_set_aside(path)}"))
            continue
        done.append((path, reconciled))
        target = inbox / ARCHIVE / RETURNS
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target / path.name)
    return done, unprocessed


def _set_aside(path: Path) -> str:
    """Move a return file that was not applied into `回盘/未处理/` (a name already there gets a
    number), so that it is not tried every night; says where it went."""
    folder = path.parent / ASIDE
    folder.mkdir(exist_ok=True)
    target, number = folder / path.name, 1
    while target.exists():
        number += 1
        target = folder / f"{path.stem}-{number}{path.suffix}"
    shutil.move(str(path), target)
    return f"已移至 {RETURNS}/{ASIDE}/{target.name}，未作任何对账"
