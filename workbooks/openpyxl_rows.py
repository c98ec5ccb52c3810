"""openpyxl's save with a faster writer of the sheets' rows, byte for byte the same XML.

openpyxl serialises every cell through a generic element tree (an `Element` per cell, its
namespaces resolved each time): a returned province workbook's 2,000 rows with comments take
over a second there. Cells of the usual kinds (inline text, numbers, booleans, styled blanks)
are written here as the same text directly; any other cell (a date, a formula, rich text) goes
through openpyxl's own cell writer. Style ids are asked of the workbook once per distinct
style, in the order openpyxl would ask, so styles.xml is unchanged too.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree.ElementTree import _escape_attrib, _escape_cdata  # type: ignore[attr-defined]

import openpyxl
from openpyxl import Workbook
from openpyxl.cell._writer import write_cell
from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.packaging.relationship import Relationship
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

# Written `%.16g`, as openpyxl's safe_string writes an int or a float (NaN and infinities excepted).
_PLAIN_NUMBERS = (int, float)


def save_bytes(workbook: Workbook) -> bytes:
    """The workbook saved as openpyxl saves it (without stamping the save time). Where openpyxl
    writes through lxml (installed beside it), its own save is used: the text written here is
    that of its standard-library writer."""
    raw = io.BytesIO()
    if openpyxl.LXML:
        workbook.save(raw)
        return raw.getvalue()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _Writer(workbook, archive).write_data()
    return raw.getvalue()


class _Writer(ExcelWriter):  # type: ignore[misc]
    def write_worksheet(self, ws: Any) -> None:
        """openpyxl's own, with the row writer below (a workbook here is never write-only)."""
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _RowWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()

    def _write_comment(self, ws: Any) -> None:
        """openpyxl's, with the comments and their VML shapes written as text (openpyxl builds
        an element tree of nine elements per comment's shape)."""
        if ws.legacy_drawing is not None and self.workbook.vba_archive is not None:
            super()._write_comment(ws)  # shapes merged into a macro workbook's own drawing
            return
        sheet = CommentSheet.from_comments(ws._comments)
        self._comments.append(sheet)
        sheet._id = len(self._comments)
        self._archive.writestr(sheet.path[1:], _comments_xml(sheet))
        self.manifest.append(sheet)
        ws.legacy_drawing = f"xl/drawings/commentsDrawing{sheet._id}.vml"
        self._archive.writestr(ws.legacy_drawing, _shapes_vml(ws._comments))
        self.vba_modified.add(ws.legacy_drawing)
        ws._rels.append(Relationship(Id="comments", type=sheet._rel_type, Target=sheet.path))


class _RowWriter(WorksheetWriter):  # type: ignore[misc]
    def rows(self) -> list[tuple[int, list[Any]]]:
        """openpyxl's: the cells by row in column order, and the empty rows given a height."""
        cells = self.ws._cells
        by_row: dict[int, list[Any]] = {}
        for key in sorted(cells):
            by_row.setdefault(key[0], []).append(cells[key])
        for row in self.ws.row_dimensions.keys() - by_row.keys():
            by_row[row] = []
        return sorted(by_row.items())

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        styles = self.ws.parent._cell_styles
        ids: dict[tuple[int, ...], str] = {}
        letters: dict[int, str] = {}
        with xf.element("sheetData"):
            parts: list[str] = []  # written to openpyxl's stream a row at a time
            for row_idx, row in self.rows():
                attrs = {"r": f"{row_idx}"}
                attrs.update(self.ws.row_dimensions.get(row_idx, {}))
                parts.append("<row")
                parts.extend(f' {k}="{_escape_attrib(v)}"' for k, v in attrs.items())
                parts.append(">")
                for cell in row:
                    if cell._comment is not None:
                        self.ws._comments.append(CommentRecord.from_cell(cell))
                    style = cell._style
                    styled = style is not None and any(style)
                    if cell._value is None and not styled and not cell._comment:
                        continue
                    text = _cell_xml(cell, styled, style, styles, ids, letters)
                    if text is None:
                        xf._file("".join(parts))
                        parts.clear()
                        write_cell(xf, self.ws, cell, styled)
                    else:
                        parts.append(text)
                parts.append("</row>")
                if len(parts) > 4096:
                    xf._file("".join(parts))
                    parts.clear()
            xf._file("".join(parts))
        self.xf.send(None)


def _cell_xml(
    cell: Any,
    styled: bool,
    style: Any,
    styles: Any,
    ids: dict[tuple[int, ...], str],
    letters: dict[int, str],
) -> str | None:
    """The cell's XML as openpyxl writes it, or None for a kind left to openpyxl."""
    value, kind = cell._value, cell.data_type
    if kind == "s" and isinstance(value, str):
        kind_attr = "inlineStr"
    elif kind == "n" and (value is None or _finite_number(value)):
        kind_attr = "n"
    elif kind == "b" and isinstance(value, bool):
        kind_attr = "b"
    else:
        return None
    if cell.hyperlink:  # listed with the sheet's links, as openpyxl's cell writer does
        cell.parent._hyperlinks.append(cell.hyperlink)
    column = letters.get(cell.column)
    if column is None:
        column = letters[cell.column] = get_column_letter(cell.column)
    start = f'<c r="{column}{cell.row}"'
    if styled:
        key = tuple(style)
        if key not in ids:
            ids[key] = f"{styles.add(style)}"
        start += f' s="{ids[key]}"'
    start += f' t="{kind_attr}"'
    if value is None or value == "":
        return start + " />"
    if kind_attr == "inlineStr":
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and value != stripped else ""
        return f"{start}><is><t{space}>{_escape_cdata(value)}</t></is></c>"
    return f"{start}><v>{format(value, '.16g')}</v></c>"


def _comments_xml(sheet: CommentSheet) -> bytes:
    authors = "".join(
        f"<author>{_escape_cdata(a)}</author>" if a else "<author />" for a in sheet.authors.author
    )
    comments = "".join(
        f'<comment ref="{_escape_attrib(c.ref)}" authorId="{c.authorId}" shapeId="0">'
        + (f"<text>{_text_xml(c.text.t)}</text>" if c.text.t is not None else "<text />")
        + "</comment>"
        for c in sheet.commentList
    )
    return (
        f'<comments xmlns="{SHEET_MAIN_NS}"><authors>{authors}</authors>'
        f"<commentList>{comments}</commentList></comments>"
    ).encode("utf-8", "xmlcharrefreplace")  # as ElementTree encodes what UTF-8 cannot hold


def _text_xml(text: str) -> str:
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped and text != stripped else ""
    return f"<t{space}>{_escape_cdata(text)}</t>" if text else "<t />"


_VML_HEAD = (
    '<xml xmlns:ns0="urn:schemas-microsoft-com:office:office"'
    ' xmlns:ns1="urn:schemas-microsoft-com:vml"'
    ' xmlns:ns2="urn:schemas-microsoft-com:office:excel">'
    '<ns0:shapelayout ns1:ext="edit"><ns0:idmap ns1:ext="edit" data="1" /></ns0:shapelayout>'
    '<ns1:shapetype id="_x0000_t202" coordsize="21600,21600" ns0:spt="202"'
    ' path="m,l,21600r21600,l21600,xe"><ns1:stroke joinstyle="miter" />'
    '<ns1:path gradientshapeok="t" ns0:connecttype="rect" /></ns1:shapetype>'
)
_VML_SHAPE = (
    '<ns1:shape type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;'
    'margin-top:1.5pt;width:{width}px;height:{height}px;z-index:1;visibility:hidden"'
    ' fillcolor="#ffffe1" ns0:insetmode="auto" id="_x0000_s{id:04d}">'
    '<ns1:fill color2="#ffffe1" /><ns1:shadow color="black" obscured="t" />'
    '<ns1:path ns0:connecttype="none" /><ns1:textbox style="mso-direction-alt:auto">'
    '<div style="text-align:left" /></ns1:textbox><ns2:ClientData ObjectType="Note">'
    "<ns2:MoveWithCells /><ns2:SizeWithCells /><ns2:AutoFill>False</ns2:AutoFill>"
    "<ns2:Row>{row}</ns2:Row><ns2:Column>{column}</ns2:Column></ns2:ClientData></ns1:shape>"
)


def _shapes_vml(comments: list[CommentRecord]) -> bytes:
    """The legacy drawing of the comments' boxes, as openpyxl's ShapeWriter writes it."""
    shapes = []
    for number, comment in enumerate(comments, 1026):
        row, column = coordinate_to_tuple(comment.ref)
        shapes.append(
            _VML_SHAPE.format(
                width=_escape_attrib(str(comment.width)),
                height=_escape_attrib(str(comment.height)),
                id=number,
                row=row - 1,
                column=column - 1,
            )
        )
    return (_VML_HEAD + "".join(shapes) + "</xml>").encode("utf-8", "xmlcharrefreplace")


def _finite_number(value: object) -> bool:
    if type(value) not in _PLAIN_NUMBERS:  # a bool, Decimal or numpy number: openpyxl's
        return False
    return value == value and value not in (float("inf"), float("-inf"))  # type: ignore[operator]
