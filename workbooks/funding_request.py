"""资金拨付申请表 (SPEC §8): the request a round's cash payments send to the finance department.

One request (a sheet) per fund source (SPEC §8 Fund sources: 稳岗返还 from the
unemployment-insurance fund, the other cash programmes from 就业补助资金), each with one row per
cash programme of that source with its count of payments (first payments, 补发 top-ups and
re-issues of failed or reversed payments apart) and their total, a 合计 row, the source's total in
figures and in Chinese capitals (大写, from integer fen), and its own signature block 经办人 /
复核人 / 审批人 / 日期. Relief and deferral move no money and are not on it. Written with the
round's other files, before approval; the bank files come only with approval (§8).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ledger.manifest import Manifest
from policy.catalogue import CATALOGUE
from policy.money import capitals, fen_grouped
from policy.programme import Programme
from workbooks.print_setup import page_header, round_name
from workbooks.xlsx import Column, Table, workbook_bytes

FUNDING_REQUEST = "资金拨付申请表.xlsx"
SHEET = "资金拨付申请表"
SIGNATURES = "经办人：＿＿＿＿＿＿　　复核人：＿＿＿＿＿＿　　审批人：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
COLUMNS = [
    Column("序号", "number"),
    Column("项目"),
    Column("首次发放（笔）", "number", summed=True),
    Column("补发（笔）", "number", summed=True),
    Column("重新支付（笔）", "number", summed=True),
    Column("笔数合计", "number", summed=True),
    Column("拨付金额（元）", "money"),
    Column("项目代码", printed=False),  # for machines, last (SPEC §4)
]


# A cash programme the parameter names no fund source for gets a request of its own under this
# name, for a person to see, never another source's.
UNNAMED = "资金来源未指定"
# How each fund source's money reaches the payer account (SPEC §8).
ROUTES = {"失业保险基金": "财政专户拨入失业保险基金支出户", "就业补助资金": "国库集中支付"}


def funding_request_workbook(
    payments: pd.DataFrame, manifest: Manifest, department: str, sources: Mapping[str, str]
) -> bytes:
    """The forms for this round's payments (`program`, `kind`, `amount` in fen), one per fund
    source; `sources`: each cash programme's fund source (the dated `payment.fund_source`)."""
    cash = [p for p in CATALOGUE if p.is_cash]
    fund_of = {p.code: str(sources.get(p.code, UNNAMED)) for p in cash}
    funds = list(dict.fromkeys(fund_of.values()))
    tables = [
        _request(
            payments[payments["program"].isin([c for c, f in fund_of.items() if f == fund])],
            [p for p in cash if fund_of[p.code] == fund],
            manifest,
            department,
            fund,
        )
        for fund in funds
    ]
    return workbook_bytes(tables, page_head=page_header(SHEET, manifest.batch_id, manifest.round))


def _request(
    payments: pd.DataFrame,
    programmes: list[Programme],
    manifest: Manifest,
    department: str,
    fund: str,
) -> Table:
    rows = []
    for programme in programmes:
        paid = payments[payments["program"] == programme.code]
        topups = int((paid["kind"] == "topup").sum())
        reissues = int((paid["kind"] == "reissue").sum())
        rows.append(
            [
                len(rows) + 1,
                programme.title,
                len(paid) - topups - reissues,
                topups,
                reissues,
                len(paid),
                int(paid["amount"].sum()),
                programme.code,
            ]
        )
    total = int(payments["amount"].sum())
    return Table(
        f"{SHEET}（{fund}）",
        COLUMNS,
        pd.DataFrame(rows, columns=[c.header for c in COLUMNS]),
        titled=True,
        lines_above=[
            (SHEET, _purpose(manifest)),
            ("资金来源", _source_line(fund)),
            ("批次号", manifest.batch_id),
            ("申请单位", department),
            ("审核基准日", manifest.as_of),
            ("申请拨付金额", f"{fen_grouped(total)} 元，共 {len(payments)} 笔"),
            ("金额大写", "人民币" + capitals(total)),
            ("说明", "社会保险费减免、缓缴不涉及资金拨付，不列入本表；银行代发文件于批准后生成"),
        ],
        total=True,
        lines_below=[SIGNATURES],
    )


def _source_line(fund: str) -> str:
    if fund == UNNAMED:
        return f"{UNNAMED}：请在政策参数 payment.fund_source 中为该项目指定资金来源"
    return f"{fund}（{ROUTES[fund]}）" if fund in ROUTES else fund


def _purpose(manifest: Manifest) -> str:
    if manifest.policy_version == "reissue":  # a re-issue batch (money.reissue)
        return "疫情期间稳就业补贴资金（支付失败、退汇款项重新支付）"
    return f"疫情期间稳就业补贴资金（{round_name(manifest.round)}审核通过）"
