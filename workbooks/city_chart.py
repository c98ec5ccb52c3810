"""地市金额: each city's amount per programme as a table, and the 汇总 sheet's chart of it.

Cash programmes count what the applications are owed (earlier batches' payments included),
relief and deferral their registers — the same figures as the 汇总 table and the Prefect run
summary's city table.
"""

from __future__ import annotations

import pandas as pd

from ledger.settlement import SettledBatch, city_amounts
from policy.catalogue import CATALOGUE
from workbooks.chart import BarChart
from workbooks.xlsx import Column, Table

SHEET = "地市金额"
CHART_TITLE = "各地市各项目金额（元）"
# Right of the 汇总 table (columns A–J), from its first row, about 16 columns by 30 rows.
ANCHOR_COLUMN, ANCHOR_HEIGHT = 11, 30


def city_table(settled: SettledBatch) -> Table:
    amounts = city_amounts(settled)
    cities = sorted({city for city, _ in amounts})
    columns = [Column("地市"), *(Column(p.title, "money") for p in CATALOGUE)]
    rows = pd.DataFrame(
        [[city, *(amounts.get((city, p.code), 0) for p in CATALOGUE)] for city in cities],
        columns=[c.header for c in columns],
    )
    return Table(SHEET, columns, rows.astype({c.header: "int64" for c in columns[1:]}))


def city_chart(table: Table) -> BarChart:
    """A stacked bar per city, a segment per programme, reading `table`'s cells."""
    series = [
        (column.header, (table.rows[column.header] / 100).tolist()) for column in table.columns[1:]
    ]
    rows = len(table.rows)
    anchor = (ANCHOR_COLUMN, 0, ANCHOR_COLUMN + 16, max(ANCHOR_HEIGHT, rows + 8))
    return BarChart(CHART_TITLE, SHEET, table.rows["地市"].tolist(), series, anchor)
