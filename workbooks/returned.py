"""Returned applications (退回): the applicant's own workbook, each rejected or held cell marked.

Every cell to correct (or the whole row, where no single cell is at fault) is filled red for
不予受理 or yellow for 待复核 and carries its reasons as a Chinese comment; a first sheet
`退回说明` lists every problem. Columns are found as the reader finds them. Nothing written is a
formula: a formula in the applicant's file becomes its cached value, and text that Excel would
take for one (`=…`, `+…`, `-…`, `@…`) is stored as text with the quote prefix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineSheet, CalamineWorkbook, SheetVisibleEnum

from policy.catalogue import PROGRAMS
from policy.outcomes import HELD, REASONS, REJECTED
from policy.screening import RISKS
from validators.cleaning import normalize_header
from validators.registered_checks import CHECK_MESSAGES, CHECK_REASONS
from validators.sheets import SheetSpec
from workbooks.print_setup import page_header, set_page_setup
from workbooks.reader import HEADER_SEARCH_ROWS, UnusableSheet, find_header
from workbooks.styling import (
    FORMULA_PREFIXES,
    HEADER_FILL,
    HEADER_FONT,
    LINE_HEIGHT,
    Column,
    display_width,
    set_value,
    workbook_bytes,
    write_table,
)

RETURNED_SHEET = "退回说明"
AUTHOR = "人社部门审核"
OUTCOME_TEXT = {REJECTED: "不予受理", HELD: "待复核"}
FILLS = {
    REJECTED: PatternFill("solid", fgColor="FFC7CE"),
    HELD: PatternFill("solid", fgColor="FFEB9C"),
}
WHOLE_ROW = "整行"
QUALIFY_HEADER = "如何符合条件"  # SPEC §2 "what would make it eligible"
SUMMARY_COLUMNS = [
    *map(Column, ("工作表", "行号", "列", "结果")),
    Column("说明", width=40, wrap=True),
    Column(QUALIFY_HEADER, width=36, wrap=True),
    Column("原因代码"),  # for machines: outside the print area (SPEC §4)
]
HELD_TEXT = "正在复核，无需修改"
NOTICE_TITLE = "申请材料退回通知"


@dataclass(frozen=True)
class Issuer:
    """Who returns the application, when, and whom the applicant asks (the notice's heading)."""

    department: str = "山东省人力资源和社会保障厅"
    day: str = ""  # 审核基准日, as the batch decided on it
    contact: str = "受理申请的人社部门"


# A bureau's bulk workbook (over a thousand rows; one enterprise's application is far smaller)
# comes back as the rows to correct only, at their own row numbers: copying a 70k-row workbook
# whole through openpyxl takes about 25 s, the extract under 2 s.
EXTRACT_ABOVE_ROWS = 1_000
COMMENT_WIDTH = 320  # pixels; about 40 CJK characters a line
EXPLANATION_WIDTH = 40  # the 退回说明 column of an applicant's sheet
WIDEST_COLUMN = 24

# Rule reasons name no column in their message: the columns an applicant would correct. Those
# not in the applicant's sheet are passed over (复工复产日期 lives on 企业信息, 就业结束日期 is
# optional); with none left, the whole row is marked.
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "UNKNOWN_ENTERPRISE": ("统一社会信用代码",),
    "SIZE_MISMATCH": ("企业规模",),
    "SR_DISHONEST": ("统一社会信用代码",),
    "SR_INSURED_MONTHS": ("连续参保缴费月数",),
    "SR_LAYOFF_RATE": ("上年度裁员人数", "上年末参保职工人数"),
    "SFP_NOT_KEY_ENTERPRISE": ("统一社会信用代码",),
    "SFP_DAYS_EXCEED_WINDOW": ("出勤天数",),
    "SFP_OVERLAP": ("到岗开始日期", "到岗结束日期"),
    "NH_RESUME_DATE": ("复工复产日期",),
    "NH_HIRE_DATE": ("入职日期",),
    "NH_NO_CONTRACT": ("是否签订劳动合同",),
    "NH_NOT_INSURED": ("是否参加社会保险",),
    "CQ_NOT_CHONGQING": ("身份证号",),
    "CQ_NOT_REGISTERED": ("身份证号",),
    "CQ_TOO_SHORT": ("就业开始日期", "就业结束日期"),
    "CR_EXCLUDED_UNIT": ("单位类型",),
    "DF_NO_HARDSHIP": ("受疫情影响生产经营困难",),
    "DF_EXCLUDED_UNIT": ("单位类型",),
    "DF_PERIOD": ("缓缴起始所属期", "缓缴终止所属期"),
    "CARD_CHECKSUM": ("银行卡号",),
}
# Rule reasons caused by a cell of another sheet: the header there, and the column both sheets
# share that finds the row (a new hire's enterprise by its credit code on 企业信息).
ELSEWHERE: dict[str, tuple[str, str]] = {
    "NH_RESUME_DATE": ("复工复产日期", "统一社会信用代码"),
}
# Reasons about the row as a whole: a repeat, a claim held elsewhere, a reviewer's refusal.
ROW_LEVEL = frozenset(
    {
        "DUPLICATE_ROW",
        "DUPLICATE_CLAIM",
        "REVIEW_REJECTED",
        "REVIEW_RESUBMITTED",
        "CLAIM_PENDING",
        *RISKS,  # screening before payment: held for the department, never a cell to correct
    }
)
# A risk's evidence (a death list's date, another party's account) is the department's: the
# applicant reads the risk's reason alone.
RISK_EVIDENCE = "风险核查："
# What the applicant reads for a risk hold: not which risk (a worker's death or prison term, a
# third party's account are not the applicant's to learn from us).
RISK_TEXT = "暂缓发放，正在复核"
# Validation reasons: their message names the column, `<header>：<text>` (validators.validate).
BY_MESSAGE = frozenset(
    {"INVALID_CREDIT_CODE", "INVALID_ID_NUMBER", "INVALID_CITY", "INVALID_VALUE", "MISSING_VALUE"}
)
# A validation text gives its code as validators.validate chose it: any text it does not name
# (unreadable cells, negative amounts, unknown checks) is INVALID_VALUE there too.
_TEXT_CODES = {
    text: CHECK_REASONS.get(check, "INVALID_VALUE") for check, text in CHECK_MESSAGES.items()
}
_TEXT_CODES[REASONS["MISSING_VALUE"]] = "MISSING_VALUE"


@dataclass(frozen=True)
class Problem:
    """One thing to correct: a cell (its canonical `header`) or a whole row (`header` empty)."""

    sheet: str
    row: int
    header: str
    outcome: str
    code: str
    detail: str = ""
    cause: bool = False  # the cell of another sheet that caused a row's outcome, not a row decided
    qualify: str = ""  # what would make the row eligible (SPEC §2), for a rejected row

    @property
    def text(self) -> str:
        """The reason in Chinese only (SPEC §4: no code on an applicant's paper)."""
        if self.code in RISKS:
            return RISK_TEXT
        reason = REASONS.get(self.code, "其他原因")
        return f"{reason}：{self.detail}" if self.detail not in ("", reason) else reason

    @property
    def coded(self) -> str:
        """The reason with its code, for a cell's comment (on screen, never printed)."""
        if self.code in RISKS:  # the code itself would tell (a death, a prison term)
            return RISK_TEXT
        reason = REASONS.get(self.code, self.code)
        shown = f"{reason}（{self.code}）"
        return f"{shown}：{self.detail}" if self.detail not in ("", reason) else shown


def returned_name(file_name: str) -> str:
    """The returned copy's name: `稳岗返还申请.xls` → `稳岗返还申请-退回.xlsx`; a file from a
    subfolder keeps it (`济南/稳岗返还申请.xlsx` → `济南/稳岗返还申请-退回.xlsx`)."""
    path = Path(file_name)
    return path.with_name(f"{path.stem}-退回.xlsx").as_posix()


def returned_workbook(
    path: Path, problems: pd.DataFrame, program: str, issuer: Issuer | None = None
) -> bytes:
    """The applicant's workbook with its rejected and held rows marked, as repeatable bytes."""
    issuer = issuer or Issuer()
    specs = {spec.name: spec for spec in PROGRAMS[program].sheets}
    source = _LoadedOnce(CalamineWorkbook.from_path(str(path)))
    extract = _rows_in(source) > EXTRACT_ABOVE_ROWS
    if extract:
        keep = {str(s): {int(r) for r in rows} for s, rows in problems.groupby("sheet")["row"]}
        book = _legacy_copy(source, keep)
    elif path.suffix.lower() == ".xls":
        book = _legacy_copy(source)
    else:
        book = load_workbook(path, data_only=True)
    headers = {name: _header(source, spec) for name, spec in specs.items()}
    columns = {name: found for name, (_, found) in headers.items()}
    if "how_to_qualify" not in problems:
        problems = problems.assign(how_to_qualify="")
    decisions = problems[["sheet", "row", "outcome", "reason_codes", "message", "how_to_qualify"]]
    found = [
        problem
        for sheet, row, outcome, codes, message, qualify in decisions.itertuples(
            index=False, name=None
        )
        for problem in _problems_of(
            Problem(
                str(sheet),
                int(row),
                "",
                str(outcome),
                "",
                qualify=_text(qualify) if outcome == REJECTED else "",
            ),
            [c for c in _text(codes).split(";") if c],
            _text(message),
            specs.get(str(sheet)),
            columns.get(str(sheet), {}),
        )
    ]
    found = _with_causes_elsewhere(found, source, columns)
    summary: list[tuple[Problem, str]] = []
    for problem in found:
        where = columns.get(problem.sheet, {})
        if problem.sheet not in book.sheetnames or not where:
            summary.append((problem, "（工作簿中找不到该工作表或其表头，请使用系统模板）"))
        elif problem.header and problem.header not in where:
            summary.append((problem, f"（工作簿中没有“{problem.header}”列，请按模板补上该列）"))
        else:
            summary.append((problem, ""))
    marked = [p for p, note in summary if not note]
    _mark(book, marked, columns)
    _explain_rows(book, marked, {name: row for name, (row, _) in headers.items()})
    _add_summary(book, _text(path.name), summary, list(specs), extract, issuer)
    head = page_header(NOTICE_TITLE)
    for sheet in book.worksheets:
        _make_inert(sheet)
        if sheet.title != RETURNED_SHEET:  # 退回说明 has its own, set with its table
            _widen(sheet)
            set_page_setup(sheet, title_row=headers.get(sheet.title, (1, {}))[0], header=head)
    return workbook_bytes(book)


def _text(value: object) -> str:
    """A cell or field as text an .xlsx can hold (missing → empty, control characters dropped)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else ""


def _problems_of(
    decision: Problem,
    codes: list[str],
    message: str,
    spec: SheetSpec | None,
    present: dict[str, int],
) -> list[Problem]:
    """One decision's problems: the columns its message names, the rule map's columns that are
    `present` in the applicant's sheet, or else its whole row."""
    headers = {normalize_header(h): h for _, h, _, _ in spec.columns()} if spec else {}
    found: list[Problem] = []
    details: list[str] = []
    for segment in filter(None, message.split("；")):
        prefix, colon, text = segment.partition("：")
        header = headers.get(normalize_header(prefix)) if colon else None
        if header is None:
            if segment not in REASONS.values() and not segment.startswith(RISK_EVIDENCE):
                details.append(segment)
            continue
        code = _TEXT_CODES.get(text, "INVALID_VALUE")
        if code not in codes:
            code = next((c for c in codes if c in BY_MESSAGE), code)
        found.append(replace(decision, header=header, code=code, detail=text))
    rest = [c for c in codes if c not in {p.code for p in found}]
    for code in rest:
        # Free text beside the codes (与第5行重复, 申报为小型…, 复核意见) explains the last of them.
        detail = "；".join(details) if code == rest[-1] else ""
        named = [h for h in RULE_COLUMNS.get(code, ()) if h in present]
        found.extend(replace(decision, header=h, code=code, detail=detail) for h in named or [""])
    return found


def _with_causes_elsewhere(
    found: list[Problem], source: _LoadedOnce, columns: dict[str, dict[str, int]]
) -> list[Problem]:
    """Each problem caused by another sheet's cell, marked there too (an enterprise's
    复工复产日期 for its workers' rows); the row's own note points to that cell."""
    keys: dict[tuple[str, int], dict[int, str]] = {}

    def key_values(sheet: str, column: int) -> dict[int, str]:
        if (sheet, column) not in keys:
            keys[sheet, column] = _column_values(source, sheet, column)
        return keys[sheet, column]

    shown: list[Problem] = []
    for problem in found:
        header, key = ELSEWHERE.get(problem.code, ("", ""))
        own = columns.get(problem.sheet, {})
        cause_sheet = next(
            (n for n, c in columns.items() if header in c and key in c and n != problem.sheet),
            None,
        )
        if not header or header in own or key not in own or cause_sheet is None:
            shown.append(problem)
            continue
        value = key_values(problem.sheet, own[key]).get(problem.row, "")
        rows = [
            r for r, v in key_values(cause_sheet, columns[cause_sheet][key]).items() if v == value
        ]
        if not value or not rows:
            shown.append(problem)
            continue
        where = f"原因在“{cause_sheet}”第{rows[0]}行的“{header}”"
        shown.append(replace(problem, detail="；".join(filter(None, [problem.detail, where]))))
        caused = f"该单位在“{problem.sheet}”中的人员因此{OUTCOME_TEXT[problem.outcome]}"
        shown.append(
            replace(
                problem,
                sheet=cause_sheet,
                row=rows[0],
                header=header,
                detail=caused,
                cause=True,
                qualify="",
            )
        )
    return shown


def _column_values(source: _LoadedOnce, sheet_name: str, column: int) -> dict[int, str]:
    """Excel row → the column's text (trimmed, upper case) in one sheet of the source."""
    sheet = source.get_sheet_by_name(sheet_name)
    top, left = sheet.start or (0, 0)
    values = {}
    for row, cells in enumerate(sheet.to_python(skip_empty_area=True), start=top + 1):
        position = column - left - 1
        if 0 <= position < len(cells) and cells[position] not in ("", None):
            values[row] = str(cells[position]).strip().upper()
    return values


def _header(source: _LoadedOnce, spec: SheetSpec) -> tuple[int, dict[str, int]]:
    """The sheet's header as the reader finds it: its Excel row and each canonical header's
    Excel column (1-based); (1, {}) if there is none."""
    if spec.name not in source.sheet_names:
        return 1, {}
    sheet = source.get_sheet_by_name(spec.name)
    wanted = {normalize_header(h): h for _, h, _, _ in spec.columns()}
    try:
        cells = sheet.to_python(skip_empty_area=True, nrows=HEADER_SEARCH_ROWS)
        header_at, positions = find_header(cells, wanted, set(), spec)
    except UnusableSheet:
        return 1, {}
    top, left = sheet.start if sheet.start else (0, 0)
    return top + header_at + 1, {wanted[key]: left + 1 + index for key, index in positions.items()}


class _LoadedOnce:
    """A calamine workbook whose sheets are each read once (a read parses the whole sheet)."""

    def __init__(self, workbook: CalamineWorkbook) -> None:
        self.workbook = workbook
        self.sheet_names = workbook.sheet_names
        self.sheets_metadata = workbook.sheets_metadata
        self._sheets: dict[str, CalamineSheet] = {}

    def get_sheet_by_name(self, name: str) -> CalamineSheet:
        if name not in self._sheets:
            self._sheets[name] = self.workbook.get_sheet_by_name(name)
        return self._sheets[name]


def _rows_in(source: _LoadedOnce) -> int:
    return sum(source.get_sheet_by_name(name).height for name in source.sheet_names)


def _legacy_copy(source: _LoadedOnce, keep: dict[str, set[int]] | None = None) -> Workbook:
    """A fresh workbook holding the values at the same sheet names and positions: every row
    of an `.xls`, or (`keep`) only the title and header rows and the rows to correct."""
    book = Workbook()
    book.remove(book.active)
    for meta in source.sheets_metadata:
        target = book.create_sheet(meta.name)
        if meta.visible != SheetVisibleEnum.Visible:
            target.sheet_state = "hidden"
        sheet = source.get_sheet_by_name(meta.name)
        top, left = sheet.start or (0, 0)
        wanted = None if keep is None else keep.get(meta.name, set())
        for row, values in enumerate(sheet.to_python(skip_empty_area=True), start=top + 1):
            if wanted is not None and row > HEADER_SEARCH_ROWS and row not in wanted:
                continue
            for column, value in enumerate(values, start=left + 1):
                if value != "":
                    target.cell(row, column).value = (
                        _text(value) if isinstance(value, str) else value
                    )
    return book


def _mark(book: Workbook, problems: list[Problem], columns: dict[str, dict[str, int]]) -> None:
    """Fill each problem's cell (or row) by outcome; comment with its reasons, one a line."""
    notes: dict[Cell, list[str]] = {}
    for problem in problems:
        sheet, where = book[problem.sheet], columns[problem.sheet]
        if problem.header:
            spots = [where[problem.header]]
        else:
            spots = list(range(min(where.values()), max(where.values()) + 1))
        for column in spots:
            _anchor(sheet, problem.row, column).fill = FILLS[problem.outcome]
        noted = _anchor(sheet, problem.row, spots[0])
        # A merged cell's note sits on the range's first row: say which row it is about.
        text = _shown(problem)
        shown = text if noted.row == problem.row else f"第{problem.row}行：{text}"
        notes.setdefault(noted, []).append(shown)
    for cell, lines in notes.items():
        unique = list(dict.fromkeys(lines))
        wrapped = sum(math.ceil(display_width(line) / 40) for line in unique)
        cell.comment = Comment(
            "\n".join(unique), AUTHOR, height=24 + 18 * wrapped, width=COMMENT_WIDTH
        )


def _shown(problem: Problem) -> str:
    """What a marked cell's comment says: the reason with its code; for a row under the
    department's own review, first that there is nothing to correct."""
    return f"{HELD_TEXT}（{problem.coded}）" if problem.outcome == HELD else problem.coded


def _explain_rows(book: Workbook, problems: list[Problem], header_rows: dict[str, int]) -> None:
    """A 退回说明 column right of the applicant's table: each marked row's reasons, so that they
    print with the row (a cell comment does not print)."""
    by_sheet: dict[str, dict[int, list[str]]] = {}
    qualify: dict[tuple[str, int], str] = {}  # said after all the row's reasons
    for problem in problems:
        where = problem.header or WHOLE_ROW
        rows = by_sheet.setdefault(problem.sheet, {})
        shown = HELD_TEXT if problem.outcome == HELD else f"{where}：{problem.text}"
        rows.setdefault(problem.row, []).append(shown)
        if problem.qualify:
            qualify[problem.sheet, problem.row] = f"{QUALIFY_HEADER}：{problem.qualify}"
    for (name, row), said in qualify.items():
        by_sheet[name][row].append(said)
    for name, rows in by_sheet.items():
        sheet = book[name]
        column = sheet.max_column + 1
        header = sheet.cell(header_rows.get(name, 1), column)
        set_value(header, RETURNED_SHEET)
        header.font, header.fill = HEADER_FONT, HEADER_FILL
        for row, lines in rows.items():
            cell = sheet.cell(row, column)
            text = "；".join(dict.fromkeys(lines))
            set_value(cell, text)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            # The row as tall as its reasons (nothing sizes rows when the file is opened).
            needed = math.ceil(display_width(text) * 1.15 / (EXPLANATION_WIDTH - 1))
            height = sheet.row_dimensions[row].height or LINE_HEIGHT
            sheet.row_dimensions[row].height = max(height, LINE_HEIGHT * needed)
        sheet.column_dimensions[get_column_letter(column)].width = EXPLANATION_WIDTH


def _widen(sheet: Worksheet) -> None:
    """Columns as wide as their values (up to a limit), so that a marked value prints whole
    instead of as ###."""
    needed: dict[int, float] = {}
    for cell in sheet._cells.values():  # the cells that exist
        if cell.value is not None and not isinstance(cell, MergedCell):
            if hasattr(cell.value, "isoformat"):  # a date shows as its cell's format says
                pattern = str(cell.number_format).replace("\\", "")
                width = min(max(12, display_width(pattern) + 4), WIDEST_COLUMN)
            else:
                width = min(display_width(str(cell.value)) + 2, WIDEST_COLUMN)
            needed[cell.column] = max(needed.get(cell.column, 0), width)
    for column, width in needed.items():
        dimension = sheet.column_dimensions[get_column_letter(column)]
        if dimension.width is None or dimension.width < width:
            dimension.width = width


def _anchor(sheet: Worksheet, row: int, column: int) -> Cell:
    """The cell itself, or the top-left cell of the merged range it lies in."""
    cell = sheet.cell(row, column)
    if isinstance(cell, MergedCell):
        merged = next(r for r in sheet.merged_cells.ranges if cell.coordinate in r)
        return sheet.cell(merged.min_row, merged.min_col)
    return cell


def _add_summary(
    book: Workbook,
    file_name: str,
    summary: list[tuple[Problem, str]],
    order: list[str],
    extract: bool,
    issuer: Issuer,
) -> None:
    """The first, active sheet: the notice's heading, counts, what to do, one line per (row,
    column) problem to correct, and apart from them the rows the department is still reviewing
    (nothing to correct there)."""
    sheet = book.create_sheet(RETURNED_SHEET, 0)
    rows = {(p.sheet, p.row): p.outcome for p, _ in summary if not p.cause}
    counted = list(rows.values())
    lines = [
        NOTICE_TITLE,
        f"发文单位：{issuer.department}" + (f"　　审核基准日：{issuer.day}" if issuer.day else ""),
        f"咨询：{issuer.contact}",
        f"文件：{file_name}",
        f"{counted.count(REJECTED)} 行不予受理，须修改后重新提交；"
        f"{counted.count(HELD)} 行{HELD_TEXT}（本部门复核后另行通知）。",
        "请按下表修改红色标出的单元格（鼠标移到单元格上可查看原因），修改后重新提交。",
    ]
    if extract:
        lines.append(
            f"原工作簿超过 {EXTRACT_ABOVE_ROWS} 行：本副本只保留表头和需更正的行，行号与原表一致；"
            "请在原工作簿中修改这些行后重新提交。"
        )
    for number, line in enumerate(lines, start=1):
        set_value(sheet.cell(number, 1), line)
    grouped: dict[tuple[str, int, str], list[tuple[Problem, str]]] = {}
    held: dict[tuple[str, int, str], list[tuple[Problem, str]]] = {}
    for item in summary:
        into = held if item[0].outcome == HELD else grouped
        into.setdefault((item[0].sheet, item[0].row, item[0].header), []).append(item)
    rank = {name: i for i, name in enumerate(order)}
    said: set[tuple[str, int]] = set()  # a row's 如何符合条件 on its first line only
    table = []
    for (sheet_name, row, header), items in sorted(
        grouped.items(), key=lambda g: (rank.get(g[0][0], len(rank)), g[0][0], g[0][1])
    ):
        qualify = next((p.qualify for p, _ in items if p.qualify), "")
        if (sheet_name, row) in said:
            qualify = ""
        elif qualify:
            said.add((sheet_name, row))
        table.append(
            [
                sheet_name,
                row,
                header or WHOLE_ROW,
                OUTCOME_TEXT.get(items[0][0].outcome, items[0][0].outcome),
                "；".join(dict.fromkeys(p.text + note for p, note in items)),
                qualify,
                ";".join(dict.fromkeys(p.code for p, _ in items)),
            ]
        )
    start = len(lines) + 2
    write_table(sheet, SUMMARY_COLUMNS, table, start_row=start)
    if held:
        below = start + len(table) + 2
        set_value(sheet.cell(below, 1), f"以下各行{HELD_TEXT}：")
        reviewed = sorted(
            {(name, row) for name, row, _ in held}, key=lambda k: (rank.get(k[0], len(rank)), k)
        )
        for offset, (name, row) in enumerate(reviewed, start=1):
            for column, value in enumerate((name, row, WHOLE_ROW, HELD_TEXT), start=1):
                set_value(sheet.cell(below + offset, column), value)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    set_page_setup(
        sheet,
        title_row=start,
        header=page_header(NOTICE_TITLE),
        last_column=len(SUMMARY_COLUMNS) - 1,
    )
    for other in book.worksheets:
        other.sheet_view.tabSelected = other is sheet
    book.active = 0
    if book.views:
        book.views[0].firstSheet = 0


def _make_inert(sheet: Worksheet) -> None:
    """Text Excel would read as a formula stays text, even after an edit in Excel."""
    for cell in list(sheet._cells.values()):  # the cells that exist (iter_rows would add blanks)
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True
