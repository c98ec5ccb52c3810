"""Outputs commit with the registry: staged first, committed by the registry, then published.

A batch's files are written into a staging folder beside it while the registry transaction that
takes its claims and records its payments is still open; the transaction then records the sha256
of the staged manifest and commits, and only then are the files renamed into the batch folder.
So the registry never holds a payment whose ledger is not on disk, and the batch folder never
shows a ledger whose payments were not recorded. A crash leaves at most a staging folder:
`recover` publishes it if the registry committed that very manifest, and deletes it otherwise.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.faults import crash_point
from ledger.outputs import file_sha256, write_atomic

MANIFEST = "manifest.json"
STAGING_SUFFIX = ".staging"
REGISTRY_MARK = ".registry"


def staging_folder(folder: Path) -> Path:
    """Where a batch's outputs wait for the registry's commit: a hidden sibling folder."""
    return folder.parent / f".{folder.name}{STAGING_SUFFIX}"


def registry_mark(registry_url: str | None) -> str:
    """Which registry a staging folder's run committed to ("" for a dry run: none)."""
    return hashlib.sha256(registry_url.encode()).hexdigest()[:16] if registry_url else ""


@contextmanager
def staging_for(folder: Path, registry_url: str | None) -> Iterator[Path]:
    """An empty staging folder for this batch, held under the batch's lock until published.

    Two runs of one batch take turns (the second redoes the same work, idempotently), and
    `recover` leaves alone a staging folder whose run is still going.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder, blocking=True):
        staging = staging_folder(folder)
        if staging.exists():
            shutil.rmtree(staging)  # what an earlier crashed run of this batch left
        staging.mkdir(mode=0o750)
        (staging / REGISTRY_MARK).write_text(registry_mark(registry_url), encoding="utf-8")
        yield staging


@contextmanager
def _locked(folder: Path, blocking: bool) -> Iterator[bool]:
    """Hold the batch's lock file (`.<batch>.lock` beside it); yields False if busy."""
    descriptor = os.open(folder.parent / f".{folder.name}.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


def stage(staging: Path, relative: str, data: bytes) -> str:
    """Write one output into the staging folder; returns its sha256."""
    target = staging / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    return write_atomic(target, data)


def publish(staging: Path, folder: Path) -> None:
    """Rename every staged file into the batch folder (manifest last), then drop the staging.

    Each rename is atomic and a file leaves staging only by being renamed, so a crash in
    between leaves the rest in staging for `recover` to finish.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    staged = sorted(
        p
        for p in staging.rglob("*")
        if p.is_file() and not p.name.endswith(".tmp") and p.name != REGISTRY_MARK
    )
    staged.sort(key=lambda p: p.name == MANIFEST)
    for path in staged:
        target = folder / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        path.replace(target)
        crash_point("publishing")
    _fsync_folder(folder)
    shutil.rmtree(staging)


def recover(
    out: Path, committed_manifest: Callable[[str], str | None], registry_url: str | None
) -> list[str]:
    """Finish or undo what crashed runs left in `out`; returns what was done, in Chinese.

    `committed_manifest(batch_id)` is the manifest sha256 the registry committed for a batch
    (None when it committed nothing). A staging folder whose manifest is that one is published;
    any other staging folder held outputs the registry never committed, and is removed. Only
    staging folders of runs on this registry (or dry runs, which commit nothing) are judged:
    another registry's are left for a run on that registry.
    """
    done = []
    for staging in sorted(out.glob(f".*{STAGING_SUFFIX}")):
        batch_id = staging.name[1 : -len(STAGING_SUFFIX)]
        mark = staging / REGISTRY_MARK
        owner = mark.read_text(encoding="utf-8") if mark.exists() else ""
        if owner not in ("", registry_mark(registry_url)):
            done.append(f"批次 {batch_id}：暂存目录属于另一个支付登记库的运行，本次未处理")
            continue
        with _locked(out / batch_id, blocking=False) as free:
            if free and staging.exists():
                done += _recover_one(staging, out / batch_id, committed_manifest)
    return done


def _recover_one(
    staging: Path, folder: Path, committed_manifest: Callable[[str], str | None]
) -> list[str]:
    batch_id = folder.name
    committed = committed_manifest(batch_id)
    staged = staging / MANIFEST
    if staged.exists() and file_sha256(staged) == committed:
        publish(staging, folder)
        return [f"批次 {batch_id}：上次运行在登记后中断，已补齐发布输出文件"]
    shutil.rmtree(staging)
    published = folder / MANIFEST
    if not staged.exists() and published.exists() and file_sha256(published) == committed:
        return [f"批次 {batch_id}：上次运行在发布完成后中断，已清理暂存目录"]
    return [f"批次 {batch_id}：上次运行未完成登记，已删除未提交的暂存文件"]


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
