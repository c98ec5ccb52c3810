"""Print set-up for every sheet a person prints (SPEC §4).

A4, narrow margins, fitted to one page wide so that a long sheet pages down and never across,
landscape where the columns are wider than a portrait page, the header row repeated on every
page, and 第 N 页 共 M 页 in the footer. The fast writer's engine has no page set-up API, so
`page_setup_patches` adds the same XML Excel writes (`sheetPr/pageSetUpPr`, `pageMargins`,
`pageSetup`, `headerFooter`, and a `_xlnm.Print_Titles` name per sheet); `set_page_setup` does
the same through openpyxl for the workbooks written with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

A4 = 9  # the paperSize code of A4
# Total column width (Excel character units) above which a sheet is printed landscape: an A4
# portrait page holds about 90 at 100 % with these margins, landscape about 135.
LANDSCAPE_ABOVE = 92.0
FOOTER = "&C第 &P 页 共 &N 页"
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}
Patch = Callable[[bytes], bytes]


@dataclass(frozen=True)
class PageLayout:
    """How one sheet prints: its orientation and the row repeated at the top of every page."""

    landscape: bool
    title_row: int  # 1-based; 0 for none


def layout_for(widths: Sequence[float], title_row: int) -> PageLayout:
    return PageLayout(sum(widths) > LANDSCAPE_ABOVE, title_row)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;")


def _sheet_patch(layout: PageLayout) -> Patch:
    orientation = "landscape" if layout.landscape else "portrait"
    margins = " ".join(f'{k}="{v}"' for k, v in MARGINS.items())
    tail = (
        f"<pageMargins {margins}/>"
        f'<pageSetup paperSize="{A4}" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>'
        f"<headerFooter><oddFooter>{_xml_text(FOOTER)}</oddFooter></headerFooter>"
    ).encode()

    def patch(sheet: bytes) -> bytes:
        fit = b'<pageSetUpPr fitToPage="1"/>'
        if b"</sheetPr>" in sheet:  # pageSetUpPr is the last child it may have
            sheet = sheet.replace(b"</sheetPr>", fit + b"</sheetPr>", 1)
        elif b"<sheetPr" in sheet:
            sheet = re.sub(
                rb"<sheetPr([^>]*)/>", rb"<sheetPr\1>" + fit + rb"</sheetPr>", sheet, count=1
            )
        else:
            sheet = re.sub(
                rb"(<worksheet[^>]*>)", rb"\1<sheetPr>" + fit + rb"</sheetPr>", sheet, count=1
            )
        return re.sub(rb"<pageMargins[^>]*/>", lambda _: tail, sheet, count=1)

    return patch


def _titles_patch(names: Sequence[str], layouts: Sequence[PageLayout]) -> Patch:
    titles = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{position}">'
        f"'{_xml_text(name)}'!${layout.title_row}:${layout.title_row}</definedName>"
        for position, (name, layout) in enumerate(zip(names, layouts, strict=True))
        if layout.title_row
    ).encode()

    def patch(workbook: bytes) -> bytes:
        if not titles:
            return workbook
        if b"<definedNames>" in workbook:
            return workbook.replace(b"</definedNames>", titles + b"</definedNames>", 1)
        return workbook.replace(
            b"<calcPr", b"<definedNames>" + titles + b"</definedNames><calcPr", 1
        )

    return patch


def page_setup_patches(names: Sequence[str], layouts: Sequence[PageLayout]) -> dict[str, Patch]:
    """The zip members to rewrite, and how, for sheets written in this order."""
    patches = {
        f"xl/worksheets/sheet{position}.xml": _sheet_patch(layout)
        for position, layout in enumerate(layouts, start=1)
    }
    patches["xl/workbook.xml"] = _titles_patch(names, layouts)
    return patches


def set_page_setup(sheet: Worksheet, title_row: int = 1, landscape: bool | None = None) -> None:
    """The same set-up on an openpyxl sheet (orientation from its column widths if not given)."""
    if landscape is None:
        widths = [d.width or 9 for d in sheet.column_dimensions.values()]
        landscape = sum(widths) > LANDSCAPE_ABOVE
    sheet.page_setup.paperSize = A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    for side, inches in MARGINS.items():
        setattr(sheet.page_margins, side, inches)
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    if title_row:
        sheet.print_title_rows = f"{title_row}:{title_row}"
