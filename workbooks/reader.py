"""Read application workbooks and reference lists (`.xlsx` and legacy `.xls`) with calamine.

This is the only place that opens an input workbook. It recognises the programme by sheet
names, finds the header row within the first rows, maps messy headers onto the canonical ones,
drops empty rows, and keeps the row number Excel shows. A file it cannot use is returned with
an error code and a Chinese message instead of raising, so the run goes on with the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from validators.cleaning import blank_cells, clean_code, normalize_header
from validators.sheets import PROGRAMS, REFERENCE_SHEETS, ProgramSpec, SheetSpec, program_for_sheets
from validators.validate import ROW

HEADER_SEARCH_ROWS = 10
MAX_FILE_BYTES = 200 * 1024 * 1024
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class RawWorkbook:
    """One application file as read: its programme and raw sheets, or why it could not be used."""

    path: Path
    sha256: str
    program: ProgramSpec | None = None
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    error: str | None = None
    message: str = ""


class UnusableSheet(Exception):
    """A sheet whose header row could not be matched to its template."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_application(path: Path) -> RawWorkbook:
    """Read one application workbook; errors come back as data, never as exceptions."""
    sha = file_sha256(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        return RawWorkbook(
            path, sha, error="FILE_TOO_LARGE", message=f"文件超过{limit}MB上限，请拆分后重新提交"
        )
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        return RawWorkbook(
            path, sha, error="ENCRYPTED_FILE", message="工作簿设有打开密码，请取消密码后重新提交"
        )
    except (CalamineError, OSError, ValueError) as problem:
        return RawWorkbook(
            path,
            sha,
            error="UNREADABLE_FILE",
            message=f"无法作为Excel工作簿读取（{type(problem).__name__}），"
            "请用Excel另存为.xlsx后重新提交",
        )
    program = program_for_sheets(workbook.sheet_names)
    if program is None:
        return RawWorkbook(path, sha, error="UNRECOGNISED_FILE", message=_expected_sheets())
    try:
        sheets = {s.name: read_sheet(workbook, s) for s in program.sheets}
    except UnusableSheet as problem:
        return RawWorkbook(path, sha, error="UNRECOGNISED_FILE", message=str(problem))
    return RawWorkbook(path, sha, program=program, sheets=sheets)


def _expected_sheets() -> str:
    names = "；".join(
        f"{p.title}：{'、'.join(s.name for s in p.sheets)}" for p in PROGRAMS.values()
    )
    return f"无法识别的工作簿：未找到任何申报模板的工作表。应包含的工作表为 {names}"


def read_sheet(workbook: CalamineWorkbook, spec: SheetSpec) -> pd.DataFrame:
    """The sheet's data rows under canonical headers, with Excel row numbers in `row`."""
    sheet = workbook.get_sheet_by_name(spec.name)
    cells = sheet.to_python(skip_empty_area=True)
    first_row = sheet.start[0] + 1 if sheet.start else 1
    wanted = {normalize_header(header): header for _, header, _, _ in spec.columns()}
    required = {normalize_header(h) for _, h, _, needed in spec.columns() if needed}
    header_at, positions = _find_header(cells, wanted, required, spec)
    width = max(positions.values()) + 1
    body = cells[header_at + 1 :]
    if any(len(row) < width for row in body):
        body = [row + [""] * (width - len(row)) for row in body]
    frame = pd.DataFrame(
        {wanted[key]: [r[i] for r in body] for key, i in positions.items()},
        dtype=object,
    )
    filled = ~pd.concat([blank_cells(frame[c]) for c in frame.columns], axis=1).all(axis=1)
    frame[ROW] = range(first_row + header_at + 1, first_row + header_at + 1 + len(body))
    return frame[filled].reset_index(drop=True)


def _find_header(
    cells: list[list[object]], wanted: dict[str, str], required: set[str], spec: SheetSpec
) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] = (-1, {})
    for number, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        for column, cell in enumerate(row):
            key = normalize_header(cell)
            if key in wanted and key not in positions:
                positions[key] = column
        if len(positions) > len(best[1]):
            best = (number, positions)
    missing = [wanted[k] for k in wanted if k in required and k not in best[1]]
    if best[0] < 0 or missing:
        raise UnusableSheet(
            f"工作表“{spec.name}”的前{HEADER_SEARCH_ROWS}行中找不到完整的表头，"
            f"缺少列：{'、'.join(missing) or '全部'}。请使用系统模板填写"
        )
    return best


@dataclass(frozen=True)
class References:
    """Reference lists by sheet name: the cleaned keys (credit codes or ID numbers) of each."""

    lists: dict[str, frozenset[str]]
    sha256: dict[str, str]

    def keys(self, sheet: str) -> frozenset[str]:
        if sheet not in self.lists:
            raise MissingReference(sheet)
        return self.lists[sheet]


class MissingReference(LookupError):
    """A programme needs a reference list that the reference folder does not hold."""

    def __str__(self) -> str:
        return f"参考名单目录中没有找到“{self.args[0]}”工作表，无法审核依赖它的项目"


def read_references(folder: Path | None) -> References:
    """Every recognised reference list in the folder's workbooks (sheet names per SPEC §3)."""
    lists: dict[str, set[str]] = {}
    hashes: dict[str, str] = {}
    for path in list_workbooks([folder]) if folder else []:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            spec = REFERENCE_SHEETS.get(name)
            if spec is None:
                continue
            raw = read_sheet(workbook, spec)
            key_header = spec.columns()[0][1]
            keys = clean_code(raw[key_header]).values.dropna()
            lists.setdefault(name, set()).update(keys)
            hashes[path.name] = file_sha256(path)
    return References({k: frozenset(v) for k, v in lists.items()}, hashes)


def list_workbooks(inputs: list[Path]) -> list[Path]:
    """Files named on the command line, and the workbooks inside named folders, sorted by name."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(
                p
                for p in item.iterdir()
                if p.is_file()
                and p.suffix.lower() in WORKBOOK_SUFFIXES
                and not p.name.startswith(("~$", "."))
            )
        else:
            found.append(item)
    return sorted(set(found), key=lambda p: (p.name, str(p)))
