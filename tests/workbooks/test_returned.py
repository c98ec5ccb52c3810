"""Returned applications: the applicant's own workbook, its failing cells marked and explained."""

from __future__ import annotations

import io
import re
import shutil
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from policy.catalogue import PROGRAMS
from policy.outcomes import REASONS
from policy.qualify import how_to_qualify
from tests.conftest import ACCEPTANCE, DATA
from tests.pipeline import decide
from validators.cleaning import normalize_header
from workbooks import returned
from workbooks.returned import (
    BY_MESSAGE,
    ROW_LEVEL,
    RULE_COLUMNS,
    returned_name,
    returned_workbook,
)

LEGACY = DATA / "special" / "鲁渝劳务协作补贴.xls"
COLOURS = {"FFC7CE": "rejected", "FFEB9C": "held"}
SUMMARY_HEADER = ("工作表", "行号", "列", "结果", "说明", "如何符合条件", "原因代码")
PROBLEM_COLUMNS = ["sheet", "row", "outcome", "reason_codes", "message"]


@pytest.fixture(scope="module")
def acceptance() -> dict[str, tuple[str, pd.DataFrame]]:
    """Each acceptance input file: its programme and its decisions from the real pipeline."""
    _, results = decide(ACCEPTANCE / "inputs", ACCEPTANCE / "reference")
    return {
        name: (result.program, part)
        for result in results
        for name, part in result.decisions.groupby("file")
    }


def _problems(decisions: pd.DataFrame) -> pd.DataFrame:
    problems = decisions[decisions["outcome"].isin(["rejected", "held"])]
    return problems.assign(how_to_qualify=how_to_qualify(problems))


def _headers(sheet: Worksheet, program: str) -> dict[int, str]:
    """Column number → canonical header, from the header row with the most matches."""
    wanted = {
        normalize_header(h): h for _, h, _, _ in PROGRAMS[program].sheet(sheet.title).columns()
    }
    rows = [
        {
            c.column: wanted[normalize_header(c.value)]
            for c in row
            if normalize_header(c.value) in wanted
        }
        for row in sheet.iter_rows(max_row=10)
    ]
    return max(rows, key=len)


def _marks(cell: Cell) -> str | None:
    """The outcome a cell's fill says (None: not marked)."""
    colour = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
    return COLOURS.get(str(colour)[-6:]) if colour else None


def _summary_rows(book: Workbook) -> list[tuple]:
    """The rows to correct (工作表, 行号, 列, 结果, 说明, 如何符合条件, 原因代码), then the rows held for the
    department's review, listed apart (工作表, 行号, 整行, 正在复核，无需修改)."""
    rows = list(book["退回说明"].iter_rows(values_only=True))
    start = rows.index(SUMMARY_HEADER)
    table = []
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        table.append(row[:7])
    held = []
    if any(row[0] == "以下各行正在复核，无需修改：" for row in rows):
        at = next(i for i, row in enumerate(rows) if row[0] == "以下各行正在复核，无需修改：")
        held = [row[:4] for row in rows[at + 1 :] if row[0] is not None]
    return table + held


def _assert_inert(data: bytes) -> None:
    """No formula in any sheet's XML, and every formula-like text keeps Excel's quote prefix."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)


def test_returned_name__always_xlsx_with_the_returned_suffix() -> None:
    assert returned_name("稳岗返还申请.xlsx") == "稳岗返还申请-退回.xlsx"
    assert returned_name("鲁渝劳务协作补贴.xls") == "鲁渝劳务协作补贴-退回.xlsx"
    assert returned_name("a.b.xlsm") == "a.b-退回.xlsx"


def test_rule_columns__every_reason_is_located_once_and_names_real_headers() -> None:
    kinds = [set(RULE_COLUMNS), set(ROW_LEVEL), set(BY_MESSAGE)]
    for code in REASONS:
        assert sum(code in kind for kind in kinds) == 1, code
    headers = {h for p in PROGRAMS.values() for s in p.sheets for _, h, _, _ in s.columns()}
    assert {h for named in RULE_COLUMNS.values() for h in named} <= headers


@pytest.mark.parametrize(
    "file_name", sorted(p.name for p in (ACCEPTANCE / "inputs").iterdir() if p.suffix == ".xlsx")
)
def test_returned_workbook__marks_exactly_the_rejected_and_held_rows_of_a_real_application(
    acceptance: dict[str, tuple[str, pd.DataFrame]], file_name: str
) -> None:
    program, decisions = acceptance[file_name]
    problems = _problems(decisions)
    assert len(problems)  # every acceptance file has something to return
    data = returned_workbook(ACCEPTANCE / "inputs" / file_name, problems, program)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "退回说明" and book.active.title == "退回说明"
    assert book.sheetnames[1:] == load_workbook(ACCEPTANCE / "inputs" / file_name).sheetnames
    assert [bool(s.sheet_view.tabSelected) for s in book.worksheets] == [True] + [False] * (
        len(book.worksheets) - 1
    )  # only 退回说明 selected, so Excel does not open with the sheets grouped

    by_row = {(d.sheet, d.row): d for d in problems.itertuples()}
    marked_rows = set()
    for name in decisions["sheet"].unique():
        sheet, headers = book[name], _headers(book[name], program)
        for row in sheet.iter_rows():
            for cell in row:
                outcome, comment = _marks(cell), cell.comment
                if outcome is None and comment is None:
                    continue
                decision = by_row[(name, cell.row)]  # approved rows are never marked
                assert outcome == decision.outcome
                marked_rows.add((name, cell.row))
                if comment is None:
                    continue
                assert comment.author == "人社部门审核"
                whole_row = all(_marks(sheet.cell(cell.row, c)) for c in headers)
                named = {s.partition("：")[0] for s in decision.message.split("；")}
                for code in re.findall(r"（([A-Z_]+)）", comment.text):
                    assert code in decision.reason_codes.split(";")
                    allowed = named | set(RULE_COLUMNS.get(code, ()))
                    assert headers[cell.column] in allowed or whole_row, (cell.coordinate, code)
    assert marked_rows == set(by_row)  # every problem row is marked in the applicant's sheet

    summary = _summary_rows(book)
    decided = set(decisions["sheet"])  # the others hold causes (an enterprise's 复工复产日期)
    assert {(r[0], r[1]) for r in summary if r[0] in decided} == set(by_row)
    for (name, row), decision in by_row.items():
        shown = [r for r in summary if r[:2] == (name, row)]
        if decision.outcome == "held":  # apart, with nothing to correct
            assert [r[3] for r in shown] == ["正在复核，无需修改"]
            continue
        listed = {c for r in shown for c in r[6].split(";")}
        assert listed == set(decision.reason_codes.split(";"))
        # What would make it eligible, once, on the row's first line (SPEC §2).
        assert [r[5] for r in shown if r[5]] == [decision.how_to_qualify]
        assert {r[3] for r in shown} == {"不予受理"}
        assert not any(re.search(r"[A-Z]{2,}_", str(r[4])) for r in shown)  # Chinese only
    counts = problems.groupby("outcome").size()
    assert book["退回说明"]["A5"].value == (
        f"{counts.get('rejected', 0)} 行不予受理，须修改后重新提交；"
        f"{counts.get('held', 0)} 行正在复核，无需修改（本部门复核后另行通知）。"
    )
    _assert_inert(data)


def test_returned_workbook__same_input_gives_the_same_bytes(
    acceptance: dict[str, tuple[str, pd.DataFrame]], monkeypatch: pytest.MonkeyPatch
) -> None:
    program, decisions = acceptance["稳岗返还申请.xlsx"]
    path = ACCEPTANCE / "inputs" / "稳岗返还申请.xlsx"
    first = returned_workbook(path, _problems(decisions), program)
    later = time.time() + 86_400  # a day on: zip entries and document times must not show it
    monkeypatch.setattr(time, "time", lambda: later)
    assert returned_workbook(path, _problems(decisions), program) == first


def _messy_workbook(path: Path) -> None:
    """A 稳岗返还 application as applicants send them: a hidden note sheet, title rows, the table
    starting in column B, headers with stray spaces and `(元)`, no 银行账号 column, a merged
    cell, text that looks like formulas, and two real formulas with the results Excel saved."""
    book = Workbook()
    notes = book.active
    notes.title, notes.sheet_state = "填表说明", "hidden"
    notes["A1"] = "=cmd|' /C calc'!A0"
    notes["A1"].data_type = "s"
    sheet = book.create_sheet("稳岗返还")
    sheet["B1"] = "2020年失业保险稳岗返还申请表"
    sheet.merge_cells("B1:K1")
    sheet["B2"] = "填报单位（盖章）："
    headers = [
        " 统一社会信用代码 ",
        "单位名称",
        "所属地市\u3000",
        "企业规模",
        "上年末参保职工人数",
        "上年度裁员人数",
        "连续参保缴费月数",
        "上年度单位缴纳失业保险费(元)",
        "上年度职工缴纳失业保险费 （元）",
        "开户银行",
    ]
    good = [
        "91370102MA3C4U1X1B",
        "恒丰化工有限公司",
        "济南",
        "小型",
        100,
        1,
        24,
        5000,
        2500,
        "工行",
    ]
    for column, header in enumerate(headers, start=2):
        sheet.cell(3, column, header)
    for row in range(4, 11):
        for column, value in enumerate(good, start=2):
            sheet.cell(row, column, value)
    sheet["C4"] = '=HYPERLINK("http://x","y")'
    sheet["K4"] = "@银行"
    sheet["H4"] = "-5"
    for cell in (sheet["C4"], sheet["K4"], sheet["H4"]):
        cell.data_type = "s"  # typed by the applicant: text, not a formula
    sheet.merge_cells("D7:D8")
    sheet["G10"] = "=1+1"
    sheet["K10"] = '="="&"SUM(1)"'
    book.views[0].firstSheet = 1  # the tab bar scrolled past the hidden note sheet
    buffer = io.BytesIO()
    book.save(buffer)
    _save_with_cached_results(
        buffer.getvalue(), path, {"G10": ("n", "2"), "K10": ("str", "=SUM(1)")}
    )


def _save_with_cached_results(data: bytes, path: Path, results: dict[str, tuple[str, str]]) -> None:
    """openpyxl saves formulas without results; add the ones Excel would have saved."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                for ref, (kind, value) in results.items():
                    content = re.sub(
                        rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>'.encode(),
                        rf'<c r="{ref}"\1 t="{kind}"><f>\2</f><v>{value}</v>'.encode(),
                        content,
                    )
            target.writestr(info, content)


MESSY_PROBLEMS = pd.DataFrame(
    [
        ("稳岗返还", 5, "rejected", "INVALID_CREDIT_CODE;MISSING_VALUE",
         "统一社会信用代码：应为18位且校验位正确（GB 32100）；银行账号：必填项为空"),
        ("稳岗返还", 6, "held", "SIZE_MISMATCH", "申报为小型，按划型标准（工业）测算为大型，待人工复核"),
        ("稳岗返还", 7, "rejected", "SR_LAYOFF_RATE", "裁员率超过标准"),
        ("稳岗返还", 8, "rejected", "MISSING_VALUE", "所属地市：必填项为空"),
        ("稳岗返还", 9, "rejected", "DUPLICATE_ROW", "与第5行重复"),
    ],
    columns=PROBLEM_COLUMNS,
)  # fmt: skip


def test_returned_workbook__marks_cells_under_messy_headers(tmp_path: Path) -> None:
    path = tmp_path / "稳岗返还申请.xlsx"
    _messy_workbook(path)
    book = load_workbook(
        io.BytesIO(returned_workbook(path, MESSY_PROBLEMS, "stabilization_refund"))
    )
    sheet = book["稳岗返还"]
    marked = {c.coordinate: _marks(c) for row in sheet.iter_rows() for c in row if _marks(c)}
    whole_row_9 = {f"{letter}9": "rejected" for letter in "BCDEFGHIJK"}
    # D8 lies in the merged D7:D8, so its mark and note go on D7.
    cells = {"B5": "rejected", "E6": "held", "F7": "rejected", "G7": "rejected", "D7": "rejected"}
    assert marked == cells | whole_row_9
    notes = {c.coordinate: c.comment.text for row in sheet.iter_rows() for c in row if c.comment}
    assert set(notes) == {"B5", "E6", "F7", "G7", "D7", "B9"}
    assert (
        notes["B5"]
        == "统一社会信用代码无效（INVALID_CREDIT_CODE）：应为18位且校验位正确（GB 32100）"
    )
    assert "申报为小型" in notes["E6"] and "SIZE_MISMATCH" in notes["E6"]
    assert notes["D7"] == "第8行：必填项为空（MISSING_VALUE）"
    assert notes["B9"] == "同一工作表内重复申报（DUPLICATE_ROW）：与第5行重复"
    summary = _summary_rows(book)
    absent = next(r for r in summary if r[2] == "银行账号")  # no column to mark: listed only
    assert absent[:4] + absent[6:] == ("稳岗返还", 5, "银行账号", "不予受理", "MISSING_VALUE")
    assert "没有“银行账号”列" in absent[4]
    to_correct = [r[1] for r in summary if r[3] == "不予受理"]
    assert to_correct == sorted(to_correct)
    assert [r[1:] for r in summary if r[3] != "不予受理"] == [(6, "整行", "正在复核，无需修改")]
    assert book["退回说明"].freeze_panes == "A9"
    assert book.views[0].firstSheet == 0  # the tab bar shows 退回说明  # below the header row


def test_returned_workbook__a_sheet_without_its_header_is_listed_not_marked(
    tmp_path: Path,
) -> None:
    book = Workbook()
    book.active.title = "稳岗返还"
    book.active["A1"] = "2020年失业保险稳岗返还申请表"
    book.save(tmp_path / "稳岗返还申请.xlsx")
    problems = pd.DataFrame(
        [("稳岗返还", 4, "rejected", "SIZE_MISMATCH", None, "申报规模填写为大型即无须人工复核")],
        columns=[*PROBLEM_COLUMNS, "how_to_qualify"],
    )
    data = returned_workbook(tmp_path / "稳岗返还申请.xlsx", problems, "stabilization_refund")
    book = load_workbook(io.BytesIO(data))
    sheet = book["稳岗返还"]
    assert not any(_marks(c) or c.comment for row in sheet.iter_rows() for c in row)
    ((*fields, note, qualify, code),) = _summary_rows(book)
    assert (fields, code) == (["稳岗返还", 4, "整行", "不予受理"], "SIZE_MISMATCH")
    assert qualify == "申报规模填写为大型即无须人工复核"
    assert "找不到该工作表或其表头" in note
    assert book["退回说明"]["A5"].value.startswith("1 行不予受理")


def test_returned_workbook__rule_columns_absent_from_the_sheet_are_passed_over(
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "鲁渝劳务协作"
    spec = PROGRAMS["chongqing_labor"].sheet("鲁渝劳务协作")
    sheet.append([h for _, h, _, _ in spec.columns() if h != "就业结束日期"])  # optional
    sheet.append(["500235197612191954", "周洋", "91370102204A2GH86E", "恒丰", "济南", "2020-05-10"])
    book.save(tmp_path / "鲁渝.xlsx")
    problems = pd.DataFrame(
        [("鲁渝劳务协作", 2, "rejected", "CQ_TOO_SHORT", "年度内在鲁稳定就业不足规定月数")],
        columns=PROBLEM_COLUMNS,
    )
    book = load_workbook(
        io.BytesIO(returned_workbook(tmp_path / "鲁渝.xlsx", problems, "chongqing_labor"))
    )
    sheet = book["鲁渝劳务协作"]
    assert {c.coordinate for row in sheet.iter_rows() for c in row if _marks(c)} == {"F2"}
    assert [r[2] for r in _summary_rows(book)] == ["就业开始日期"]


def test_returned_workbook__formulas_become_values_and_formula_like_text_stays_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "稳岗返还申请.xlsx"
    _messy_workbook(path)
    assert load_workbook(path)["稳岗返还"]["G10"].data_type == "f"  # a real formula went in
    data = returned_workbook(path, MESSY_PROBLEMS, "stabilization_refund")
    _assert_inert(data)
    book = load_workbook(io.BytesIO(data))
    sheet = book["稳岗返还"]
    assert sheet["G10"].value == 2
    assert sheet["K10"].value == "=SUM(1)"
    assert sheet["C4"].value == '=HYPERLINK("http://x","y")'
    assert (sheet["K4"].value, sheet["H4"].value) == ("@银行", "-5")
    assert book["填表说明"].sheet_state == "hidden"
    assert book["填表说明"]["A1"].value == "=cmd|' /C calc'!A0"


def test_returned_workbook__legacy_xls_becomes_an_annotated_xlsx(tmp_path: Path) -> None:
    shutil.copy(LEGACY, tmp_path / LEGACY.name)
    _, results = decide(tmp_path, ACCEPTANCE / "reference")
    (result,) = results
    problems = _problems(result.decisions)
    assert problems[["row", "reason_codes"]].values.tolist() == [[5, "CQ_TOO_SHORT"]]
    data = returned_workbook(LEGACY, problems, result.program)
    assert returned_workbook(LEGACY, problems, result.program) == data
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["退回说明", "鲁渝劳务协作"]
    sheet = book["鲁渝劳务协作"]
    assert (sheet["A3"].value, sheet["A5"].value) == ("身份证号", "500240196911029937")
    assert sheet["G5"].value == "2020/8/8"
    marked = {c.coordinate: _marks(c) for row in sheet.iter_rows() for c in row if _marks(c)}
    assert marked == {"F5": "rejected", "G5": "rejected"}
    assert "CQ_TOO_SHORT" in sheet["F5"].comment.text
    qualify = "2020 年内在鲁就业 2 个月，不足 3 个月：在鲁就业至 2020-08-09（满 3 个月）即符合"
    assert _summary_rows(book) == [
        ("鲁渝劳务协作", 5, "就业开始日期", "不予受理", "年度内在鲁稳定就业不足规定月数", qualify, "CQ_TOO_SHORT"),
        ("鲁渝劳务协作", 5, "就业结束日期", "不予受理", "年度内在鲁稳定就业不足规定月数", None, "CQ_TOO_SHORT"),
    ]  # fmt: skip
    # The row's own 退回说明 cell, printed with it, says it too.
    assert f"如何符合条件：{qualify}" in sheet.cell(5, sheet.max_column).value
    _assert_inert(data)


TYPED_TEXT = {"赵敏华": '=HYPERLINK("http://x","y")', "周洋": "+86 周洋"}


class _TamperedLegacy:
    """The legacy fixture as calamine reads it, but with formula-like text typed by applicants
    and its sheet hidden (the fixture has neither, and no .xls writer is a project dependency)."""

    def __init__(self) -> None:
        self.real = CalamineWorkbook.from_path(str(LEGACY))
        self.sheet_names = self.real.sheet_names
        self.sheets_metadata = [
            SimpleNamespace(name=name, visible=SheetVisibleEnum.Hidden) for name in self.sheet_names
        ]

    @classmethod
    def from_path(cls, _: str) -> _TamperedLegacy:
        return cls()

    def get_sheet_by_name(self, name: str) -> _TamperedLegacy:
        self.sheet = self.real.get_sheet_by_name(name)
        self.start, self.height = self.sheet.start, self.sheet.height
        return self

    def to_python(self, **options: object) -> list[list[object]]:
        cells = self.sheet.to_python(**options)
        return [[TYPED_TEXT.get(v, v) if isinstance(v, str) else v for v in row] for row in cells]


def test_returned_workbook__legacy_formula_like_text_stays_text_and_hidden_stays_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(returned, "CalamineWorkbook", _TamperedLegacy)
    problems = pd.DataFrame(
        [("鲁渝劳务协作", 5, "rejected", "CQ_TOO_SHORT", "年度内在鲁稳定就业不足规定月数")],
        columns=PROBLEM_COLUMNS,
    )
    data = returned_workbook(LEGACY, problems, "chongqing_labor")
    _assert_inert(data)
    book = load_workbook(io.BytesIO(data))
    sheet = book["鲁渝劳务协作"]
    assert (sheet.sheet_state, book.active.title) == ("hidden", "退回说明")
    assert (sheet["B4"].value, sheet["B5"].value) == ("+86 周洋", '=HYPERLINK("http://x","y")')


def test_returned_workbook__a_bulk_workbook_comes_back_as_its_rows_to_correct(
    acceptance: dict[str, tuple[str, pd.DataFrame]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(returned, "EXTRACT_ABOVE_ROWS", 10)
    program, decisions = acceptance["稳岗返还申请.xlsx"]
    problems = _problems(decisions)
    path = ACCEPTANCE / "inputs" / "稳岗返还申请.xlsx"
    book = load_workbook(io.BytesIO(returned_workbook(path, problems, program)))
    original = load_workbook(path)["稳岗返还"]
    sheet = book["稳岗返还"]
    kept = {row for row in range(1, sheet.max_row + 1) if any(c.value for c in sheet[row])}
    wanted = set(problems["row"])
    header_area = set(range(1, returned.HEADER_SEARCH_ROWS + 1))
    assert wanted <= kept <= wanted | header_area  # approved rows beyond the header area gone
    for row in wanted:  # each at its own row number, with the applicant's values
        *values, explanation = [c.value for c in sheet[row]]
        assert values == [c.value for c in original[row]][: len(values)]
        assert any(_marks(c) for c in sheet[row])
        assert "_" not in explanation and (
            "：" in explanation or explanation == "正在复核，无需修改"
        )
    assert "只保留表头和需更正的行" in str(book["退回说明"]["A7"].value)
    _assert_inert(returned_workbook(path, problems, program))


def test_returned_workbook__a_cause_on_another_sheet_is_marked_where_it_is(
    acceptance: dict[str, tuple[str, pd.DataFrame]],
) -> None:
    """A new hire rejected for NH_RESUME_DATE is caused by the enterprise's 复工复产日期 on
    企业信息: that cell is marked, and the worker's row says where the cause is."""
    program, decisions = acceptance["吸纳就业补贴申请.xlsx"]
    failing = _problems(decisions)
    resumed = failing[failing["reason_codes"] == "NH_RESUME_DATE"]
    assert len(resumed) == 3 and resumed["credit_code"].nunique() == 1
    data = returned_workbook(
        ACCEPTANCE / "inputs" / "吸纳就业补贴申请.xlsx", failing[PROBLEM_COLUMNS], program
    )
    book = load_workbook(io.BytesIO(data))
    enterprises = book["企业信息"]
    headers = _headers(enterprises, program)
    code_column = next(c for c, h in headers.items() if h == "统一社会信用代码")
    date_column = next(c for c, h in headers.items() if h == "复工复产日期")
    [row] = [
        r
        for r in range(1, enterprises.max_row + 1)
        if str(enterprises.cell(r, code_column).value).strip() == "91371602GB1B373D4G"
    ]
    cell = enterprises.cell(row, date_column)
    assert _marks(cell) == "rejected"
    assert "NH_RESUME_DATE" in cell.comment.text and "新招用人员" in cell.comment.text
    marked = {c.coordinate for r in enterprises.iter_rows() for c in r if _marks(c)}
    assert marked == {cell.coordinate}  # only the cause, not the enterprise's whole row
    workers = book["新招用人员"]
    for worker_row in resumed["row"]:
        notes = [c.comment.text for c in workers[int(worker_row)] if c.comment]
        assert any(f"原因在“企业信息”第{row}行的“复工复产日期”" in n for n in notes)
    listed = [r for r in _summary_rows(book) if r[0] == "企业信息"]
    assert [(r[1], r[2], r[6]) for r in listed] == [(row, "复工复产日期", "NH_RESUME_DATE")]


def test_returned_workbook__each_marked_row_says_why_in_a_column_that_prints(
    acceptance: dict[str, tuple[str, pd.DataFrame]],
) -> None:
    """Comments do not print: a 退回说明 column right of the applicant's table holds each marked
    row's reasons, and nothing on the other rows."""
    program, decisions = acceptance["稳岗返还申请.xlsx"]
    problems = _problems(decisions)
    data = returned_workbook(ACCEPTANCE / "inputs" / "稳岗返还申请.xlsx", problems, program)
    sheet = load_workbook(io.BytesIO(data))["稳岗返还"]
    headers = _headers(sheet, program)
    column = max(headers) + 1
    header_row = next(r for r in range(1, 11) if sheet.cell(r, min(headers)).value)
    header_row = next(r for r in range(1, 11) if sheet.cell(r, column).value)
    assert sheet.cell(header_row, column).value == "退回说明"
    explained = {
        r: sheet.cell(r, column).value
        for r in range(header_row + 1, sheet.max_row + 1)
        if sheet.cell(r, column).value
    }
    assert set(explained) == set(problems["row"])
    for decision in problems.itertuples():
        if decision.outcome == "held":  # the department's own review: nothing to correct
            assert explained[decision.row] == "正在复核，无需修改"
            continue
        for code in decision.reason_codes.split(";"):  # the reason in Chinese, no code
            assert REASONS[code] in explained[decision.row]
            assert code not in explained[decision.row]
    assert sheet.column_dimensions[sheet.cell(1, column).column_letter].width == 40
