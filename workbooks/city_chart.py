"""地市金额 (each city's amount per programme, with a 合计 row) and 地市图表 (the same figures
charted: cash subsidies, relief and deferral each in a chart of its own, never stacked or summed
together, SPEC §4).

Cash programmes count what the applications are owed (earlier batches' payments included),
relief and deferral their registers — the same figures as the 汇总 table and the Prefect run
summary's city table. The charts are the engine's native charts; they read the chart sheet's
cells, which hold the city rows only (a 合计 bar would dwarf the cities).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from policy.catalogue import CATALOGUE, DEFERRAL, RELIEF
from validators.checks import city_rank
from workbooks.xlsx import Chart, Column, Table

SHEET = "地市金额"
CHART_SHEET = "地市图表"
CITY_HEADER = "地市（单位：元）"
CHARTS = (  # cash across the page (its legend names four programmes), then the two registers
    (Chart("各地市现金补贴应付金额", [p.title for p in CATALOGUE if p.is_cash], ""),),
    (
        Chart("各地市社会保险费减免额", [RELIEF.title], ""),
        Chart("各地市社会保险费缓缴额", [DEFERRAL.title], ""),
    ),
)


def city_table(amounts: Mapping[tuple[str, str], int]) -> Table:
    """地市金额: each city's amount per programme (`ledger.settlement.city_amounts`)."""
    cities = sorted({city for city, _ in amounts}, key=city_rank)
    columns = [Column(CITY_HEADER), *(Column(p.title, "money") for p in CATALOGUE)]
    rows = pd.DataFrame(
        [[city, *(amounts.get((city, p.code), 0) for p in CATALOGUE)] for city in cities],
        columns=[c.header for c in columns],
    )
    rows = rows.astype({c.header: "int64" for c in columns[1:]})
    return Table(SHEET, columns, rows, total=True)


def chart_table(cities: Table) -> Table:
    """地市图表: `cities`' rows without the 合计, and a chart per kind of amount under them."""
    return replace(
        cities,
        name=CHART_SHEET,
        total=False,
        lines_above=[("说明", "现金补贴、减免额、缓缴额分别成图，互不相加；合计见“地市金额”")],
        charts=[[replace(chart, categories=CITY_HEADER) for chart in line] for line in CHARTS],
    )
