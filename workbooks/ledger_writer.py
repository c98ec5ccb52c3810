"""The reviewers' ledger workbook (SPEC §4): summary, payments, registers, rejections, review.

Sheets: 汇总 (totals per programme and city), 支付明细, 减免明细, 缓缴明细, 不予受理, 待复核 (with a
通过/驳回 drop-down for the reviewer), 参数 (the policy parameters and version used). Every payment and
register row names the document behind its amount and whether a provisional parameter was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from ledger.outputs import PROGRAM_ORDER, sort_decisions
from ledger.settlement import REVIEW_APPROVE, REVIEW_REJECT, SettledBatch
from policy.contributions import INSURANCES
from policy.money import fen_to_decimal
from policy.outcomes import HELD, REJECTED
from validators.sheets import PROGRAMS
from workbooks.styling import HEADER_FONT, Column, set_value, workbook_bytes, write_table

REVIEW_SHEET = "待复核"
SUMMARY_LABELS = {
    "batch_id": "批次号",
    "as_of": "审核基准日",
    "policy_version": "政策版本",
    "provisional": "暂定参数",
}
REVIEW_COLUMNS = [
    Column("项目代码"),
    Column("文件"),
    Column("工作表"),
    Column("行号"),
    Column("项目"),
    Column("统一社会信用代码"),
    Column("身份证号"),
    Column("名称"),
    Column("原因代码"),
    Column("原因说明", width=50),
    Column("拟支付金额（元）", money=True),
    Column("复核结论", width=12),
    Column("复核意见", width=40),
]
AMOUNT_MEANING = {
    "contribution_relief": "减免额",
    "contribution_deferral": "缓缴额",
}


def _money(fen: object) -> object:
    return fen_to_decimal(int(fen))  # type: ignore[call-overload]


def _title(program: str) -> str:
    return PROGRAMS[program].title


def ledger_bytes(
    settled: SettledBatch,
    manifest: Mapping[str, Any],
    provisional: Mapping[str, list[str]],
    parameter_rows: list[dict[str, str]],
) -> bytes:
    """The whole ledger workbook as repeatable bytes."""
    workbook = Workbook()
    _summary(workbook.active, settled, manifest, provisional)
    _payments(workbook.create_sheet("支付明细"), settled.payments, provisional)
    _relief(
        workbook.create_sheet("减免明细"),
        settled.registers.get("contribution_relief"),
        provisional.get("contribution_relief", []),
    )
    _deferral(workbook.create_sheet("缓缴明细"), settled.registers.get("contribution_deferral"))
    decisions = sort_decisions(settled.decisions) if len(settled.decisions) else settled.decisions
    _rejected(workbook.create_sheet("不予受理"), decisions)
    _review(workbook.create_sheet(REVIEW_SHEET), decisions)
    write_table(
        workbook.create_sheet("参数"),
        [
            Column("参数"),
            Column("说明", width=40),
            Column("生效日期"),
            Column("取值", width=40),
            Column("单位"),
            Column("依据文件", width=60),
            Column("暂定"),
        ],
        [
            [
                r["name"],
                r["description"],
                r["start"],
                r["value"],
                r["unit"],
                r["reference"],
                r["provisional"],
            ]
            for r in parameter_rows
        ],
    )
    return workbook_bytes(workbook)


def _summary(
    sheet: Any,
    settled: SettledBatch,
    manifest: Mapping[str, Any],
    provisional: Mapping[str, list[str]],
) -> None:
    sheet.title = "汇总"
    used = sorted({p for names in provisional.values() for p in names})
    info = [
        (SUMMARY_LABELS["batch_id"], manifest["batch_id"]),
        (SUMMARY_LABELS["as_of"], manifest["as_of"]),
        (SUMMARY_LABELS["policy_version"], manifest["policy_version"]),
        (SUMMARY_LABELS["provisional"], "、".join(used) if used else "无"),
    ]
    for number, (label, value) in enumerate(info, start=1):
        sheet.cell(row=number, column=1, value=label)
        set_value(sheet.cell(row=number, column=2), value)
    rows = []
    for program in PROGRAM_ORDER:
        figures = manifest["programs"][program]
        rows.append(
            [
                _title(program),
                program,
                figures["input_rows"],
                figures["approved"],
                figures["rejected"],
                figures["held"],
                pd.to_numeric(figures["amount"]),
                AMOUNT_MEANING.get(program, "支付金额"),
                "是" if provisional.get(program) else "否",
            ]
        )
    start = len(info) + 2
    write_table(
        sheet,
        [
            Column("项目"),
            Column("项目代码"),
            Column("申报行数"),
            Column("通过"),
            Column("不予受理"),
            Column("待复核"),
            Column("金额（元）", money=True),
            Column("金额口径"),
            Column("使用暂定参数"),
        ],
        rows,
        start_row=start,
    )
    by_city = _city_totals(settled)
    city_start = start + len(rows) + 3
    unusable = [i for i in manifest["inputs"] if i["error"]]
    if unusable:
        sheet.cell(row=city_start - 1, column=4, value="未能处理的文件")
        for offset, item in enumerate(unusable):
            set_value(sheet.cell(row=city_start + offset, column=4), item["file"])
            sheet.cell(row=city_start + offset, column=5, value=item["error"])
            sheet.cell(row=city_start + offset, column=6, value=item["message"])
    sheet.cell(row=city_start - 1, column=1, value="按地市汇总（元）")
    headers = [Column("地市")] + [Column(_title(p), money=True) for p in PROGRAM_ORDER]
    for index, column in enumerate(headers, start=1):
        sheet.cell(row=city_start, column=index, value=column.header).font = HEADER_FONT
    for offset, (city, amounts) in enumerate(by_city.items(), start=1):
        sheet.cell(row=city_start + offset, column=1, value=city)
        for index, program in enumerate(PROGRAM_ORDER, start=2):
            cell = sheet.cell(
                row=city_start + offset, column=index, value=_money(amounts.get(program, 0))
            )
            cell.number_format = "#,##0.00"


def _city_totals(settled: SettledBatch) -> dict[str, dict[str, int]]:
    """Amount per city and programme: capped payments for cash, decisions for the registers."""
    totals: dict[str, dict[str, int]] = {}
    frames = [settled.payments[["city", "program", "amount"]]]
    if len(settled.decisions):
        registers = settled.decisions[settled.decisions["program"].isin(AMOUNT_MEANING)]
        frames.append(registers[["city", "program", "amount"]])
    combined = pd.concat(frames)
    for (city, program), amount in combined.groupby(["city", "program"])["amount"].sum().items():
        totals.setdefault(str(city), {})[str(program)] = int(amount)
    return dict(sorted(totals.items()))


def _payments(sheet: Any, payments: pd.DataFrame, provisional: Mapping[str, list[str]]) -> None:
    rows = [
        [
            r.payment_id,
            _title(r.program),
            r.beneficiary_id,
            r.beneficiary_name,
            r.city,
            r.bank_name,
            r.bank_account,
            _money(r.amount),
            _money(r.uncapped),
            int(r.rows),
            "已按每家企业补贴上限封顶" if r.uncapped > r.amount else "",
            "、".join(provisional.get(r.program, [])) or "否",
        ]
        for r in payments.itertuples(index=False)
    ]
    write_table(
        sheet,
        [
            Column("支付编号"),
            Column("项目"),
            Column("收款人代码"),
            Column("收款人名称"),
            Column("地市"),
            Column("开户银行"),
            Column("银行账号"),
            Column("支付金额（元）", money=True),
            Column("封顶前金额（元）", money=True),
            Column("明细行数"),
            Column("备注"),
            Column("暂定参数"),
        ],
        rows,
    )


def _relief(sheet: Any, register: pd.DataFrame | None, provisional: list[str]) -> None:
    columns = [Column("统一社会信用代码"), Column("单位名称"), Column("地市"), Column("所属期")]
    for name in INSURANCES.values():
        columns += [
            Column(f"{name}应缴（元）", money=True),
            Column(f"{name}减免（元）", money=True),
            Column(f"{name}实缴（元）", money=True),
        ]
    columns += [
        Column("减免合计（元）", money=True),
        Column("文件"),
        Column("行号"),
        Column("暂定参数"),
    ]
    rows = []
    for _, r in (register if register is not None else pd.DataFrame()).iterrows():
        values = [r["credit_code"], r["name"], r["city"], r["month"]]
        for key in INSURANCES:
            values += [
                _money(r[f"{key}_due"]),
                _money(r[f"{key}_relief"]),
                _money(r[f"{key}_payable"]),
            ]
        total = sum(int(r[f"{key}_relief"]) for key in INSURANCES)
        rows.append(
            [*values, _money(total), r["file"], int(r["row"]), "、".join(provisional) or "否"]
        )
    write_table(sheet, columns, rows)


def _deferral(sheet: Any, schedule: pd.DataFrame | None) -> None:
    rows = [
        [
            r["credit_code"],
            r["name"],
            r["city"],
            r["month"].strftime("%Y-%m"),
            INSURANCES[r["insurance"]],
            _money(r["deferred"]),
            r["original_due"].date().isoformat(),
            r["new_due"].date().isoformat(),
            int(r["days"]),
            _money(r["late_fee_waived"]),
            r["file"],
            int(r["row"]),
        ]
        for _, r in (schedule if schedule is not None else pd.DataFrame()).iterrows()
    ]
    write_table(
        sheet,
        [
            Column("统一社会信用代码"),
            Column("单位名称"),
            Column("地市"),
            Column("所属期"),
            Column("险种"),
            Column("缓缴金额（元）", money=True),
            Column("原缴费截止日"),
            Column("缓缴到期日"),
            Column("滞纳天数"),
            Column("免收滞纳金（元）", money=True),
            Column("文件"),
            Column("行号"),
        ],
        rows,
    )


def _rejected(sheet: Any, decisions: pd.DataFrame) -> None:
    rejected = decisions[decisions["outcome"] == REJECTED] if len(decisions) else decisions
    rows = [
        [
            r.file,
            r.sheet,
            int(r.row),
            _title(r.program),
            r.credit_code,
            r.id_number,
            r.name,
            r.reason_codes,
            r.message,
        ]
        for r in rejected.itertuples(index=False)
    ]
    write_table(
        sheet,
        [
            Column("文件"),
            Column("工作表"),
            Column("行号"),
            Column("项目"),
            Column("统一社会信用代码"),
            Column("身份证号"),
            Column("名称"),
            Column("原因代码"),
            Column("原因说明", width=60),
        ],
        rows,
    )


def _review(sheet: Any, decisions: pd.DataFrame) -> None:
    held = decisions[decisions["outcome"] == HELD] if len(decisions) else decisions
    rows = [
        [
            r.program,
            r.file,
            r.sheet,
            int(r.row),
            _title(r.program),
            r.credit_code,
            r.id_number,
            r.name,
            r.reason_codes,
            r.message,
            _money(r.proposed),
            None,
            None,
        ]
        for r in held.itertuples(index=False)
    ]
    write_table(sheet, REVIEW_COLUMNS, rows)
    choice = DataValidation(
        type="list",
        formula1=f'"{REVIEW_APPROVE},{REVIEW_REJECT}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="复核结论",
        error="请选择“通过”或“驳回”",
    )
    sheet.add_data_validation(choice)
    verdict_column = "L"
    choice.add(f"{verdict_column}2:{verdict_column}{max(len(rows), 1) + 1}")
