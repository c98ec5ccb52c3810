"""The ledger's 风险核查 sheet (SPEC §2 Screening before payment): one line per risk found on a
row — the row, the risk and its evidence (the list, its row and date, the other party) — and,
above, the checks that could not run and why. The rows are held: the reviewer's verdict goes in
待复核 like any hold (通过 pays, 驳回 rejects with the comment)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from policy.catalogue import TITLES
from policy.money import fen_grouped
from policy.outcomes import HELD, REASONS
from workbooks.xlsx import Column, Table

SHEET = "风险核查"
COLUMNS = [  # each printed column on one page width: the row is found by 文件 and 行号
    Column("名称", width=14, wrap=True),
    Column("项目", width=12, wrap=True),
    Column("风险", width=12, wrap=True),
    Column("依据", width=34, wrap=True),
    Column("拟发放金额（元）", "money", width=11),
    Column("文件", width=14, wrap=True),
    Column("工作表", width=9, wrap=True),
    Column("行号", "number", width=5),
    Column("风险代码", printed=False),
]


def risk_lines(decisions: pd.DataFrame) -> pd.DataFrame:
    """One line per (held row, risk), in the decisions' order."""
    if "risks" not in decisions:
        return pd.DataFrame(columns=[c.header for c in COLUMNS])
    held = decisions[(decisions["outcome"] == HELD) & (decisions["risks"].fillna("") != "")]
    lines = []
    for row in held.itertuples(index=False):
        for line in str(row.risks).split("\n"):
            code, evidence = line.split("\t", 1)
            lines.append(
                [
                    row.name,
                    TITLES[str(row.program)],
                    REASONS[code].split("，")[0].removeprefix("风险核查："),
                    evidence,
                    int(row.proposed),
                    row.file,
                    row.sheet,
                    int(row.row),
                    code,
                ]
            )
    return pd.DataFrame(lines, columns=[c.header for c in COLUMNS])


def risk_table(decisions: pd.DataFrame, missing: Mapping[str, str]) -> Table:
    lines = risk_lines(decisions)
    count, fen = risk_summary(decisions)
    above = [
        (
            "风险核查",
            f"暂缓支付 {count} 行，拟发放 {fen_grouped(fen)} 元"
            "：请核实依据后在“待复核”工作表填写复核结论（通过则发放，驳回须写明理由）",
        )
    ]
    above += [(f"未核查（{code}）", f"REFERENCE_MISSING：{why}") for code, why in missing.items()]
    return Table(SHEET, COLUMNS, lines, lines_above=above)


def risk_summary(decisions: pd.DataFrame) -> tuple[int, int]:
    """How many rows are held for risk, and what they would be paid (fen)."""
    if "risks" not in decisions:
        return 0, 0
    held = decisions[(decisions["outcome"] == HELD) & (decisions["risks"].fillna("") != "")]
    return len(held), int(held["proposed"].sum())
