"""The screening lists as the rules read them (SPEC §2 Screening before payment): each list's
rows by sheet name, the lists that could not be used and why, and the workbooks they came from.
`workbooks.screening_lists` reads them from the reference folder."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

DECEASED, CUSTODY, CLOSED, PAID_ELSEWHERE = (
    "死亡人员名单",
    "服刑人员名单",
    "市场主体注销吊销名单",
    "外省已发放名单",
)
SHEETS = (DECEASED, CUSTODY, CLOSED, PAID_ELSEWHERE)


@dataclass(frozen=True)
class ScreeningLists:
    """`tables`: the usable lists' rows (死亡人员名单: id_number, name, died, row; 服刑人员名单:
    id_number, entered, left, row; 市场主体注销吊销名单: credit_code, name, status, date, row —
    closures only; 外省已发放名单: digest, row). `missing`: each unusable list and why."""

    tables: dict[str, pd.DataFrame]
    missing: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)  # workbook → sha256, usable lists'

    def rows(self, sheet: str) -> pd.DataFrame | None:
        """The list's rows, or None when it is missing (the check is not run)."""
        return self.tables.get(sheet)
