"""Blank application templates, one workbook per programme, from the sheet schemas.

Each template's first sheet opens with its title and 填表说明, then the canonical headers
(optional columns marked `*` in the notes), identifier columns formatted as text so Excel keeps
every digit, and drop-downs for closed lists. `sample_inputs/` is made by filling these.
"""

from __future__ import annotations

import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ledger.outputs import write_atomic
from policy.catalogue import CATALOGUE
from policy.programme import Programme
from validators.checks import SHANDONG_CITIES
from validators.registered_checks import ENTERPRISE_SIZES, INDUSTRIES, UNIT_TYPES
from workbooks.corrections import FILE_NAME as CORRECTIONS_FILE
from workbooks.corrections import corrections_template
from workbooks.print_setup import page_header, set_page_setup
from workbooks.styling import HEADER_FILL, HEADER_FONT, display_width, workbook_bytes

TEXT_KINDS = {"code", "account", "text", "insurances"}
DROPDOWN_ROWS = 5000
CHOICES = {
    "所属地市": SHANDONG_CITIES,
    "企业规模": ENTERPRISE_SIZES,
    "单位类型": UNIT_TYPES,
    "行业门类": INDUSTRIES,
}
NOTES = [
    "请按模板填写，金额单位为元（营业收入、资产总额为万元），每行一条申报。",
    "日期可写作2020-02-15、2020/2/15、2020年2月15日或20200215；所属期可写作2020-03或2020年3月。",
    "是否类栏目填写“是”或“否”；费率可写作0.005或0.5%。",
    "统一社会信用代码、身份证号、银行账号请按文本填写，勿用科学计数法。",
    "带*的栏目为选填：填写行业门类、从业人员、营业收入（及建筑业、房地产、租赁业的资产总额）后，系统按划型标准核对企业规模。",
]


NOTE_ROWS = 1 + len(NOTES)  # the title and the notes, above the first sheet's header
HEADER_ROW = NOTE_ROWS + 2  # after a blank row: within the rows the reader searches


def template_workbook(program: Programme) -> Workbook:
    """A blank, formatted workbook for one programme: its title and 填表说明 above the first
    sheet's header (so that a sheet prints on one page with its notes), the header repeated on
    every printed page."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    title = f"{program.title}申报表"
    head = page_header(title)
    for number, spec in enumerate(program.sheets):
        sheet = workbook.create_sheet(spec.name)
        columns = list(spec.template_columns())
        header_row = HEADER_ROW if number == 0 else 1
        for index, (_, header, kind, required) in enumerate(columns, start=1):
            shown = header if required else f"{header}*"
            cell = sheet.cell(row=header_row, column=index, value=shown)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = _width(shown, kind)
            if kind in TEXT_KINDS:
                for row in range(header_row + 1, header_row + 201):
                    sheet.cell(row=row, column=index).number_format = "@"
            choices = CHOICES.get(header) or (("是", "否") if kind == "yes_no" else None)
            if choices:
                rule = DataValidation(
                    type="list", formula1='"' + ",".join(choices) + '"', allow_blank=not required
                )
                sheet.add_data_validation(rule)
                rule.add(f"{letter}{header_row + 1}:{letter}{DROPDOWN_ROWS}")
        if number == 0:
            _notes(sheet, title, [_width(h, k) for _, h, k, _ in columns])
        sheet.freeze_panes = f"A{header_row + 1}"
        sheet.row_dimensions[header_row].height = 45  # the header wraps onto up to three lines
        set_page_setup(sheet, title_row=header_row, header=head)
    return workbook


def _notes(sheet: Worksheet, title: str, widths: list[float]) -> None:
    """The title and 填表说明, each across the table's width, as tall as it wraps."""
    last = get_column_letter(max(len(widths), 2))
    room = max(sum(widths), 20.0)
    for number, line in enumerate([title, *NOTES], start=1):
        text = line if number == 1 else f"{number - 1}. {line}"
        cell = sheet.cell(row=number, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(f"A{number}:{last}{number}")
        lines = math.ceil(display_width(text) * 1.15 / room)  # CJK glyphs run wide
        sheet.row_dimensions[number].height = 24 if number == 1 else 15 * max(lines, 1) + 3
    sheet["A1"].font = Font(bold=True, size=14)


def _width(header: str, kind: str) -> float:
    """A column as wide as its values need (an 18-character code, a 19-digit account), its
    header wrapping onto up to three lines."""
    needed = {"code": 20, "account": 22}.get(kind, 8)
    return float(max(needed, -(-display_width(header) // 3) + 2))


def write_templates(folder: Path) -> list[Path]:
    """Write every programme's blank template into `folder`; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for program in CATALOGUE:
        path = folder / program.file_name
        write_atomic(path, workbook_bytes(template_workbook(program)))
        written.append(path)
    corrections = folder / CORRECTIONS_FILE  # for re-issuing payments to corrected accounts
    write_atomic(corrections, workbook_bytes(corrections_template()))
    return [*written, corrections]
