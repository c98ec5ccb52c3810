"""地市金额: each city's amount per programme as a table, and the 汇总 sheet's chart of it.

Cash programmes count what the applications are owed (earlier batches' payments included),
relief and deferral their registers — the same figures as the 汇总 table and the Prefect run
summary's city table.
"""

from __future__ import annotations

import pandas as pd

from ledger.settlement import SettledBatch, city_amounts
from policy.catalogue import CATALOGUE
from validators.checks import city_rank
from workbooks.chart import BarChart
from workbooks.xlsx import Column, Table

SHEET = "地市金额"
CHART_TITLE = "各地市现金补贴金额（元）"
# Under the 地市金额 table, as wide as it, 24 rows high: it prints with the table it charts.
CHART_COLUMNS, CHART_ROWS = 7, 24


def city_table(settled: SettledBatch) -> Table:
    amounts = city_amounts(settled)
    cities = sorted({city for city, _ in amounts}, key=city_rank)
    columns = [Column("地市"), *(Column(p.title, "money") for p in CATALOGUE)]
    rows = pd.DataFrame(
        [[city, *(amounts.get((city, p.code), 0) for p in CATALOGUE)] for city in cities],
        columns=[c.header for c in columns],
    )
    rows = rows.astype({c.header: "int64" for c in columns[1:]})
    return Table(SHEET, columns, rows, total=True)


def city_chart(table: Table) -> BarChart:
    """A stacked bar per city, a segment per cash programme, reading `table`'s cells, drawn
    under the table. Relief and deferral are registers, not payments: they stay in the table
    and are never stacked onto cash (SPEC §4)."""
    cash = {p.title for p in CATALOGUE if p.is_cash}
    chosen = [
        (position, column) for position, column in enumerate(table.columns) if column.header in cash
    ]
    series = [(column.header, (table.rows[column.header] / 100).tolist()) for _, column in chosen]
    top = len(table.rows) + table.rows_below + 2
    anchor = (0, top, CHART_COLUMNS, top + CHART_ROWS)
    return BarChart(
        CHART_TITLE,
        SHEET,
        table.rows["地市"].tolist(),
        series,
        anchor,
        [position for position, _ in chosen],
    )
