"""追回 (SPEC §8): every amount owed back to the fund, its source and status, what was netted off
later payments and what is still open, for the person who pursues it."""

from __future__ import annotations

import pandas as pd

from policy.catalogue import TITLES
from workbooks.print_setup import page_header
from workbooks.xlsx import Column, Table, workbook_bytes

FILE_NAME = "追回清单.xlsx"
SIGNATURES = [
    f"{role}（签字）：＿＿＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
    for role in ("经办人", "复核人", "负责人")
]
COLUMNS = [
    Column("追回编号"),
    Column("项目", wrap=True, width=16),
    Column("政策年度"),
    Column("应追回对象", wrap=True, width=18),
    Column("受益对象编号"),
    Column("应追回（元）", "money"),
    Column("已抵扣（元）", "money"),
    Column("抵扣中（元）", "money"),
    Column("待追回（元）", "money"),
    Column("状态"),
    Column("原因", wrap=True, width=24),
    Column("来源", wrap=True, width=20),
    Column("登记人"),
]


def recovery_workbook(items: pd.DataFrame, as_of: str) -> bytes:
    """`items` as `money.recovery.items_frame` gives them (amounts in fen)."""
    rows = pd.DataFrame(
        {
            "追回编号": items["item_id"],
            "项目": items["program"].map(TITLES),
            "政策年度": items["period"],
            "应追回对象": items["name"].where(items["name"] != "", "（名称未知，见编号）"),
            "受益对象编号": items["beneficiary_id"],
            "应追回（元）": items["amount_fen"],
            "已抵扣（元）": items["applied"],
            "抵扣中（元）": items["pending"],
            "待追回（元）": items["open"],
            "状态": items["status"],
            "原因": items["reason"],
            "来源": items["source"],
            "登记人": items["created_by"],
        }
    )
    table = Table(
        "追回",
        COLUMNS,
        rows,
        titled=True,
        lines_above=[("追回清单", f"截至 {as_of}，共 {len(rows)} 项")],
        total=True,
        lines_below=SIGNATURES,
    )
    return workbook_bytes([table], page_head=page_header("追回清单"))
