"""Read a reviewer's `ledger.xlsx` back: the 复核结论 and 复核意见 of every held row (SPEC §6).

The ledger is matched to its batch and round by its document properties (written by
`workbooks.ledger_writer`, kept by office suites on re-save) and each 待复核 row by its hidden
row key, never by position. Only the two verdict columns are read; a value other than 通过/驳回
counts as blank and is reported. Whoever last saved the workbook (its `lastModifiedBy`, which an
office suite sets to the signed-on user) is recorded as the reviewer.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from python_calamine import CalamineError

from ledger.settlement import Review, ReviewKey
from policy.claim_rounds import REVIEW_APPROVE, REVIEW_REJECT
from workbooks.ledger_writer import (
    AMOUNT_HEADER,
    KIND_HEADERS,
    REVIEW_SHEET,
    ROW_KEY_HEADER,
    SUMMARY_LABELS,
    SUMMARY_SHEET,
    WRITER_NAME,
    parse_row_key,
)
from workbooks.reader import open_workbook

VERDICTS = {REVIEW_APPROVE, REVIEW_REJECT}
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class ReviewedLedger:
    """The batch and round a ledger belongs to, who reviewed it, and the verdicts by row."""

    batch_id: str
    as_of: dt.date | None
    round: int | None = None
    reviewer: str = ""
    reviews: dict[ReviewKey, Review] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    # 拟支付金额 as the workbook shows it, per row: an edit is ignored, and reported.
    shown_amounts: dict[ReviewKey, Decimal] = field(default_factory=dict)


def is_ledger(sheet_names: list[str]) -> bool:
    return REVIEW_SHEET in sheet_names and SUMMARY_SHEET in sheet_names


def is_reviewed_ledger(path: Path) -> bool:
    """Whether a file is a ledger this system wrote (an application never has its sheets)."""
    try:
        return is_ledger(open_workbook(path).sheet_names)
    except (CalamineError, OSError, ValueError):
        return False


def document_properties(path: Path) -> dict[str, str]:
    """`keywords`, `lastModifiedBy` and `creator` of an xlsx's core properties ('' if absent)."""
    try:
        with zipfile.ZipFile(path) as package:
            core = package.read("docProps/core.xml").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    found = {}
    for name in ("keywords", "lastModifiedBy", "creator"):
        match = re.search(rf"<[\w]+:{name}[^>]*>([^<]*)</[\w]+:{name}>", core)
        found[name] = match.group(1).strip() if match else ""
    return found


def read_reviewed_ledger(path: Path) -> ReviewedLedger:
    """Verdicts of the 待复核 sheet; blank rows are still held, unknown verdicts are listed."""
    properties = document_properties(path)
    marks = dict(re.findall(r"(\w+)=([\w-]+)", properties.get("keywords", "")))
    workbook = open_workbook(path)  # the size guards of every workbook read
    summary = {
        str(row[0]): next((v for v in row[1:] if v not in ("", None)), "")
        for row in workbook.get_sheet_by_name(SUMMARY_SHEET).to_python()
        if row and row[0] in SUMMARY_LABELS.values()
    }
    as_of_text = str(summary.get(SUMMARY_LABELS["as_of"], ""))
    reviews, ignored, shown = _verdicts(workbook.get_sheet_by_name(REVIEW_SHEET).to_python())
    saved_by = properties.get("lastModifiedBy", "")
    return ReviewedLedger(
        batch_id=marks.get("batch") or str(summary.get(SUMMARY_LABELS["batch_id"], "")),
        as_of=dt.date.fromisoformat(as_of_text[:10]) if as_of_text else None,
        round=int(marks["round"]) if marks.get("round", "").isdigit() else None,
        reviewer="" if saved_by in ("", WRITER_NAME) else saved_by,
        reviews=reviews,
        ignored=ignored,
        shown_amounts=shown,
    )


def _verdicts(
    rows: list[list],
) -> tuple[dict[ReviewKey, Review], list[str], dict[ReviewKey, Decimal]]:
    start = next(
        (i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if "复核结论" in map(str, row)), None
    )
    if start is None:
        return {}, ["台账的待复核表没有“复核结论”列，未读取复核结论"], {}
    header = [str(h) for h in rows[start]]
    at = {name: header.index(name) for name in header}
    reviews: dict[ReviewKey, Review] = {}
    ignored: list[str] = []
    shown: dict[ReviewKey, Decimal] = {}
    for row in rows[start + 1 :]:
        verdict = str(row[at["复核结论"]] or "").strip()
        key = _row_key(row, at)
        if key is None:
            if verdict:
                ignored.append(f"待复核表中有一行无法识别（缺少行键），复核结论“{verdict}”未采用")
            continue
        shown_in = KIND_HEADERS.get(key[0], AMOUNT_HEADER)  # the amount under its kind
        if shown_in not in at:  # a ledger written before the kinds had their own columns
            shown_in = AMOUNT_HEADER
        amount = _amount(row[at[shown_in]]) if shown_in in at else None
        if amount is not None:
            shown[key] = amount
        if not verdict:
            continue
        if verdict not in VERDICTS:
            ignored.append(
                f"{key[1]} 第{key[3]}行：复核结论“{verdict}”无效，应为通过或驳回，按未填处理"
            )
            continue
        comment = str(row[at["复核意见"]] or "").strip() if "复核意见" in at else ""
        if key in reviews and reviews[key].verdict != verdict:
            ignored.append(f"{key[1]} 第{key[3]}行：同一台账给出两个不同的复核结论，均未采用")
            reviews[key] = Review("", "")
            continue
        reviews[key] = Review(verdict, comment)
    return {k: v for k, v in reviews.items() if v.verdict}, ignored, shown


def _amount(value: object) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _row_key(row: list, at: dict[str, int]) -> ReviewKey | None:
    """The row's hidden key; a ledger written before the key existed: its visible columns."""
    if ROW_KEY_HEADER in at:
        return parse_row_key(str(row[at[ROW_KEY_HEADER]] or ""))
    try:
        return (
            str(row[at["项目代码"]]),
            str(row[at["文件"]]),
            str(row[at["工作表"]]),
            int(float(row[at["行号"]])),
        )
    except (KeyError, ValueError, TypeError):
        return None
