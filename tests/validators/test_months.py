"""Contribution months (SPEC §3): every accepted form, as text and as a number, for every month of
2020 and 2021, read the same in all three month columns; six digits are always year and month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from policy.catalogue import PROGRAMS
from validators.validate import validate_sheet

MONTHS = [(year, month) for year in (2020, 2021) for month in range(1, 13)]
# (programme, sheet, header, frame column) of the three month columns.
MONTH_COLUMNS = [
    ("contribution_relief", "缴费申报", "所属期", "month"),
    ("contribution_deferral", "缓缴申请", "缓缴起始所属期", "first_month"),
    ("contribution_deferral", "缓缴申请", "缓缴终止所属期", "last_month"),
]


def forms(year: int, month: int) -> list[object]:
    """Every form SPEC §3 accepts for one month."""
    return [
        f"{year}-{month:02d}",
        f"{year}-{month}",
        f"{year}/{month}",
        f"{year}年{month}月",
        f"{year}{month:02d}",  # six digits as text
        year * 100 + month,  # six digits typed as a number
        float(year * 100 + month),  # the same number as a spreadsheet's float
        f"{year}{month:02d}".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        dt.date(year, month, 28),  # a date cell in that month
        dt.datetime(year, month, 1, 0, 0),
    ]


def read_column(program: str, sheet: str, header: str, column: str, values: list[object]):
    spec = PROGRAMS[program].sheet(sheet)
    raw = pd.DataFrame({header: pd.Series(values, dtype=object)})
    raw["row"] = range(2, 2 + len(values))
    result = validate_sheet(raw, spec)
    invalid = result.reasons.get("INVALID_VALUE")
    return result.frame[column], invalid


@pytest.mark.parametrize(("program", "sheet", "header", "column"), MONTH_COLUMNS)
def test_month_columns__every_form_of_every_month_of_2020_and_2021(program, sheet, header, column):
    values = [form for year, month in MONTHS for form in forms(year, month)]
    expected = [pd.Timestamp(year, month, 1) for year, month in MONTHS for _ in forms(year, month)]
    months, invalid = read_column(program, sheet, header, column, values)
    wrong = [
        (value, got)
        for value, got, want in zip(values, months, expected, strict=True)
        if got != want
    ]
    assert wrong == []
    assert invalid is None or not invalid.any()


@pytest.mark.parametrize(("program", "sheet", "header", "column"), MONTH_COLUMNS)
def test_month_columns__november_and_december_are_never_january(program, sheet, header, column):
    months, _ = read_column(program, sheet, header, column, ["202011", 202012, "202001"])
    assert months.dt.strftime("%Y-%m").tolist() == ["2020-11", "2020-12", "2020-01"]


@pytest.mark.parametrize(
    "value", [2020.1, 2020.12, "2020.1", "202013", 202000, "2020-13", "20201115", 43891, "十一月"]
)
def test_clean_month__any_other_number_or_text_is_invalid_value(value):
    months, invalid = read_column(*MONTH_COLUMNS[0], [value])
    assert months.isna().all()
    assert invalid is not None and invalid.tolist() == [True]
