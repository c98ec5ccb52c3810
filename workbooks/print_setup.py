"""Print set-up for every sheet a person prints (SPEC §4, legible on paper).

A4 with narrow margins. A sheet that fits one page width at 75 % or more is fitted to the page
width (portrait while it fits a portrait page at full size, landscape beyond) and pages down.
A wider sheet is never shrunk below that: it prints landscape at 75 % and goes across pages,
its key column (the name or code that says whose row it is) repeated on each. The body font is
11 pt, so no printed text is smaller than 8.25 pt. The header row repeats on every page; the
page header names the document, the sheet, the batch and its round (首轮, 第 N 轮复核); the
footer counts 第 N 页 共 M 页.

`page_setup` gives it as the fast writer's engine takes it (its `page_setup` mapping);
`set_page_setup` does the same through openpyxl for the workbooks written with that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

A4 = 9  # the paperSize code of A4
BODY_PT = 11.0  # the workbooks' body font
MIN_SCALE = 75  # %: 11 pt prints at 8.25 pt, above the 8 pt floor
# Column width (Excel character units, each column also takes a few pixels) an A4 page holds
# at 100 % between these margins: measured from LibreOffice's PDFs.
PAGE_HOLDS = {False: 74.0, True: 108.0}  # portrait, landscape
COLUMN_PADDING = 0.75
FOOTER = "&C第 &P 页 共 &N 页"
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.7, "bottom": 0.6, "header": 0.3, "footer": 0.3}


@dataclass(frozen=True)
class Paper:
    """How a sheet goes onto A4: orientation, a fixed scale (None: fitted to the page width)
    and the key columns repeated on pages across (a count from the left)."""

    landscape: bool
    scale: int | None = None
    repeat_columns: int = 0


def paper(widths: Sequence[float], key_columns: int = 1) -> Paper:
    """The layout of a sheet whose printed columns are this wide."""
    total = sum(widths) + COLUMN_PADDING * len(widths)
    if total <= PAGE_HOLDS[False]:
        return Paper(landscape=False)
    if total * MIN_SCALE / 100 <= PAGE_HOLDS[True]:
        return Paper(landscape=True)
    return Paper(landscape=True, scale=MIN_SCALE, repeat_columns=max(key_columns, 1))


def round_name(round_: int) -> str:
    """A review round as a reader says it: round 0 is the first (SPEC §4)."""
    return "首轮" if round_ == 0 else f"第 {round_} 轮复核"


def page_header(document: str, batch_id: str = "", round_: int | None = None) -> str:
    """Excel's page header codes: the document and the sheet on the left, the batch and its
    round on the right."""
    right = []
    if batch_id:
        right.append(f"批次 {batch_id}")
    if round_ is not None:
        right.append(round_name(round_))
    text = f"&L{_escaped(document)}　&A"
    return text + (f"&R{_escaped('　'.join(right))}" if right else "")


def _escaped(text: str) -> str:
    return text.replace("&", "&&")


def page_setup(
    widths: Sequence[float],
    title_row: int,
    printed: tuple[int, int] | None = None,
    header: str = "",
    key_columns: int = 1,
) -> dict[str, Any]:
    """The engine's page set-up of a sheet with these column widths whose header is on
    `title_row` (1-based; 0 for none). `printed` = (last row, last column), 0-based, limits the
    print area (the code columns for machines at the end are not printed)."""
    shown = widths if printed is None else widths[: printed[1] + 1]
    layout = paper(shown, key_columns)
    setup: dict[str, Any] = {
        "landscape": layout.landscape,
        "paper_size": A4,
        "margins": MARGINS,
        "footer": FOOTER,
    }
    if layout.scale is None:
        setup["fit_to_pages"] = (1, 0)
    else:
        setup["scale"] = layout.scale
        setup["repeat_columns"] = (0, layout.repeat_columns - 1)
    if header:
        setup["header"] = header
    if title_row:
        setup["repeat_rows"] = title_row - 1  # the engine counts rows from 0
    if printed is not None:
        setup["print_area"] = (0, 0, *printed)
    return setup


def set_page_setup(
    sheet: Worksheet,
    title_row: int = 1,
    header: str = "",
    last_column: int | None = None,
    key_columns: int = 1,
) -> None:
    """The same set-up on an openpyxl sheet; `last_column` (1-based) ends the print area (the
    columns right of it are for machines)."""
    last = last_column or sheet.max_column
    widths = [
        sheet.column_dimensions[get_column_letter(i)].width or 9.0 for i in range(1, last + 1)
    ]
    layout = paper(widths, key_columns)
    sheet.page_setup.paperSize = A4
    sheet.page_setup.orientation = "landscape" if layout.landscape else "portrait"
    if layout.scale is None:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        sheet.page_setup.scale = layout.scale
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
        sheet.print_title_cols = f"A:{get_column_letter(layout.repeat_columns)}"
    for side, inches in MARGINS.items():
        setattr(sheet.page_margins, side, inches)
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    if header:
        left, _, right = header.removeprefix("&L").partition("&R")
        sheet.oddHeader.left.text = left
        sheet.oddHeader.right.text = right
    if title_row:
        sheet.print_title_rows = f"{title_row}:{title_row}"
    if last_column is not None and last_column < sheet.max_column:
        sheet.print_area = f"A1:{get_column_letter(last_column)}{sheet.max_row}"
