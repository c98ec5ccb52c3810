"""Reviewer-formatted workbooks written fast and repeatably, for sheets of any size.

Every sheet is one table: bold shaded header, frozen, with filters; money columns `#,##0.00`;
widths fitted to the header and a sample of the values (CJK characters count double). Text is
always stored as text and text columns carry Excel's quote prefix, so an applicant's `=…` is
never a formula, not even after a reviewer edits the cell. Lines of free text may sit above
the header (batch facts on the summary sheet).

The engine is Rust's `rust_xlsxwriter` through `rustpy-xlsxwriter` (measured here: 1M rows ×
10 columns in about 9 s; openpyxl takes minutes). Its only unrepeatable bytes are the document
times in `docProps/core.xml`, which are pinned afterwards by copying the zip members raw, so
equal content gives equal bytes without recompressing anything.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import rustpy_xlsxwriter as rx

from workbooks.print_setup import page_setup
from workbooks.styling import display_width
from workbooks.zipped import copy_member

Patch = Callable[[bytes], bytes]

EXCEL_MAX_ROWS = 1_048_576
MONEY_FORMAT = "#,##0.00"
HEADER_COLOR = "#DDEBF7"
FIXED_TIME = b"2020-01-01T00:00:00Z"
MAX_WIDTH = 60
# A text column wider than this wraps within it (SPEC §4: widths capped, so pages stay legible).
WRAP_ABOVE = 20
# Columns for machines (SPEC §4): on screen, after the columns a person reads, never printed.
MACHINE_HEADERS = frozenset({"文件", "工作表", "行号", "原因代码", "项目代码", "暂定参数"})
WIDTH_SAMPLE = 2_000
WHOLE_WORDS = ("账号", "代码", "编号", "身份证", "卡号", "批次")
CORE_PROPERTIES = "docProps/core.xml"
LINE_HEIGHT = 15.0  # points, one line of text
TITLE_HEIGHT = 28.0  # points, a document's title line
LARGE_MEMBER = 8 << 20  # bytes of XML: a sheet of about ten thousand rows
FAST_DEFLATE = 1
MAX_ROW_HEIGHT = 409.0  # points: Excel's limit (a taller row makes it repair the file)


@dataclass(frozen=True)
class Column:
    """A column of a table: its header, kind (text, money in fen, number) and fixed width."""

    header: str
    kind: str = "text"
    width: int | None = None
    hidden: bool = False  # for machines (the 待复核 row key), not shown to a person
    summed: bool = False  # a count the 合计 row adds up (money columns always are)
    printed: bool = True  # False for the code columns at the end, for machines (SPEC §4)
    wrap: bool = False  # text wraps within `width`, the row as tall as its longest cell


@dataclass(frozen=True)
class Chart:
    """A native bar chart drawn under its table, over every data row of its `series` columns
    (so a table with a chart has no 合计 row: a 合计 bar would dwarf the others)."""

    title: str
    series: Sequence[str]  # column headers, one bar segment each
    categories: str  # the column of the bars' labels
    value_axis: str = "金额（元）"
    stacked: bool = True
    weight: int = 1  # its share of the table's width, beside the other charts


CHART_HEIGHT = 260  # pixels; a row is 20
CHART_ROWS = CHART_HEIGHT // 20 + 1


@dataclass(frozen=True)
class Table:
    """One sheet: columns, their values (a frame whose columns are in that order), notes above.

    Money columns hold integer fen; they are written as yuan with two places shown.
    `choices` offers a drop-down list on a column (the reviewer's 通过/驳回).
    """

    name: str
    columns: Sequence[Column]
    rows: pd.DataFrame
    lines_above: Sequence[tuple[str, str]] = ()
    choices: dict[str, list[str]] = field(default_factory=dict)
    # When given, the sheet is protected and only these columns can be edited (待复核).
    editable: Sequence[str] = ()
    total: bool = False  # a 合计 row of the money columns, after a blank row, outside the filter
    lines_below: Sequence[str] = ()  # text under the table (a signature block)
    # Under the table: rows of charts, side by side in a row, each row as wide as the table.
    charts: Sequence[Sequence[Chart]] = ()
    key_columns: int = 1  # columns repeated on each page when the sheet prints pages across
    layout_fixed: bool = False  # a bank's layout: its columns stay in the order given
    titled: bool = False  # the first line above is the document's title, set as one

    @property
    def rows_below(self) -> int:
        """Rows written after the data rows (blank, 合计, blank, lines)."""
        if not self.total and not self.lines_below:
            return 0
        return 1 + (1 if self.total else 0) + (1 + len(self.lines_below) if self.lines_below else 0)


def _fitted_widths(table: Table, frame: pd.DataFrame) -> list[float]:
    sample = frame.head(WIDTH_SAMPLE)
    widths = []
    for column in table.columns:
        if column.width:
            widths.append(float(column.width))
            continue
        values = sample[column.header]
        if column.kind == "money":
            shown = [f"{v:,.2f}  " for v in values if v == v]  # and the indent
        else:
            shown = ["" if v is None else str(v) for v in values]
        longest = max([_header_room(column.header), *map(display_width, shown)])
        cap = WRAP_ABOVE if _wraps(column) else MAX_WIDTH
        widths.append(float(min(cap, longest + 2)))
    return widths


def _wraps(column: Column) -> bool:
    """Text that may wrap: not an account, code or number, which must read in one piece."""
    return column.kind == "text" and not any(word in column.header for word in WHOLE_WORDS)


def _header_room(header: str) -> int:
    """A header's width in its column: a long one wraps onto two lines."""
    width = display_width(header)
    return width if width <= 10 else max(10, math.ceil(width / 2) + 1)


def _wrapping(table: Table, widths: Sequence[float]) -> list[bool]:
    """Whether each column wraps: as asked, or printed text whose values are wider than the
    column (a hidden key or an unprinted code column never makes its row taller)."""
    sample = table.rows.head(WIDTH_SAMPLE)
    wraps = []
    for position, (column, width) in enumerate(zip(table.columns, widths, strict=True)):
        if column.wrap or not _wraps(column) or column.hidden or not column.printed:
            wraps.append(column.wrap)
            continue
        values = sample.iloc[:, position]
        longest = max((display_width(str(v)) for v in values if v is not None), default=0)
        wraps.append(longest + 2 > width)
    return wraps


def machine_columns_last(table: Table) -> Table:
    """The table with its columns for machines (hidden ones and `MACHINE_HEADERS`) moved after
    those a person reads, and marked unprinted (SPEC §4)."""
    for_people = [
        i
        for i, c in enumerate(table.columns)
        if c.printed and not c.hidden and c.header not in MACHINE_HEADERS
    ]
    machines = [i for i in range(len(table.columns)) if i not in for_people]
    if not machines or table.layout_fixed:
        return table
    columns = [table.columns[i] for i in for_people]
    columns += [
        replace(table.columns[i], printed=False)
        if not table.columns[i].hidden
        else table.columns[i]
        for i in machines
    ]
    rows = table.rows.iloc[:, for_people + machines]
    return replace(table, columns=columns, rows=rows)


def _sheet_frame(table: Table) -> pd.DataFrame:
    """The frame as the engine wants it: headers as column names, money in yuan, text as text;
    then the 合计 row and the lines below, if the table has them (blank cells are NaN or "")."""
    data = {}
    for position, column in enumerate(table.columns):
        values = table.rows.iloc[:, position]
        if column.kind == "money":  # fen as yuan; a blank (NaN) stays a blank cell
            data[column.header] = values.astype("float64").to_numpy() / 100
        elif column.kind == "number":
            data[column.header] = values.astype("int64").to_numpy()
        else:
            data[column.header] = _text(values)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(table.rows)))
    if not table.rows_below:
        return frame
    below = [dict.fromkeys(frame.columns)]
    if table.total:
        sums = {
            c.header: int(table.rows.iloc[:, i].fillna(0).astype("int64").sum())
            / (100 if c.kind == "money" else 1)
            for i, c in enumerate(table.columns)
            if c.kind == "money" or (c.kind == "number" and c.summed)
        }
        below.append({table.columns[0].header: "合计", **sums})
    if table.lines_below:
        below.append({})
        below += [{table.columns[0].header: line} for line in table.lines_below]
    extra = pd.DataFrame(below, columns=frame.columns)
    for column in table.columns:
        if column.kind not in ("money", "number"):
            values = extra[column.header].astype(object)
            extra[column.header] = values.where(values.notna(), "")
    return pd.concat([frame, extra], ignore_index=True)


def _text(values: pd.Series) -> np.ndarray:
    if values.dtype != object:
        return values.astype(str).to_numpy(dtype=object)
    return values.where(values.notna(), "").astype(str).to_numpy(dtype=object)


def workbook_bytes(
    tables: Sequence[Table], keywords: str = "", creator: str = "", page_head: str = ""
) -> bytes:
    """The workbook of these tables, in order, as repeatable bytes; `keywords` and `creator`
    go into the document properties (a ledger names its batch and round there), `page_head` is
    every sheet's page header (`print_setup.page_header`)."""
    tables = [machine_columns_last(table) for table in tables]
    header = (
        rx.Format()
        .set_bold()
        .set_background_color(HEADER_COLOR)
        .set_align("center")
        .set_align("vcenter")
        .set_text_wrap()
    )
    # Cells centred vertically (a wrapped cell makes its row taller). The engine's formats are
    # changed in place by their setters: each is built anew.
    # Right-aligned with an indent: an amount never touches the text of the next column.
    money = (
        rx.Format()
        .set_num_format(MONEY_FORMAT)
        .set_align("right")
        .set_indent(1)
        .set_align("vcenter")
    )
    text = rx.Format().set_quote_prefix().set_align("vcenter")
    number = rx.Format().set_align("vcenter")
    unlocked = rx.Format().set_quote_prefix().set_align("vcenter").set_unlocked()
    text_wrapped = rx.Format().set_quote_prefix().set_text_wrap().set_align("vcenter")
    unlocked_wrapped = (
        rx.Format().set_quote_prefix().set_text_wrap().set_align("vcenter").set_unlocked()
    )
    wrapped = rx.Format().set_text_wrap().set_align("top")
    title = rx.Format().set_bold().set_font_size(16).set_align("vcenter")
    entries, formats, widths, header_rows, merges, freeze, validations = [], {}, {}, {}, {}, {}, {}
    below: dict[str, list[tuple[int, int]]] = {}  # rows under a table merged across it
    heights: dict[str, dict[int, float]] = {}  # 0-based row → points, set in the sheet XML
    engine_heights: dict[str, dict[int, float]] = {}  # a header's, where the engine sets it well
    for table in tables:
        if table.charts and table.total:
            raise ValueError(f"工作表“{table.name}”的图表会把合计行画进去")
        if len(table.rows) + len(table.lines_above) + 1 > EXCEL_MAX_ROWS:
            raise ValueError(f"工作表“{table.name}”有 {len(table.rows)} 行，超过 Excel 的行数上限")
        frame = _sheet_frame(table)
        entries.append((table.name, frame))
        widths[table.name] = _fitted_widths(table, frame.iloc[: len(table.rows)])
        wraps = _wrapping(table, widths[table.name])
        formats[table.name] = {
            c.header: (
                (unlocked_wrapped if wrap else unlocked)
                if c.header in table.editable
                else {"money": money, "number": number}.get(c.kind, text_wrapped if wrap else text)
            )
            for c, wrap in zip(table.columns, wraps, strict=True)
        }
        above = len(table.lines_above)
        header_rows[table.name] = above + 1 if above else 0
        last = max(_last_printed(table), 3)  # a merge needs two cells at least
        merges[table.name] = [
            item
            for row, (label, value) in enumerate(table.lines_above)
            for item in (
                (row, 0, row, 1, label, title if table.titled and row == 0 else wrapped),
                (row, 2, row, last, value, wrapped),
            )
        ]
        # A line longer than its merged cells wraps onto more lines of the row, never past
        # the table's width (which would shrink the printed page).
        room = max(sum(widths[table.name][2 : last + 1]), 10.0)
        heights[table.name] = {
            row: LINE_HEIGHT * _lines(value, room)
            for row, (_, value) in enumerate(table.lines_above)
            if _lines(value, room) > 1
        }
        if wraps[0]:  # the lines under the table run across its printed width (merged after
            # writing: the engine merges only above the header), as tall as they wrap there
            first = header_rows[table.name] + len(table.rows) + 3 + (1 if table.total else 0)
            across = max(sum(widths[table.name][: last + 1]), 10.0)
            below[table.name] = [(first + n, last) for n in range(len(table.lines_below))]
            for offset, line in enumerate(table.lines_below):
                if _lines(line, across) > 1:
                    heights[table.name][first + offset] = LINE_HEIGHT * _lines(line, across)
        if table.titled and table.lines_above:
            heights[table.name][0] = max(heights[table.name].get(0, 0.0), TITLE_HEIGHT)
        heights[table.name] |= _wrapped_heights(
            table, widths[table.name], wraps, header_rows[table.name]
        )
        # Headers wrap in their column (a fixed width narrower than the header).
        header_lines = max(
            _lines(c.header, width)
            for c, width in zip(table.columns, widths[table.name], strict=True)
        )
        if header_lines > 1:
            header_height = {header_rows[table.name]: LINE_HEIGHT * header_lines + 2}
            if heights[table.name] or not len(table.rows):
                heights[table.name] |= header_height
            else:  # the engine's own (no pass over a long sheet's XML)
                engine_heights[table.name] = header_height
        freeze[table.name] = {"row": header_rows[table.name] + 1, "col": 0}
        validations[table.name] = {
            name: {
                "type": "list",
                "values": values,
                "error_title": name,
                "error_message": "请选择：" + "、".join(values),
                "ignore_blank": True,
            }
            for name, values in table.choices.items()
        }
    buffer = io.BytesIO()
    rx.write_worksheets(
        entries,
        buffer,
        freeze_panes=freeze,
        column_widths=widths,
        column_formats=formats,
        header_format=dict.fromkeys(formats, header),
        header_row=header_rows,
        merge_ranges={name: items for name, items in merges.items() if items},
        row_heights=engine_heights,
        autofilter=dict.fromkeys(formats, True),
        data_validations={name: rules for name, rules in validations.items() if rules},
        page_setup={
            t.name: page_setup(
                widths[t.name],
                header_rows[t.name] + 1,
                _print_area(t, header_rows[t.name]),
                page_head,
                t.key_columns,
            )
            for t in tables
        },
        charts={
            t.name: _charts(t, header_rows[t.name], widths[t.name]) for t in tables if t.charts
        },
    )
    patches: dict[str, Patch] = {}
    for number, table in enumerate(tables, start=1):
        if table.editable:
            _add(patches, f"xl/worksheets/sheet{number}.xml", _protected)
        if table.rows_below:
            last = header_rows[table.name] + 1 + len(table.rows)
            _add(patches, f"xl/worksheets/sheet{number}.xml", _filter_ends(last))
            _add(patches, "xl/workbook.xml", _filter_name_ends(number - 1, last))
    for number, table in enumerate(tables, start=1):
        if heights[table.name]:
            # Set in the sheet's XML: in its constant-memory mode the engine drops the height of
            # a merged row above the header once it writes the next one, and repeats a last row
            # given a height (a duplicate row Excel would repair).
            _add(patches, f"xl/worksheets/sheet{number}.xml", _heights(heights[table.name]))
        if below.get(table.name):
            _add(patches, f"xl/worksheets/sheet{number}.xml", _merged(below[table.name]))
        columns = [position + 1 for position, c in enumerate(table.columns) if c.hidden]
        if columns:
            _add(patches, f"xl/worksheets/sheet{number}.xml", _hiding(columns))
    return pin_document_times(buffer.getvalue(), keywords, creator, patches)


def _hiding(columns: list[int]) -> Patch:
    def patch(sheet: bytes) -> bytes:
        for column in columns:
            sheet = re.sub(
                rb'(<col min="%d" max="%d" )' % (column, column), rb'\g<1>hidden="1" ', sheet
            )
        return sheet

    return patch


def _heights(rows: dict[int, float]) -> Patch:
    """Heights (points, at most Excel's limit) of rows given 0-based, on the `<row>` elements
    the engine wrote, in one pass over the sheet."""
    wanted = {row + 1: min(height, MAX_ROW_HEIGHT) for row, height in rows.items()}

    def with_height(match: re.Match[bytes]) -> bytes:
        number = int(match.group(1))
        if number not in wanted:
            return match.group(0)
        return b'<row r="%d" ht="%s" customHeight="1"' % (number, str(wanted[number]).encode())

    return lambda sheet: re.sub(rb'<row r="(\d+)"', with_height, sheet)


# What follows <mergeCells> in a sheet's XML (ECMA-376 order): it goes before the first of them.
_AFTER_MERGES = (
    b"<phoneticPr",
    b"<conditionalFormatting",
    b"<dataValidations",
    b"<hyperlinks",
    b"<printOptions",
    b"<pageMargins",
    b"<pageSetup",
    b"<headerFooter",
    b"<drawing",
)


def _merged(rows: list[tuple[int, int]]) -> Patch:
    """Rows (0-based) merged from the first column to `last`, added to the sheet's merges."""
    refs = b"".join(
        b'<mergeCell ref="A%d:%s%d"/>' % (row + 1, _column_name(last).encode(), row + 1)
        for row, last in rows
    )

    def patch(sheet: bytes) -> bytes:
        found = re.search(rb'<mergeCells count="(\d+)">', sheet)
        if found:
            count = int(found.group(1)) + len(rows)
            sheet = sheet.replace(found.group(0), b'<mergeCells count="%d">' % count, 1)
            return sheet.replace(b"</mergeCells>", refs + b"</mergeCells>", 1)
        at = min((sheet.find(tag) for tag in _AFTER_MERGES if tag in sheet), default=-1)
        block = b'<mergeCells count="%d">%s</mergeCells>' % (len(rows), refs)
        return sheet[:at] + block + sheet[at:] if at >= 0 else sheet

    return patch


def _column_name(index: int) -> str:
    """Excel's name of a 0-based column: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _protected(sheet: bytes) -> bytes:
    """Protect the sheet (no password: it guards against slips, not people); filtering and
    sorting stay allowed, and the unlocked cells stay editable."""
    protection = (
        b'<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0"'
        b' autoFilter="0" sort="0"/>'
    )
    if b"</sheetData>" in sheet:
        return sheet.replace(b"</sheetData>", b"</sheetData>" + protection, 1)
    return sheet.replace(b"<sheetData/>", b"<sheetData/>" + protection, 1)


def _filter_ends(last: int) -> Patch:
    """The filter covers the data rows only, not the 合计 and lines under them. The filter
    follows the rows in the sheet's XML: it is sought from the end (a register's 64 MB)."""
    pattern = re.compile(rb'(<autoFilter ref="[A-Z]+\d+:[A-Z]+)\d+')

    def patch(sheet: bytes) -> bytes:
        found = pattern.match(sheet, max(sheet.rfind(b"<autoFilter "), 0))
        if found is None:
            return sheet
        whole = memoryview(sheet)  # one copy of the sheet, not three
        return b"".join(
            (whole[: found.start()], found.group(1), b"%d" % last, whole[found.end() :])
        )

    return patch


def _filter_name_ends(position: int, last: int) -> Patch:
    pattern = rb'(<definedName name="_xlnm._FilterDatabase" localSheetId="%d"[^>]*>[^<]*\$)\d+'
    return lambda book: re.sub(pattern % position, rb"\g<1>%d" % last, book, count=1)


def _wrapped_heights(
    table: Table, widths: list[float], wraps: Sequence[bool], header_row: int
) -> dict[int, float]:
    """Heights (points) of the data rows whose wrapping cells take more than one line, by
    0-based sheet row."""
    wrapping = [(i, widths[i]) for i, wrap in enumerate(wraps) if wrap]
    if not wrapping:
        return {}
    lines = np.ones(len(table.rows), dtype=np.int64)
    for position, width in wrapping:
        values = table.rows.iloc[:, position].fillna("").astype(str)
        # A cell is at most twice its length wide: only those that may pass the column are
        # measured (a province register's short names are not, one by one).
        longer = (values.str.len() * 2 * 1.15 > max(width - 1, 1.0)).to_numpy()
        measured = values[longer].map(lambda v, w=width: _lines(v, w)).to_numpy()
        lines[longer] = np.maximum(lines[longer], measured)
    return {header_row + 1 + int(i): LINE_HEIGHT * int(lines[i]) for i in np.flatnonzero(lines > 1)}


def _lines(text: str, width: float) -> int:
    """Lines `text` takes in a cell `width` wide, printed (CJK glyphs run a little wider than
    two width units, so a margin is kept)."""
    return max(1, math.ceil(display_width(text) * 1.15 / max(width - 1, 1.0)))


def _last_printed(table: Table) -> int:
    return max(i for i, c in enumerate(table.columns) if c.printed and not c.hidden)


def _print_area(table: Table, header_row: int) -> tuple[int, int] | None:
    """(last row, last column) to print, when columns at the end are not printed."""
    last = _last_printed(table)
    if last == len(table.columns) - 1:
        return None
    return header_row + len(table.rows) + table.rows_below, last


def _add(patches: dict[str, Patch], member: str, patch: Patch) -> None:
    """Rewrite `member` with `patch` after any patch it already has."""
    first = patches.get(member)
    patches[member] = patch if first is None else (lambda data: patch(first(data)))


def _charts(table: Table, header_row: int, widths: Sequence[float]) -> list[dict[str, object]]:
    """The engine's charts of a table, in rows under it, each row within the table's width (so
    they print on the page with it); a chart starts on a column edge, wide by its `weight`."""
    top = header_row + 1 + len(table.rows) + table.rows_below + 1
    edges = np.cumsum([0, *(round(width * 7 + 5) for width in widths)])  # pixels
    placed = []
    for line, charts in enumerate(table.charts):
        weights = np.cumsum([0, *(chart.weight for chart in charts)])
        wanted = edges[-1] * weights / weights[-1]
        columns = [int(np.abs(edges - left).argmin()) for left in wanted[:-1]]
        starts = [int(edges[column]) for column in columns] + [int(edges[-1])]
        placed += [
            {
                "type": "column_stacked" if chart.stacked else "column",
                "series": list(chart.series),
                "categories": chart.categories,
                "title": chart.title,
                "y_axis": chart.value_axis,
                "legend": len(chart.series) > 1,
                "row": top + line * CHART_ROWS,
                "col": column,
                "width": starts[position + 1] - starts[position] - 10,
                "height": CHART_HEIGHT,
            }
            for position, (chart, column) in enumerate(zip(charts, columns, strict=True))
        ]
    return placed


def pin_document_times(
    data: bytes,
    keywords: str = "",
    creator: str = "",
    patches: dict[str, Patch] | None = None,
) -> bytes:
    """Replace the save time in `docProps/core.xml` with a fixed one (and set the keywords and
    creator given), rewrite the members `patches` names; copy the rest raw."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    patches = patches or {}
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == CORE_PROPERTIES:
                core = _core_properties(source.read(info), keywords, creator)
                _rewrite(target, info, core)
            elif info.filename in patches:
                _rewrite(target, info, patches[info.filename](source.read(info)))
            else:
                copy_member(source, target, info)
    return target_buffer.getvalue()


def _core_properties(core: bytes, keywords: str, creator: str) -> bytes:
    core = re.sub(
        rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
        rb"\g<1>" + FIXED_TIME + rb"\g<3>",
        core,
    )
    if creator:
        for tag in (rb"dc:creator", rb"cp:lastModifiedBy"):
            core = re.sub(
                rb"<%s>[^<]*</%s>" % (tag, tag), b"<%s>%s</%s>" % (tag, _xml(creator), tag), core
            )
    if keywords:
        core = core.replace(
            b"</cp:coreProperties>",
            b"<cp:keywords>" + _xml(keywords) + b"</cp:keywords></cp:coreProperties>",
        )
    return core


def _xml(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _rewrite(target: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """A member written anew; a large sheet deflated at the fastest level (a province
    register's 64 MB of XML: 0.4 s against 0.9 s, the file a third larger)."""
    fixed = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    fixed.compress_type = zipfile.ZIP_DEFLATED
    level = FAST_DEFLATE if len(data) > LARGE_MEMBER else None
    target.writestr(fixed, data, compresslevel=level)
