"""Bank returns dropped in the inbox (SPEC §8): files under `inbox/回盘/` are reconciled by the
nightly run, then moved to `inbox/archive/回盘/`. A file the run cannot read stays where it is
and is reported with the night's unprocessed files; the same file twice changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from bank.returns import ReturnFileError
from flows.money import reconcile_files
from flows.naming import service_account

RETURNS = "回盘"
SUFFIXES = (".csv", ".txt", ".xlsx")


def reconcile_inbox_returns(
    inbox: Path, archive: Path, registry_url: str
) -> list[tuple[str, str, str]]:
    """Reconcile each return file under `inbox/回盘/`; the ones not processed (name, code, why)."""
    folder = inbox / RETURNS
    if not folder.is_dir():
        return []
    unprocessed = []
    for path in sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    ):
        name = f"{RETURNS}/{path.name}"
        if path.suffix.lower() not in SUFFIXES:
            unprocessed.append(
                (name, "UNSUPPORTED_FILE", "回盘文件应为 CSV、定长文本（.txt）或 Excel")
            )
            continue
        try:
            reconcile_files([path], registry_url, service_account())
        except ReturnFileError as problem:
            unprocessed.append((name, "RETURN_UNREADABLE", str(problem)))
            continue
        target = archive / RETURNS
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target / path.name)
    return unprocessed
