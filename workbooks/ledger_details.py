"""The ledger's detail sheets built from the settled batch: 支付明细 (payments and top-ups),
核减待复核 (decreases left for review), 减免明细 and 缓缴明细 (the registers). Each is a `Detail`:
its table and each row's city, so that a sheet too long for Excel can be split by city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ledger.payments import TOPUP
from policy.catalogue import RELIEF, TITLES
from policy.contributions import INSURANCES
from workbooks.xlsx import Column, Table


def table_frame(columns: list[Column], rows: list[list[object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[c.header for c in columns]).astype(
        {c.header: "int64" for c in columns if c.kind in ("money", "number")}
    )


# The signature block under 汇总, 支付明细 and the 资金拨付申请表 (SPEC §4).
SIGNATURES = "填表人：＿＿＿＿＿＿　　复核人：＿＿＿＿＿＿　　审批人：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"


@dataclass(frozen=True)
class Detail:
    """A detail sheet: its table and the city of each row (for splitting by city)."""

    table: Table
    cities: pd.Series
    total: str | None = None


def provisional_text(programs: pd.Series, provisional: Mapping[str, list[str]]) -> pd.Series:
    text = {p: "、".join(names) or "否" for p, names in provisional.items()}
    return programs.map(text).fillna("否")


def payments_detail(payments: pd.DataFrame, provisional: Mapping[str, list[str]]) -> Detail:
    columns = [
        Column("支付编号"),
        Column("项目"),
        Column("收款人代码"),
        Column("收款人名称"),
        Column("地市"),
        Column("开户银行"),
        Column("银行账号"),
        Column("支付金额（元）", "money"),
        Column("封顶前金额（元）", "money"),
        Column("明细行数", "number"),
        Column("支付类型"),
        Column("原支付编号"),
        Column("此前已付（元）", "money"),
        Column("备注"),
        Column("暂定参数"),
    ]
    paid_before = payments["paid_before"].astype("int64")
    owed = payments["amount"].astype("int64") + paid_before
    capped = payments["uncapped"].astype("int64") > owed
    topup = payments["kind"] == TOPUP
    notes = np.where(capped, "已按每家企业补贴上限封顶", "")
    notes = np.where(topup, np.char.add("补发差额（按现行参数应付合计减此前已付）", notes), notes)
    rows = pd.DataFrame(
        {
            "id": payments["payment_id"],
            "program": payments["program"].map(TITLES),
            "beneficiary": payments["beneficiary_id"],
            "name": payments["beneficiary_name"],
            "city": payments["city"],
            "bank": payments["bank_name"],
            "account": payments["bank_account"],
            "amount": payments["amount"].astype("int64"),
            "uncapped": payments["uncapped"].astype("int64"),
            "rows": payments["rows"].astype("int64"),
            "kind": np.where(topup, "补发", "支付"),
            "original": payments["original_payment_id"],
            "paid_before": paid_before,
            "note": notes,
            "provisional": provisional_text(payments["program"], provisional),
        }
    )
    table = Table("支付明细", columns, rows, total=True, lines_below=[SIGNATURES])
    return Detail(table, payments["city"], total="支付金额（元）")


def decreases_table(decreases: pd.DataFrame) -> Table:
    """Beneficiaries owed less under the current parameters than was paid: not clawed back."""
    columns = [
        Column("项目"),
        Column("收款人代码"),
        Column("收款人名称"),
        Column("地市"),
        Column("原支付编号"),
        Column("此前已付（元）", "money"),
        Column("按现行参数应付（元）", "money"),
        Column("差额（元）", "money"),
        Column("处理", width=40),
    ]
    rows = pd.DataFrame(
        {
            "program": decreases["program"].map(TITLES),
            "beneficiary": decreases["beneficiary_id"],
            "name": decreases["beneficiary_name"],
            "city": decreases["city"],
            "original": decreases["original_payment_id"],
            "paid_before": decreases["paid_before"].astype("int64"),
            "owed": decreases["owed"].astype("int64"),
            "difference": decreases["difference"].astype("int64"),
            "action": "已登记待追回：此后对其支付先行抵扣，或追回后登记",
        }
    )
    return Table("核减待复核", columns, rows)


def relief_detail(register: pd.DataFrame | None, provisional: Mapping[str, list[str]]) -> Detail:
    columns = [Column("统一社会信用代码"), Column("单位名称"), Column("地市"), Column("所属期")]
    for name in INSURANCES.values():
        columns += [
            Column(f"{name}应缴（元）", "money"),
            Column(f"{name}减免（元）", "money"),
            Column(f"{name}实缴（元）", "money"),
        ]
    columns += [
        Column("减免合计（元）", "money"),
        Column("文件"),
        Column("行号", "number"),
        Column("暂定参数"),
    ]
    if register is None or register.empty:
        return Detail(Table("减免明细", columns, table_frame(columns, [])), pd.Series(dtype=object))
    data: dict[str, Any] = {
        "credit_code": register["credit_code"],
        "name": register["name"],
        "city": register["city"],
        "month": register["month"],
    }
    for key in INSURANCES:
        for part in ("due", "relief", "payable"):
            data[f"{key}_{part}"] = register[f"{key}_{part}"].astype("int64")
    data["total"] = sum(register[f"{key}_relief"].astype("int64") for key in INSURANCES)
    data["file"] = register["file"]
    data["row"] = register["row"].astype("int64")
    data["provisional"] = "、".join(provisional.get(RELIEF.code, [])) or "否"
    return Detail(
        Table("减免明细", columns, pd.DataFrame(data).reset_index(drop=True), total=True),
        register["city"].reset_index(drop=True),
        total="减免合计（元）",
    )


def deferral_detail(schedule: pd.DataFrame | None) -> Detail:
    columns = [
        Column("统一社会信用代码"),
        Column("单位名称"),
        Column("地市"),
        Column("所属期"),
        Column("险种"),
        Column("缓缴金额（元）", "money"),
        Column("原缴费截止日"),
        Column("缓缴到期日"),
        Column("滞纳天数", "number"),
        Column("免收滞纳金（元）", "money"),
        Column("文件"),
        Column("行号", "number"),
    ]
    if schedule is None or schedule.empty:
        return Detail(Table("缓缴明细", columns, table_frame(columns, [])), pd.Series(dtype=object))
    rows = pd.DataFrame(
        {
            "credit_code": schedule["credit_code"],
            "name": schedule["name"],
            "city": schedule["city"],
            "month": schedule["month"].dt.strftime("%Y-%m"),
            "insurance": schedule["insurance"].map(INSURANCES),
            "deferred": schedule["deferred"].astype("int64"),
            "original_due": schedule["original_due"].dt.strftime("%Y-%m-%d"),
            "new_due": schedule["new_due"].dt.strftime("%Y-%m-%d"),
            "days": schedule["days"].astype("int64"),
            "fee": schedule["late_fee_waived"].astype("int64"),
            "file": schedule["file"],
            "row": schedule["row"].astype("int64"),
        }
    ).reset_index(drop=True)
    return Detail(
        Table("缓缴明细", columns, rows, total=True),
        schedule["city"].reset_index(drop=True),
        total="缓缴金额（元）",
    )
