"""Read a reviewer's `ledger.xlsx` back: the 复核结论 and 复核意见 of every held row (SPEC §6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from ledger.settlement import REVIEW_APPROVE, REVIEW_REJECT, Review, ReviewKey
from workbooks.ledger_writer import REVIEW_COLUMNS, REVIEW_SHEET, SUMMARY_LABELS, SUMMARY_SHEET

VERDICTS = {REVIEW_APPROVE, REVIEW_REJECT}


@dataclass(frozen=True)
class ReviewedLedger:
    """The batch a ledger belongs to and the reviewer's verdicts, keyed by the held rows."""

    batch_id: str
    as_of: dt.date | None
    reviews: dict[ReviewKey, Review] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def is_ledger(sheet_names: list[str]) -> bool:
    return REVIEW_SHEET in sheet_names and SUMMARY_SHEET in sheet_names


def read_reviewed_ledger(path: Path) -> ReviewedLedger:
    """Verdicts of the 待复核 sheet; blank rows are still held, unknown verdicts are listed."""
    workbook = CalamineWorkbook.from_path(str(path))
    summary = {
        str(row[0]): next((v for v in row[1:] if v not in ("", None)), "")
        for row in workbook.get_sheet_by_name(SUMMARY_SHEET).to_python()
        if row and row[0] in SUMMARY_LABELS.values()
    }
    as_of_text = str(summary.get(SUMMARY_LABELS["as_of"], ""))
    rows = workbook.get_sheet_by_name(REVIEW_SHEET).to_python()
    header = [str(h) for h in rows[0]] if rows else []
    position = {c.header: header.index(c.header) for c in REVIEW_COLUMNS if c.header in header}
    reviews: dict[ReviewKey, Review] = {}
    ignored = []
    for row in rows[1:]:
        verdict = str(row[position["复核结论"]]).strip()
        if not verdict:
            continue
        key = (
            str(row[position["项目代码"]]),
            str(row[position["文件"]]),
            str(row[position["工作表"]]),
            int(float(row[position["行号"]])),
        )
        if verdict not in VERDICTS:
            ignored.append(f"{key[1]} 第{key[3]}行：复核结论“{verdict}”无效，应为通过或驳回")
            continue
        reviews[key] = Review(verdict, str(row[position["复核意见"]] or "").strip())
    return ReviewedLedger(
        batch_id=str(summary.get(SUMMARY_LABELS["batch_id"], "")),
        as_of=dt.date.fromisoformat(as_of_text) if as_of_text else None,
        reviews=reviews,
        ignored=ignored,
    )
