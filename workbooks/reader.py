"""Read applications, reference lists and contribution records (`.xlsx`, `.xls`) with calamine.

This is the only place that opens an input workbook. It recognises the programme by sheet
names, finds the header row within the first rows, maps messy headers onto the canonical ones,
drops empty rows, and keeps the row number Excel shows. A file it cannot use is returned with
an error code and a Chinese message instead of raising, so the run goes on with the others.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from ledger.outputs import file_sha256
from policy.catalogue import CATALOGUE, for_sheets
from policy.programme import Programme
from policy.refusal import Refusal
from validators.cleaning import LOST_DIGITS_MESSAGE, blank_cells, clean_code, normalize_header
from validators.sheets import RECORDS_SHEET, REFERENCE_SHEETS, SheetSpec
from validators.validate import ROW

HEADER_SEARCH_ROWS = 10
MAX_FILE_BYTES = 200 * 1024 * 1024
# Limits checked on the zip's directory and each sheet's declared dimension before calamine
# reads anything: a few-megabyte "decompression bomb" must not take the machine's memory.
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 400
MAX_SHEET_ROWS = 1_048_576
MAX_CELLS = 40_000_000
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+(\d+)(?::([A-Z]+)(\d+))?"')
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class RawWorkbook:
    """One application file as read: its programme and raw sheets, or why it could not be used."""

    path: Path
    sha256: str
    program: Programme | None = None
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    error: str | None = None
    message: str = ""


class UnusableSheet(Exception):
    """A sheet whose header row could not be matched to its template (or is ambiguous)."""

    def __init__(self, message: str, code: str = "UNRECOGNISED_FILE") -> None:
        super().__init__(message)
        self.code = code


def read_application(path: Path) -> RawWorkbook:
    """Read one application workbook; errors come back as data, never as exceptions."""
    sha = file_sha256(path)
    workbook = _open(path, sha)
    if isinstance(workbook, RawWorkbook):
        return workbook
    program = for_sheets(workbook.sheet_names)
    if program is None:
        return RawWorkbook(path, sha, error="UNRECOGNISED_FILE", message=_expected_sheets())
    return _read_sheets(workbook, RawWorkbook(path, sha, program=program), program.sheets)


def read_records(inputs: list[Path]) -> list[RawWorkbook]:
    """The contribution-record workbooks (sheet 参保缴费记录, SPEC §7) among these files and
    folders; each unusable one comes back with its error code and message, never raised."""
    found = []
    for path in list_workbooks(inputs):
        sha = file_sha256(path)
        workbook = _open(path, sha)
        if isinstance(workbook, RawWorkbook):
            found.append(workbook)
        elif RECORDS_SHEET.name not in workbook.sheet_names:
            message = f"无法识别的工作簿：未找到“{RECORDS_SHEET.name}”工作表"
            found.append(RawWorkbook(path, sha, error="UNRECOGNISED_FILE", message=message))
        else:
            found.append(_read_sheets(workbook, RawWorkbook(path, sha), (RECORDS_SHEET,)))
    return found


class WorkbookRefused(ValueError):
    """A workbook not opened: too large (`FILE_TOO_LARGE`), encrypted (`ENCRYPTED_FILE`) or not
    readable as a workbook (`UNREADABLE_FILE`); the message is one Chinese sentence."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


UNREADABLE_MESSAGE = (
    "无法作为Excel工作簿读取：文件可能已损坏、传输不完整或并非Excel格式，"
    "请用Excel打开并另存为.xlsx后重新提交"
)


def open_workbook(source: Path | bytes) -> CalamineWorkbook:
    """Any workbook this system reads (applications, reference lists, reviewed ledgers, bank
    returns, account corrections), opened only after the size guards: the file's size, its zip
    directory and its sheets' declared dimensions. Raises `WorkbookRefused`."""
    try:
        size = len(source) if isinstance(source, bytes) else source.stat().st_size
    except OSError as problem:
        raise WorkbookRefused("文件不存在或无法打开", "UNREADABLE_FILE") from problem
    if size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise WorkbookRefused(f"文件超过{limit}MB上限，请拆分后重新提交", "FILE_TOO_LARGE")
    too_large = _unpacked_too_large(io.BytesIO(source) if isinstance(source, bytes) else source)
    if too_large:
        raise WorkbookRefused(too_large, "FILE_TOO_LARGE")
    try:
        if isinstance(source, bytes):
            return CalamineWorkbook.from_filelike(io.BytesIO(source))
        return CalamineWorkbook.from_path(str(source))
    except PasswordError as problem:
        raise WorkbookRefused(
            "工作簿设有打开密码，请取消密码后重新提交", "ENCRYPTED_FILE"
        ) from problem
    except (CalamineError, OSError, ValueError) as problem:
        # The library's error names nothing a clerk can act on (SPEC §4: Chinese only).
        raise WorkbookRefused(UNREADABLE_MESSAGE, "UNREADABLE_FILE") from problem


def _open(path: Path, sha: str) -> CalamineWorkbook | RawWorkbook:
    """The workbook opened, or the file reported as too large, encrypted or unreadable."""
    try:
        return open_workbook(path)
    except WorkbookRefused as refused:
        return RawWorkbook(path, sha, error=refused.code, message=str(refused))


def _read_sheets(
    workbook: CalamineWorkbook, found: RawWorkbook, specs: tuple[SheetSpec, ...]
) -> RawWorkbook:
    """`found` with these sheets read, or with why they cannot be used (no data is an error)."""
    try:
        sheets = {s.name: read_sheet(workbook, s) for s in specs}
    except UnusableSheet as problem:
        return replace(found, error=problem.code, message=str(problem))
    if all(frame.empty for frame in sheets.values()):
        return replace(
            found,
            error="EMPTY_FILE",
            message="工作簿只有表头、没有任何数据行，请填写申报数据后重新提交",
        )
    return replace(found, sheets=sheets)


def _unpacked_too_large(source: Path | IO[bytes]) -> str | None:
    """Why an .xlsx would be too big once unpacked (its zip directory and sheet dimensions
    say so before anything is inflated), or None. Files that are not zips pass through."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        return None
    with archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)
        if unpacked > MAX_UNCOMPRESSED_BYTES:
            return (
                f"文件解压后约 {unpacked // 2**20} MB，超过 {MAX_UNCOMPRESSED_BYTES // 2**20} MB"
                "上限（可能是异常构造的文件），请拆分或另存后重新提交"
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 2**20 and ratio > MAX_COMPRESSION_RATIO:
                return "文件压缩比异常（疑似“解压炸弹”），已拒绝读取；请用Excel另存后重新提交"
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                try:
                    with archive.open(member) as sheet:
                        head = sheet.read(4096)
                except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError):
                    return None  # let the reader report the damage
                rows, cells = _declared_size(head)
                if rows > MAX_SHEET_ROWS:
                    return f"工作表声明 {rows} 行，超过 Excel 的 {MAX_SHEET_ROWS} 行上限，请拆分后重新提交"
                if cells > MAX_CELLS:
                    return f"工作表声明约 {cells} 个单元格，超过 {MAX_CELLS} 个的上限，请拆分后重新提交"
    return None


def _declared_size(head: bytes) -> tuple[int, int]:
    """Rows and cells a sheet's `<dimension ref="A1:Z9">` declares (0, 0 when absent)."""
    found = _DIMENSION.search(head)
    if not found or not found.group(3):
        return (0, 0)
    rows = int(found.group(3))
    columns = 0
    for letter in found.group(2).decode():
        columns = columns * 26 + ord(letter) - 64
    return rows, rows * columns


def _expected_sheets() -> str:
    names = "；".join(f"{p.title}：{'、'.join(s.name for s in p.sheets)}" for p in CATALOGUE)
    return f"无法识别的工作簿：未找到任何申报模板的工作表。应包含的工作表为 {names}"


def read_sheet(workbook: CalamineWorkbook, spec: SheetSpec) -> pd.DataFrame:
    """The sheet's data rows under canonical headers, with Excel row numbers in `row`."""
    sheet = workbook.get_sheet_by_name(spec.name)
    cells = sheet.to_python(skip_empty_area=True)
    first_row = sheet.start[0] + 1 if sheet.start else 1
    wanted = {normalize_header(header): header for _, header, _, _ in spec.columns()}
    required = {normalize_header(h) for _, h, _, needed in spec.columns() if needed}
    header_at, positions = find_header(cells, wanted, required, spec)
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


def find_header(
    cells: list[list[object]], wanted: dict[str, str], required: set[str], spec: SheetSpec
) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] = (-1, {})
    for number, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        for column, cell in enumerate(row):
            key = normalize_header(cell)
            if key in wanted and key in positions:
                raise UnusableSheet(
                    f"工作表“{spec.name}”的表头“{wanted[key]}”出现两次（第{positions[key] + 1}列"
                    f"和第{column + 1}列），无法确定使用哪一列；请删除重复的列后重新提交",
                    code="DUPLICATE_HEADER",
                )
            if key in wanted:
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
    """Reference lists by sheet name: the cleaned keys (credit codes or ID numbers) of each,
    and the lists that could not be used, each with why and where it was looked for (SPEC §3:
    a missing list is never read as an empty one)."""

    lists: dict[str, frozenset[str]]
    sha256: dict[str, str]
    missing: dict[str, str] = field(default_factory=dict)

    def keys(self, sheet: str) -> frozenset[str]:
        if sheet not in self.lists:
            raise MissingReference(sheet, self.why_missing(sheet))
        return self.lists[sheet]

    def why_missing(self, sheet: str) -> str:
        """Why a list is not usable, in Chinese; empty when it is."""
        if sheet in self.lists:
            return ""
        return self.missing.get(sheet, f"参考名单文件夹中没有“{sheet}”工作表")


class MissingReference(Refusal, LookupError):
    """A programme needs a reference list that the reference folder does not hold."""

    def __str__(self) -> str:
        why = self.args[1] if len(self.args) > 1 else ""
        return f"缺少参考名单“{self.args[0]}”：{why or '未找到'}，无法审核依赖它的项目"


def read_references(folder: Path | None) -> References:
    """Every recognised reference list in the folder's workbooks (sheet names per SPEC §3).

    A list is missing when no workbook holds it, when two do (which one counts is a guess),
    when its workbook cannot be read, or when the folder does not exist; an empty list (its
    header, no rows) is a valid list. Nothing raises: the programmes that need a missing list
    are stopped by the run, the others decided."""
    if folder is None:
        return References({}, {}, dict.fromkeys(REFERENCE_SHEETS, "未指定参考名单文件夹"))
    if not folder.is_dir():
        return References(
            {}, {}, dict.fromkeys(REFERENCE_SHEETS, f"参考名单文件夹 {folder} 不存在")
        )
    lists: dict[str, frozenset[str]] = {}
    hashes: dict[str, str] = {}
    found: dict[str, list[str]] = {}
    damaged: dict[str, str] = {}
    unreadable: list[str] = []
    for path in list_inputs([folder]).workbooks:
        try:
            workbook = open_workbook(path)
            names = [n for n in workbook.sheet_names if n in REFERENCE_SHEETS]
            read = {name: read_sheet(workbook, REFERENCE_SHEETS[name]) for name in names}
        except (CalamineError, PasswordError, UnusableSheet, OSError, ValueError):
            unreadable.append(path.name)
            continue
        for name, raw in read.items():
            found.setdefault(name, []).append(path.name)
            key_header = REFERENCE_SHEETS[name].columns()[0][1]
            keys = clean_code(raw[key_header])
            lists[name] = frozenset(keys.values.dropna())
            hashes[path.name] = file_sha256(path)
            if keys.unreadable.any():
                rows = "、".join(str(r) for r in raw.loc[keys.unreadable, ROW].head(5))
                damaged[name] = f"{path.name} 第{rows}行的“{key_header}”{LOST_DIGITS_MESSAGE}"
    missing: dict[str, str] = {}
    for name in REFERENCE_SHEETS:
        where = found.get(name, [])
        if name in damaged and len(where) == 1:
            # A damaged key could match another person or enterprise, or hide a listed one.
            del lists[name]
            missing[name] = damaged[name]
        elif len(where) > 1:
            del lists[name]
            missing[name] = (
                f"“{name}”出现在 {folder} 的 {len(where)} 个工作簿中（{'、'.join(where)}），"
                "无法确定以哪一份为准"
            )
        elif not where:
            missing[name] = f"在 {folder} 中没有找到“{name}”工作表" + (
                f"（其中 {'、'.join(unreadable)} 无法读取）" if unreadable else ""
            )
    return References(lists, hashes, missing)


@dataclass(frozen=True)
class Listing:
    """What input folders and files hold (SPEC §3): the workbooks to read, each with the name
    it is reported by (its path under the folder named); the files that are not workbooks
    (`UNSUPPORTED_FILE`); and how many Office owner files and hidden files were passed over."""

    workbooks: list[Path]
    names: dict[Path, str]
    unsupported: list[Path]
    ignored: int
    absent: list[Path] = field(default_factory=list)  # named, but neither a file nor a folder


def list_inputs(
    inputs: list[Path], skip: tuple[str, ...] = (), aside: tuple[Path, ...] = ()
) -> Listing:
    """Files named, and everything inside folders named (recursively, but not their
    subfolders named in `skip`, such as an inbox's `archive`, nor the folders `aside`, such as
    the run's own reference folder kept beside the applications), sorted by reported name."""
    kept_apart = [folder.resolve() for folder in aside]
    named: dict[Path, str] = {}
    ignored = 0
    absent = []
    for item in inputs:
        if not item.exists():
            absent.append(item)
            continue
        if not item.is_dir():
            named[item] = item.name
            continue
        for path in item.rglob("*"):
            relative = path.relative_to(item)
            if relative.parts[0] in skip or not path.is_file():
                continue
            if any(path.resolve().is_relative_to(folder) for folder in kept_apart):
                continue
            if any(part.startswith(("~$", ".")) for part in relative.parts):
                ignored += 1
                continue
            named[path] = relative.as_posix()
    _disambiguate(named)
    ordered = sorted(named, key=lambda p: (named[p], str(p)))
    return Listing(
        [p for p in ordered if p.suffix.lower() in WORKBOOK_SUFFIXES],
        {p: named[p] for p in ordered},
        [p for p in ordered if p.suffix.lower() not in WORKBOOK_SUFFIXES],
        ignored,
        absent,
    )


def _disambiguate(named: dict[Path, str]) -> None:
    """Files named alike (two bureaus' 稳岗返还申请.xlsx given one by one) are named by their
    paths under the folder they share instead, so that every file keeps its own name."""
    counts: dict[str, int] = {}
    for name in named.values():
        counts[name] = counts.get(name, 0) + 1
    alike = [p for p, name in named.items() if counts[name] > 1]
    if alike:
        shared = Path(os.path.commonpath([p.resolve().parent for p in alike]))
        for path in alike:
            named[path] = path.resolve().relative_to(shared).as_posix()


def list_workbooks(inputs: list[Path]) -> list[Path]:
    """The workbooks among the files and folders named (see `list_inputs`)."""
    return list_inputs(inputs).workbooks
