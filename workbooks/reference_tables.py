"""Reference lists with columns beyond a key (SPEC §3, §2 screening, §8 社保卡持卡库): one sheet,
recognised by its name in the reference folder's workbooks, its header found in the first rows.

Like every reference list, a list that is absent, present in two workbooks, unreadable, or holding
a cell this system cannot read faithfully — an ID, credit code or account typed as a number that
lost digits, a date that is not one — is *missing*, with why: never read as an empty list, and
never read with a row left out (an empty list, its header and no rows, is a valid one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from python_calamine import CalamineError

from validators.cleaning import (
    LOST_DIGITS_MESSAGE,
    Cleaned,
    clean_account,
    clean_code,
    clean_date,
)
from workbooks.reader import list_inputs, open_workbook

HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Columns:
    """A list's headers (as written) → column names, and how special columns are read."""

    headers: Mapping[str, str]
    codes: tuple[str, ...] = ()  # IDs and credit codes: cleaned, lost digits refused
    accounts: tuple[str, ...] = ()  # bank accounts: cleaned, lost digits refused
    dates: tuple[str, ...] = ()  # dates: an unreadable one refuses the list
    optional: tuple[str, ...] = ()  # may be empty (a date not yet known)
    cleaners: Mapping[str, Callable[[pd.Series], Cleaned]] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferenceTable:
    rows: pd.DataFrame  # the list's columns and `row` (Excel's row number)
    missing: str = ""  # why the list cannot be used; "" when it can
    source: str = ""  # the workbook it was read from and its sha256
    workbook: str = ""  # its file name
    sha256: str = ""

    @property
    def usable(self) -> bool:
        return not self.missing


def read_reference_table(folder: Path | None, sheet: str, columns: Columns) -> ReferenceTable:
    return read_reference_tables(folder, {sheet: columns})[sheet]


def read_reference_tables(
    folder: Path | None, wanted: Mapping[str, Columns]
) -> dict[str, ReferenceTable]:
    """Each wanted list, the folder's workbooks opened once for all of them. A workbook that
    cannot be read makes every list missing (it may hold one of them: which copy counts would
    be a guess)."""
    if folder is None or not Path(folder).is_dir():
        where = "未指定参考名单文件夹" if folder is None else f"参考名单文件夹 {folder} 不存在"
        return {sheet: unusable(columns, where) for sheet, columns in wanted.items()}
    found: dict[str, list[tuple[Path, list[list[object]]]]] = {sheet: [] for sheet in wanted}
    unreadable: list[str] = []
    for path in list_inputs([Path(folder)]).workbooks:
        try:
            book = open_workbook(path)
            for sheet in (s for s in wanted if s in book.sheet_names):
                found[sheet].append((path, book.get_sheet_by_name(sheet).to_python()))
        except (CalamineError, OSError, ValueError):
            unreadable.append(path.name)
    return {
        sheet: _one(folder, sheet, columns, found[sheet], unreadable)
        for sheet, columns in wanted.items()
    }


def _one(
    folder: Path,
    sheet: str,
    columns: Columns,
    found: list[tuple[Path, list[list[object]]]],
    unreadable: list[str],
) -> ReferenceTable:
    if unreadable:
        return unusable(
            columns,
            f"{folder} 中的 {'、'.join(unreadable)} 无法读取，无法确定其中是否也有“{sheet}”工作表",
        )
    if not found:
        return unusable(columns, f"在 {folder} 中没有找到“{sheet}”工作表")
    if len(found) > 1:
        names = "、".join(path.name for path, _ in found)
        return unusable(
            columns, f"“{sheet}”出现在 {len(found)} 个工作簿中（{names}），无法确定以哪一份为准"
        )
    path, rows = found[0]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        return ReferenceTable(
            _table(rows, columns),
            source=f"{path} sha256 {digest}",
            workbook=path.name,
            sha256=digest,
        )
    except ValueError as problem:
        return unusable(columns, f"{path.name}：{problem}")


def unusable(columns: Columns, why: str) -> ReferenceTable:
    """A list that cannot be used, and why."""
    return ReferenceTable(pd.DataFrame(columns=[*columns.headers.values(), "row"]), why)


def _table(rows: list[list[object]], columns: Columns) -> pd.DataFrame:
    headers = columns.headers
    for at, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = ["".join(str(c).split()) for c in row]
        if not all(header in cells for header in headers):
            continue
        positions = {headers[h]: cells.index(h) for h in headers}
        kept = [
            (at + 2 + i, r) for i, r in enumerate(rows[at + 1 :]) if any(str(c).strip() for c in r)
        ]
        frame = pd.DataFrame(
            {key: [r[i] if i < len(r) else "" for _, r in kept] for key, i in positions.items()},
            dtype=object,
        )
        frame["row"] = [number for number, _ in kept]
        title = {key: header for header, key in headers.items()}
        for column in frame.columns.drop("row"):
            cleaner = columns.cleaners.get(column) or _cleaner(column, columns)
            if cleaner is None:
                frame[column] = ["".join(str(v).split()) for v in frame[column]]
                continue
            cleaned = cleaner(frame[column])
            blank = cleaned.values.isna() | (cleaned.values.astype(str) == "")
            empty = blank & ~cleaned.unreadable
            bad = cleaned.unreadable | (empty & (column not in columns.optional))
            if bad.any():
                first = int(frame.loc[bad, "row"].iloc[0])
                why = LOST_DIGITS_MESSAGE if column not in columns.dates else "不是可识别的日期"
                if not cleaned.unreadable[bad].any():
                    why = "为空"
                raise ValueError(f"第{first}行的“{title[column]}”{why}")
            frame[column] = (
                cleaned.values.dt.date.astype(object).where(cleaned.values.notna(), None)
                if column in columns.dates
                else cleaned.values.fillna("").astype(str)
            )
        return frame
    raise ValueError(f"找不到表头（{'、'.join(headers)}）")


def _cleaner(column: str, columns: Columns) -> Callable[[pd.Series], Cleaned] | None:
    if column in columns.codes:
        return clean_code
    if column in columns.accounts:
        return clean_account
    if column in columns.dates:
        return clean_date
    return None
