"""Bank returns dropped in the inbox (SPEC §8): files under `inbox/回盘/` are reconciled by the
nightly run, then moved to `inbox/archive/回盘/`. A file the run cannot read (or that is not a
return file) is reported with the night's unprocessed files and set aside in `inbox/回盘/未处理/`,
applying nothing; the other returns and the night's applications go on. The same file twice
changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from bank.returns import ReturnFileError
from flows.money import reconcile_files
from flows.naming import service_account

RETURNS = "回盘"
SUFFIXES = (".csv", ".txt", ".xlsx")
ASIDE = "未处理"  # under 回盘/: the files set aside, with why on the nightly run's page


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
            why = "回盘文件应为 CSV、定长文本（.txt）或 Excel"
            unprocessed.append((name, "UNSUPPORTED_FILE", f"{why}；{_set_aside(path)}"))
            continue
        try:
            reconcile_files([path], registry_url, service_account())
        except ReturnFileError as problem:
            unprocessed.append((name, "RETURN_UNREADABLE", f"{problem}；{_set_aside(path)}"))
            continue
        target = archive / RETURNS
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target / path.name)
    return unprocessed


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
