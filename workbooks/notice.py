"""The workbooks of "policy finds people" (免申即享, SPEC §7): the public notice list, and the
proposal as a standard refund application a clerk feeds to an ordinary run to pay it.

公示名单 shows what the department publishes: name, masked credit code, city and amount, under
a title, the as-of date, the count and the total, the 公示期 (first and last day, at least the
parameter's working days), where objections go, and the publishing unit with its date. The application workbook carries the
canonical headers of `稳岗返还` (with the optional 上年初参保职工人数, the base of the rate) and
every value the rule needs, bank details included, so the run that pays it decides the same
rows the same way and takes the claims in the registry. Both are repeatable bytes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ledger.masking import mask_credit_codes
from policy.money import fen_to_decimal
from policy.publication import Publication
from validators.sheets import REFUND_SHEET
from workbooks.print_setup import page_header
from workbooks.xlsx import Column, Table, workbook_bytes

NOTICE_TITLE = "失业保险稳岗返还“免申即享”拟发放名单公示"
NOTICE_SHEET = "公示名单"
APPLICATION_FILE = "稳岗返还申请（免申即享）.xlsx"
# Column kinds of the schema as the writer shows them: money in yuan, counts as numbers.
SHOWN_KINDS = {"money": "money", "count": "number"}


def notice_workbook(proposed: pd.DataFrame, as_of: dt.date, published: Publication) -> bytes:
    """公示名单 of the proposed list (credit_code, name, city, amount in fen)."""
    total = int(proposed["amount"].sum())
    period = published.period
    days = f"{_day(period.start)}至{_day(period.end)}（{period.working_days} 个工作日）"
    if not period.checked:
        days += "；该期间的节假日安排未载入，发布前请人工核对公示期"
    rows = pd.DataFrame(
        {
            "序号": range(1, len(proposed) + 1),
            "单位名称": proposed["name"].to_numpy(),
            "统一社会信用代码": mask_credit_codes(proposed["credit_code"]).to_numpy(),
            "所属地市": proposed["city"].to_numpy(),
            "拟返还金额（元）": proposed["amount"].to_numpy(),
        }
    )
    table = Table(
        NOTICE_SHEET,
        [
            Column("序号", "number"),
            Column("单位名称"),
            Column("统一社会信用代码"),
            Column("所属地市"),
            Column("拟返还金额（元）", "money"),
        ],
        rows,
        titled=True,
        lines_above=[
            ("公示名单", NOTICE_TITLE),
            ("数据截至", _day(as_of)),
            ("公示期", days),
            ("企业数（家）", str(len(proposed))),
            ("拟返还金额合计（元）", f"{fen_to_decimal(total):,.2f}"),
            ("异议反映", f"对名单有异议的，请于公示期内向{published.objection_contact}"),
        ],
        total=True,
        lines_below=[f"发布单位：{published.department}　　　　{_day(period.start)}"],
    )
    return workbook_bytes([table], page_head=page_header("公示名单"))


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def application_workbook(applications: pd.DataFrame, as_of: dt.date) -> bytes:
    """The proposed enterprises as a `稳岗返还` application (rows under the schema's attribute
    names, as `Finding.proposed_applications` gives them; money in fen)."""
    columns = {a: (h, kind, needed) for a, h, kind, needed in REFUND_SHEET.columns()}
    shown = [
        Column(
            header if needed else f"{header}*",  # optional columns marked as on the template
            SHOWN_KINDS.get(kind, "text"),
        )
        for header, kind, needed in (columns[a] for a in applications.columns)
    ]
    table = Table(
        REFUND_SHEET.name,
        shown,
        applications,
        lines_above=[
            (
                "免申即享",
                f"由参保缴费记录按稳岗返还政策测算生成（数据截至{as_of.isoformat()}），"
                f"共{len(applications)}家；经办人核对后按普通申请提交审核发放",
            )
        ],
    )
    return workbook_bytes([table], page_head=page_header("稳岗返还申请（免申即享）"))
