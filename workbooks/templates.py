"""Blank application templates, one workbook per programme, from the sheet schemas.

Each template has a 填表说明 sheet, then the programme's sheets with the canonical headers
(optional columns marked `*` in the notes), identifier columns formatted as text so Excel keeps
every digit, and drop-downs for closed lists. `sample_inputs/` is made by filling these.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

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


def template_workbook(program: Programme) -> Workbook:
    """A blank, formatted workbook for one programme."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "填表说明"
    title = f"{program.title}申报表"
    head = page_header(title)
    notes.column_dimensions["A"].width = 70  # wraps within a portrait page
    for number, line in enumerate([title, *NOTES], start=1):
        notes.cell(row=number, column=1, value=line).alignment = Alignment(wrap_text=True)
    notes["A1"].font = Font(bold=True, size=14)
    set_page_setup(notes, title_row=0, header=head)
    for spec in program.sheets:
        sheet = workbook.create_sheet(spec.name)
        for index, (_, header, kind, required) in enumerate(spec.template_columns(), start=1):
            shown = header if required else f"{header}*"
            cell = sheet.cell(row=1, column=index, value=shown)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = _width(shown, kind)
            if kind in TEXT_KINDS:
                for row in range(2, 202):
                    sheet.cell(row=row, column=index).number_format = "@"
            choices = CHOICES.get(header) or (("是", "否") if kind == "yes_no" else None)
            if choices:
                rule = DataValidation(
                    type="list", formula1='"' + ",".join(choices) + '"', allow_blank=not required
                )
                sheet.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}{DROPDOWN_ROWS}")
        sheet.freeze_panes = "A2"
        sheet.row_dimensions[1].height = 45  # the header wraps onto up to three lines
        set_page_setup(sheet, title_row=1, header=head)
    return workbook


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
