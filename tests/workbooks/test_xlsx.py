"""The fast writer's rows as Excel reads them: one `<row>` element per row, heights within
Excel's limit, lines above a table and wrapped cells as tall as their text."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest

from workbooks.xlsx import MAX_ROW_HEIGHT, Column, Table, workbook_bytes

COLUMNS = [
    Column("文件"),
    Column("行号", "number"),
    Column("拟支付金额（元）", wrap=True, width=10),
]


def rows_of(data: bytes) -> list[tuple[int, float | None]]:
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    return [
        (int(number), float(height) if height else None)
        for number, height in re.findall(r'<row r="(\d+)"(?: ht="([\d.]+)")?', sheet)
    ]


@pytest.mark.parametrize(
    ("text", "count", "above"),
    [
        ("很长的原因说明" * 4, 1, []),  # the last row wraps (the engine would write it twice)
        ("很长的原因说明" * 400, 2, []),  # taller than Excel allows
        ("短", 0, []),  # no rows: the wrapped header is the last row
        ("很长的原因说明", 2, [("暂定参数", "很长的一行说明文字" * 60)]),
    ],
)
def test_workbook__one_row_element_per_row_and_heights_within_excels_limit(
    text: str, count: int, above: list[tuple[str, str]]
) -> None:
    rows = pd.DataFrame(
        {
            "文件": ["a.xlsx"] * count,
            "行号": range(2, 2 + count),
            "拟支付金额（元）": [text] * count,
        }
    )
    written = rows_of(workbook_bytes([Table("待复核", COLUMNS, rows, lines_above=above)]))
    numbers = [number for number, _ in written]
    assert len(numbers) == len(set(numbers))
    assert all(height is None or height <= MAX_ROW_HEIGHT for _, height in written)
    header = len(above) + 2 if above else 1  # a blank row between the lines and the header
    heights = dict(written)
    assert heights[header]  # the header wraps in its narrow column
    if count:
        assert heights[header + count] and heights[header + count] > 15  # the last row is tall
    if above:
        assert heights[1] and heights[1] > 15  # the long line above the table
