"""One small "policy finds people" case: contribution records, a dishonesty list, and an
enterprise that already applied and was paid, with every expected outcome worked out by hand.

2020 parameters (policy/parameter_files/stabilization_refund.yaml): SMEs 100%, large 50%;
12 months insured; layoff rate ≤ 5.5%, or ≤ 20% with at most 30 staff at the start of the year.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from synthetic.identities import credit_codes
from validators.sheets import RECORDS_SHEET, REFUND_SHEET

AS_OF = dt.date(2020, 12, 31)
A, B, C, D, E, F, G, H = credit_codes(np.random.default_rng(2020), "370102", 8).tolist()
BAD_CODE = A[:-1] + ("0" if A[-1] != "0" else "1")

# 统一社会信用代码, 单位名称, 所属地市, 企业规模, 上年初, 上年末, 月数, 单位缴纳, 职工缴纳, 开户银行, 银行账号
# fmt: off
RECORDS: list[list[object]] = [
    # (12,000.00 + 4,800.00) × 100% = 16,800.00; 2 of 100 laid off (2%).
    [A, "甲精密机械有限公司", "济南市", "小型", 100, 98, 36, 12000, 4800, "中国工商银行", "6222 0202 0011 2233 445"],
    # (30,000.15 + 12,000.00) × 50% = 21,000.075 → 21,000.08 half-up.
    [B, "乙重工集团有限公司", "青岛", "大型", 500, 490, 60, 30000.15, 12000, "中国建设银行", "6227001234567890123"],
    # 6 of 30 at the start of the year (20%) is within the small limit, though 6/24 is 25%.
    # (2,400.00 + 960.00) × 100% = 3,360.00.
    [C, "丙文化传媒工作室", "济南", "微型", 30, 24, 12, 2400, 960, "中国农业银行", "6228480402564890018"],
    # 10 of 100 (10%) is over 5.5%.
    [D, "丁纺织有限公司", "淄博", "中型", 100, 90, 24, 8000, 3000, "中国银行", "6217850100001234567"],
    # 6 of 25 at the start of the year (24%) is over the small limit.
    [E, "戊餐饮管理有限公司", "烟台", "小型", 25, 19, 24, 1800, 700, "交通银行", "6222600810012345678"],
    # 11 months insured is too few.
    [F, "己物流有限公司", "潍坊", "小型", 60, 60, 11, 5000, 2000, "招商银行", "6225880123456789"],
    # On the serious-dishonesty list.
    [G, "庚建材有限公司", "济宁", "中型", 200, 200, 48, 20000, 8000, "中国光大银行", "6226620123456789012"],
    # The credit code's check character is wrong.
    [BAD_CODE, "辛电子有限公司", "泰安", "小型", 50, 50, 24, 3000, 1200, "中信银行", "6217680123456789012"],
    # Applied in an earlier batch and was paid: its claim is in the registry.
    [H, "壬食品有限公司", "临沂", "小型", 80, 80, 36, 6000, 2400, "兴业银行", "6229090123456789012"],
]
# fmt: on
PROPOSED = [(A, "济南", 1_680_000), (C, "济南", 336_000), (B, "青岛", 2_100_008)]
EXPECTED = {
    A: ("approved", ""),
    B: ("approved", ""),
    C: ("approved", ""),
    D: ("rejected", "SR_LAYOFF_RATE"),
    E: ("rejected", "SR_LAYOFF_RATE"),
    F: ("rejected", "SR_INSURED_MONTHS"),
    G: ("rejected", "SR_DISHONEST"),
    BAD_CODE: ("rejected", "INVALID_CREDIT_CODE"),
    H: ("rejected", "DUPLICATE_CLAIM"),
}


def record_headers() -> list[str]:
    return [header for _, header, _, _ in RECORDS_SHEET.columns()]


def write_records(path: Path, rows: list[list[object]] = RECORDS) -> Path:
    """A records export as the social-insurance system gives it: a title row, then the header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RECORDS_SHEET.name
    sheet.append(["2019年度失业保险参保缴费记录（导出）"])
    sheet.append(record_headers())
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def write_reference(folder: Path) -> Path:
    """The reference folder: a serious-dishonesty list naming G."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "严重失信名单"
    sheet.append(["统一社会信用代码", "单位名称"])
    sheet.append([G, "庚建材有限公司"])
    folder.mkdir(parents=True, exist_ok=True)
    workbook.save(folder / "严重失信名单.xlsx")
    return folder


def write_earlier_application(folder: Path) -> Path:
    """H's own application of an earlier batch, on the blank template's columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = REFUND_SHEET.name
    sheet.append([header for _, header, _, _ in REFUND_SHEET.template_columns()])
    record = RECORDS[-1]
    sheet.append([*record[:4], record[5], 0, *record[6:]])  # end-of-year staff, no layoffs
    folder.mkdir(parents=True, exist_ok=True)
    workbook.save(folder / "稳岗返还申请.xlsx")
    return folder
