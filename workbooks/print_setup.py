"""Print set-up for every sheet a person prints (SPEC §4).

A4, narrow margins, fitted to one page wide so that a long sheet pages down and never across,
landscape where the columns are wider than a portrait page, the header row repeated on every
page, and 第 N 页 共 M 页 in the footer. `page_setup` gives it as the fast writer's engine takes
it (its `page_setup` mapping); `set_page_setup` does the same through openpyxl for the
workbooks written with that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

A4 = 9  # the paperSize code of A4
# Total column width (Excel character units) above which a sheet is printed landscape: an A4
# portrait page holds about 90 at 100 % with these margins, landscape about 135.
LANDSCAPE_ABOVE = 92.0
FOOTER = "&C第 &P 页 共 &N 页"
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}
Patch = Callable[[bytes], bytes]


def is_landscape(widths: Sequence[float]) -> bool:
    return sum(widths) > LANDSCAPE_ABOVE


def page_setup(
    widths: Sequence[float], title_row: int, printed: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The engine's page set-up of a sheet with these column widths whose header is on
    `title_row` (1-based; 0 for none). `printed` = (last row, last column), 0-based, limits the
    print area (the code columns for machines at the end are not printed)."""
    shown = widths if printed is None else widths[: printed[1] + 1]
    setup: dict[str, Any] = {
        "landscape": is_landscape(shown),
        "paper_size": A4,
        "margins": MARGINS,
        "fit_to_pages": (1, 0),
        "footer": FOOTER,
    }
    if title_row:
        setup["repeat_rows"] = title_row - 1  # the engine counts rows from 0
    if printed is not None:
        setup["print_area"] = (0, 0, *printed)
    return setup


def set_page_setup(sheet: Worksheet, title_row: int = 1, landscape: bool | None = None) -> None:
    """The same set-up on an openpyxl sheet (orientation from its column widths if not given)."""
    if landscape is None:
        landscape = is_landscape([d.width or 9 for d in sheet.column_dimensions.values()])
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
