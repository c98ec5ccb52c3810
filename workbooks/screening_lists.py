"""The screening lists (SPEC §2 Screening before payment; reference lists, §3), read from the
reference folder by sheet name: 死亡人员名单 (证件号码, 姓名, 死亡日期), 服刑人员名单 (证件号码,
入监日期, 出监日期 — empty while still in custody), 市场主体注销吊销名单 (统一社会信用代码, 名称, 状态,
日期), and the partner province's 外省已发放名单 (哈希: HMAC-SHA-256 hex digests of
`证件号码|policy year`, `policy.paid_hashes`).

A list that cannot be used is missing, with why (never read as empty): the checks that need it
are not run, and the run says so (`REFERENCE_MISSING`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from policy.screening_lists import CLOSED, CUSTODY, DECEASED, PAID_ELSEWHERE, ScreeningLists
from workbooks.reference_tables import Columns, read_reference_tables, unusable

LISTS = {
    DECEASED: Columns(
        {"证件号码": "id_number", "姓名": "name", "死亡日期": "died"},
        codes=("id_number",),
        dates=("died",),
    ),
    CUSTODY: Columns(
        {"证件号码": "id_number", "入监日期": "entered", "出监日期": "left"},
        codes=("id_number",),
        dates=("entered", "left"),
        optional=("left",),
    ),
    CLOSED: Columns(
        {"统一社会信用代码": "credit_code", "名称": "name", "状态": "status", "日期": "date"},
        codes=("credit_code",),
        dates=("date",),
        optional=("date",),  # a 存续 row may have none; a closure may not (below)
    ),
    PAID_ELSEWHERE: Columns({"哈希": "digest"}),
}
CLOSURES = ("注销", "吊销")
DIGEST = re.compile(r"[0-9a-f]{64}")


def read_screening_lists(folder: Path | None) -> ScreeningLists:
    tables = read_reference_tables(folder, LISTS)
    hashes = tables[PAID_ELSEWHERE]
    if hashes.usable:
        digests = hashes.rows["digest"].str.lower()
        bad = ~digests.str.fullmatch(DIGEST.pattern)
        if bad.any():
            row = int(hashes.rows.loc[bad, "row"].iloc[0])
            tables[PAID_ELSEWHERE] = unusable(
                LISTS[PAID_ELSEWHERE],
                f"“{PAID_ELSEWHERE}”第{row}行的“哈希”不是64位十六进制的 HMAC-SHA-256 值",
            )
        else:
            tables[PAID_ELSEWHERE] = replace(hashes, rows=hashes.rows.assign(digest=digests))
    closed = tables[CLOSED]
    if closed.usable:  # other states (迁出, 存续 …) are not a closure
        rows = closed.rows
        mask = rows["status"].map(lambda s: any(c in str(s) for c in CLOSURES)).astype(bool)
        undated = rows[mask & rows["date"].isna()]
        if len(undated):
            row = int(undated["row"].iloc[0])
            tables[CLOSED] = unusable(
                LISTS[CLOSED],
                f"“{CLOSED}”第{row}行注销或吊销，但“日期”为空，无法判断是否早于审核基准日",
            )
        else:
            tables[CLOSED] = replace(closed, rows=rows[mask])
    return ScreeningLists(
        {sheet: t.rows for sheet, t in tables.items() if t.usable},
        {sheet: t.missing for sheet, t in tables.items() if not t.usable},
        {t.workbook: t.sha256 for t in tables.values() if t.usable and t.workbook},
    )
