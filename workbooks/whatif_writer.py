"""The what-if comparison workbook: 调整的参数 (each changed value, old → new, with its
document), 测算对比 (the overall change of cash, relief and deferral apart, then per programme
and city) and 变化明细 (rows).

Formatted like the ledger (`workbooks.xlsx`): frozen headers, filters, money as `#,##0.00`,
applicant text never a formula. A province-wide change can touch more rows than a sheet holds:
the sheet then keeps the first rows and says so; `changed_rows.csv` beside it has them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ledger.whatif import OUTCOME_TEXT, PROVINCE, Comparison
from policy.catalogue import CASH, DEFERRAL, RELIEF, TITLES
from policy.money import fen_grouped
from workbooks.print_setup import page_header
from workbooks.xlsx import EXCEL_MAX_ROWS, Column, Table, workbook_bytes

SUMMARY_COLUMNS = [
    Column("项目"),
    Column("地市"),
    Column("受益对象（调整前）", "number"),
    Column("受益对象（调整后）", "number"),
    Column("受益对象增减", "number"),
    Column("金额（调整前，元）", "money"),
    Column("金额（调整后，元）", "money"),
    Column("金额增减（元）", "money"),
]
CHANGED_COLUMNS = [
    Column("项目"),
    Column("文件"),
    Column("工作表"),
    Column("行号", "number"),
    Column("统一社会信用代码"),
    Column("身份证号"),
    Column("名称"),
    Column("地市"),
    Column("结果（调整前）"),
    Column("结果（调整后）"),
    Column("金额（调整前，元）", "money"),
    Column("金额（调整后，元）", "money"),
    Column("原因代码（调整前）"),
    Column("原因代码（调整后）"),
    Column("变化原因", width=60),
]


PARAMETER_COLUMNS = [
    Column("参数", width=40),
    Column("生效日期"),
    Column("调整前", width=30),
    Column("调整后", width=30),
    Column("单位"),
    Column("依据文件", width=50),
    Column("参数代码", printed=False),  # for machines, last (SPEC §4)
]
KINDS = (
    ("现金补贴", list(CASH)),
    ("社会保险费减免", [RELIEF.code]),
    ("社会保险费缓缴", [DEFERRAL.code]),
)


def comparison_workbook(
    comparison: Comparison,
    facts: Sequence[tuple[str, str]],
    changes: Sequence[dict[str, str]] = (),
    max_rows: int = EXCEL_MAX_ROWS - 1,
) -> bytes:
    by_city = comparison.by_city
    summary = pd.DataFrame(
        {
            "program": by_city["program"].map(TITLES),
            "city": by_city["city"],
            "b0": by_city["beneficiaries_before"],
            "b1": by_city["beneficiaries_after"],
            "db": by_city["beneficiaries_change"],
            "a0": by_city["amount_before"],
            "a1": by_city["amount_after"],
            "da": by_city["amount_change"],
        }
    )
    changed = comparison.changed
    shown = changed.head(max_rows)
    lines = [*_overall(comparison), *facts]
    lines.append(("调整的参数", f"{len(changes)} 项（见“调整的参数”）"))
    lines.append(("结果变化的行", f"{len(changed)} 行（明细见“变化明细”）"))
    if len(changed) > max_rows:
        lines.append(
            ("提示", f"变化明细超过一张工作表的上限，仅列前 {max_rows} 行；全部见 changed_rows.csv")
        )
    rows = pd.DataFrame(
        {
            "program": shown["program"].map(TITLES),
            "file": shown["file"],
            "sheet": shown["sheet"],
            "row": shown["row"],
            "credit_code": shown["credit_code"],
            "id_number": shown["id_number"],
            "name": shown["name"],
            "city": shown["city"],
            "o0": shown["outcome_before"].map(OUTCOME_TEXT),
            "o1": shown["outcome_after"].map(OUTCOME_TEXT),
            "a0": shown["amount_before"],
            "a1": shown["amount_after"],
            "r0": shown["reason_codes_before"],
            "r1": shown["reason_codes_after"],
            "why": shown["why"],
        }
    )
    keys = ["description", "start", "before", "after", "unit", "reference", "name"]
    parameters = pd.DataFrame(
        [[change[k] or "（无）" for k in keys] for change in changes],
        columns=[c.header for c in PARAMETER_COLUMNS],
        dtype=object,
    )
    return workbook_bytes(
        [
            Table("调整的参数", PARAMETER_COLUMNS, parameters),
            Table("测算对比", SUMMARY_COLUMNS, summary, lines_above=lines),
            Table("变化明细", CHANGED_COLUMNS, rows),
        ],
        page_head=page_header("政策调整测算"),
    )


def _overall(comparison: Comparison) -> list[tuple[str, str]]:
    """The province's change of cash, relief and deferral, each apart (never summed)."""
    province = comparison.by_city[comparison.by_city["city"] == PROVINCE]
    lines = []
    for label, programmes in KINDS:
        rows = province[province["program"].isin(programmes)]
        before, after = int(rows["amount_before"].sum()), int(rows["amount_after"].sum())
        change = after - before
        sign = "+" if change > 0 else ("-" if change < 0 else "")
        lines.append(
            (
                f"{label}总体变化",
                f"{fen_grouped(before)} 元 → {fen_grouped(after)} 元，"
                f"增减 {sign}{fen_grouped(abs(change))} 元",
            )
        )
    return lines
