"""A bar chart added to a finished workbook: amounts per city, one bar segment per programme.

The Rust engine that writes the ledger has no chart API in its Python binding, so the chart
parts (DrawingML chart, drawing, relationships, content types) are added to the package
afterwards, copying every other member's compressed bytes as they are — the workbook stays
repeatable. The chart reads its figures from a sheet of the same workbook and carries them
cached too, so it shows before any recalculation.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from workbooks.xlsx import copy_member

CHART = "xl/charts/chart1.xml"
DRAWING = "xl/drawings/drawing1.xml"
DRAWING_RELS = "xl/drawings/_rels/drawing1.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# Where the drawing goes among a worksheet's closing elements (ECMA-376 order).
AFTER_DRAWING = (
    "<legacyDrawing",
    "<legacyDrawingHF",
    "<picture",
    "<oleObjects",
    "<controls",
    "<webPublishItems",
    "<tableParts",
    "<extLst",
    "</worksheet>",
)


@dataclass(frozen=True)
class BarChart:
    """A stacked bar per category (city); `series` are (name, values in yuan) per programme.

    `source` is the sheet whose column A holds the categories from row 2; each series is read
    from its column there (`columns`, 1-based after A; by default the next ones), its name in
    row 1.
    """

    title: str
    source: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    anchor: tuple[int, int, int, int]  # first column, first row, last column, last row (0-based)
    columns: Sequence[int] = ()


def with_chart(data: bytes, sheet_path: str, chart: BarChart) -> bytes:
    """The workbook `data` with `chart` drawn on the worksheet stored at `sheet_path`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = set(source.namelist())
    sheet_rels = sheet_path.replace("worksheets/", "worksheets/_rels/") + ".rels"
    added = {
        CHART: _chart_xml(chart),
        DRAWING: _drawing_xml(chart.anchor),
        DRAWING_RELS: _relationships([("rId1", "chart", "../charts/chart1.xml")]),
    }
    changed = {
        CONTENT_TYPES: _content_types(source.read(CONTENT_TYPES).decode()),
        sheet_path: _with_drawing(source.read(sheet_path).decode()),
        sheet_rels: _sheet_relationships(
            source.read(sheet_rels).decode() if sheet_rels in names else None
        ),
    }
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in changed:
                _write(target, info.filename, changed.pop(info.filename), info.date_time)
            else:
                copy_member(source, target, info)
        for name, text in [*changed.items(), *added.items()]:
            _write(target, name, text, (1980, 1, 1, 0, 0, 0))
    return target_buffer.getvalue()


def _write(target: zipfile.ZipFile, name: str, text: str, date_time: tuple) -> None:  # type: ignore[type-arg]
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    target.writestr(info, text.encode("utf-8"))


def _content_types(text: str) -> str:
    overrides = (
        f'<Override PartName="/{CHART}" ContentType='
        '"application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>'
        f'<Override PartName="/{DRAWING}" ContentType='
        '"application/vnd.openxmlformats-officedocument.drawing+xml"/>'
    )
    return text.replace("</Types>", overrides + "</Types>")


def _with_drawing(sheet: str) -> str:
    position = min(i for i in (sheet.find(tag) for tag in AFTER_DRAWING) if i >= 0)
    return sheet[:position] + '<drawing r:id="rIdChart"/>' + sheet[position:]


def _sheet_relationships(existing: str | None) -> str:
    link = (
        f'<Relationship Id="rIdChart" Type="{RELATIONSHIPS}/drawing"'
        ' Target="../drawings/drawing1.xml"/>'
    )
    if existing is None:
        return _relationships([]).replace("</Relationships>", link + "</Relationships>")
    return existing.replace("</Relationships>", link + "</Relationships>")


def _relationships(links: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<Relationship Id="{i}" Type="{RELATIONSHIPS}/{kind}" Target="{target}"/>'
        for i, kind, target in links
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        f'"http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>'
    )


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _chart_xml(chart: BarChart) -> str:
    sheet = "'" + chart.source.replace("'", "''") + "'"
    last = len(chart.categories) + 1
    categories = "".join(
        f'<c:pt idx="{i}"><c:v>{escape(name)}</c:v></c:pt>'
        for i, name in enumerate(chart.categories)
    )
    series = []
    for number, (name, values) in enumerate(chart.series):
        column = _column(chart.columns[number] if chart.columns else number + 1)
        points = "".join(f'<c:pt idx="{i}"><c:v>{v:.2f}</c:v></c:pt>' for i, v in enumerate(values))
        series.append(
            f'<c:ser><c:idx val="{number}"/><c:order val="{number}"/>'
            f'<c:tx><c:strRef><c:f>{sheet}!${column}$1</c:f><c:strCache><c:ptCount val="1"/>'
            f'<c:pt idx="0"><c:v>{escape(name)}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
            f"<c:cat><c:strRef><c:f>{sheet}!$A$2:$A${last}</c:f><c:strCache>"
            f'<c:ptCount val="{len(chart.categories)}"/>{categories}</c:strCache></c:strRef></c:cat>'
            f"<c:val><c:numRef><c:f>{sheet}!${column}$2:${column}${last}</c:f><c:numCache>"
            f'<c:formatCode>#,##0.00</c:formatCode><c:ptCount val="{len(values)}"/>{points}'
            "</c:numCache></c:numRef></c:val></c:ser>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"'
        ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
        f' xmlns:r="{RELATIONSHIPS}"><c:chart>'
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{escape(chart.title)}</a:t></a:r>"
        '</a:p></c:rich></c:tx><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        '<c:plotArea><c:layout/><c:barChart><c:barDir val="bar"/><c:grouping val="stacked"/>'
        f'<c:varyColors val="0"/>{"".join(series)}<c:gapWidth val="60"/><c:overlap val="100"/>'
        '<c:axId val="5001"/><c:axId val="5002"/></c:barChart>'
        '<c:catAx><c:axId val="5001"/><c:scaling><c:orientation val="maxMin"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="5002"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
        '<c:valAx><c:axId val="5002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:majorGridlines/>'
        '<c:numFmt formatCode="#,##0" sourceLinked="0"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="5001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/>'
        '</c:valAx></c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
        '<c:plotVisOnly val="1"/></c:chart></c:chartSpace>'
    )


def _drawing_xml(anchor: tuple[int, int, int, int]) -> str:
    first_column, first_row, last_column, last_row = anchor
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'
        ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor>'
        f"<xdr:from><xdr:col>{first_column}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{first_row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
        f"<xdr:to><xdr:col>{last_column}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{last_row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="地市金额图"/>'
        '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>'
        '<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData'
        ' uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"'
        f' xmlns:r="{RELATIONSHIPS}" r:id="rId1"/></a:graphicData></a:graphic>'
        "</xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>"
    )
