"""Clean and validate one sheet: every failure becomes a reason code and a Chinese message.

The input is the raw sheet as the reader found it (canonical headers, object cells, and the
Excel row number in `row`). The output keeps every row: the typed frame under the schema's
English names, a boolean frame of reason codes, and a message per row. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from validators import cleaning
from validators.registered_checks import CHECK_MESSAGES, CHECK_REASONS
from validators.sheets import SheetSpec, Template

ROW = "row"

CLEANERS: dict[str, Callable[[pd.Series], cleaning.Cleaned]] = {
    "text": cleaning.clean_text,
    "code": cleaning.clean_code,
    "account": cleaning.clean_account,
    "city": cleaning.clean_city,
    "choice": cleaning.clean_choice,
    "insurances": cleaning.clean_insurances,
    "date": cleaning.clean_date,
    "month": cleaning.clean_month,
    "yes_no": cleaning.clean_yes_no,
    "money": cleaning.clean_money_fen,
    "count": cleaning.clean_count,
    "rate": cleaning.clean_rate_ppm,
}

UNREADABLE_MESSAGES = {
    "date": "无法识别的日期（可写作2020-02-15、2020/2/15、2020年2月15日或20200215）",
    "month": "无法识别的所属期（可写作2020-03、2020年3月或202003）",
    "yes_no": "应填写是/否（或Y/N、1/0）",
    "money": "应为金额数字",
    "count": "应为不小于0的整数",
    "rate": "应为费率（如0.005或0.5%）",
    "code": cleaning.LOST_DIGITS_MESSAGE,
    "account": cleaning.LOST_DIGITS_MESSAGE,
}


@dataclass(frozen=True)
class ValidatedSheet:
    """A sheet after validation: typed rows, their reason codes, and messages for clerks."""

    name: str
    frame: pd.DataFrame
    reasons: pd.DataFrame
    messages: pd.Series

    @property
    def valid(self) -> pd.Series:
        return ~self.reasons.any(axis=1)


def validate_sheet(raw: pd.DataFrame, spec: SheetSpec) -> ValidatedSheet:
    """Clean every column by its kind, run the pandera schema lazily, and collect failures."""
    typed = pd.DataFrame(index=raw.index)
    failures: list[pd.DataFrame] = []
    for _, header, kind, _ in spec.columns():
        source = raw[header] if header in raw else pd.Series(None, index=raw.index, dtype=object)
        cleaned = CLEANERS[kind](source)
        typed[header] = cleaned.values
        if cleaned.unreadable.any():
            message = UNREADABLE_MESSAGES.get(kind, "无法识别的取值")
            failures.append(
                _failures(
                    cleaned.unreadable[cleaned.unreadable].index, header, "INVALID_VALUE", message
                )
            )
    failures.extend(_schema_failures(typed, spec, failures))
    renamed = typed.rename(columns={h: a for a, h, _, _ in spec.columns()})
    renamed[ROW] = raw[ROW].to_numpy()
    failures.append(_duplicate_failures(renamed, spec))
    return _collect(spec.name, renamed, failures)


def _failures(index: pd.Index, column: str, code: str, message: str) -> pd.DataFrame:
    return pd.DataFrame({"index": index, "column": column, "code": code, "message": message})


def _schema_failures(
    typed: pd.DataFrame, spec: SheetSpec, unreadable: list[pd.DataFrame]
) -> list[pd.DataFrame]:
    try:
        spec.schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.dropna(subset=["index"])
    else:
        return []
    already = {(i, c) for f in unreadable for i, c in zip(f["index"], f["column"], strict=True)}
    rows = []
    for index, column, check in zip(cases["index"], cases["column"], cases["check"], strict=True):
        if (index, column) in already:
            continue  # an unreadable cell is reported once, as INVALID_VALUE, not also as missing
        if check == "not_nullable":
            rows.append((index, column, "MISSING_VALUE", "必填项为空"))
        else:
            code = CHECK_REASONS.get(check, "INVALID_VALUE")
            rows.append((index, column, code, CHECK_MESSAGES.get(check, "不能为负数")))
    frame = pd.DataFrame(rows, columns=["index", "column", "code", "message"])
    return [frame]


def _duplicate_failures(frame: pd.DataFrame, spec: SheetSpec) -> pd.DataFrame:
    if not spec.duplicate_key:
        return _failures(pd.Index([]), "", "DUPLICATE_ROW", "")
    # The row Excel shows first keeps the claim, whatever order the rows arrive in.
    ordered = frame.sort_values(ROW, kind="stable")
    keys = ordered[list(spec.duplicate_key)]
    complete = keys.notna().all(axis=1)
    repeated = keys[complete].duplicated(keep="first")
    later = repeated[repeated].index
    first_rows = (
        ordered.loc[complete].groupby(list(spec.duplicate_key), sort=False)[ROW].transform("first")
    )
    result = _failures(later, "", "DUPLICATE_ROW", "")
    result["message"] = [f"与第{first_rows[i]}行重复" for i in later]
    return result


def _collect(name: str, frame: pd.DataFrame, failures: list[pd.DataFrame]) -> ValidatedSheet:
    found = (
        pd.concat([f for f in failures if len(f)], ignore_index=True)
        if any(len(f) for f in failures)
        else _failures(pd.Index([]), "", "", "")
    )
    found = found.drop_duplicates(subset=["index", "column", "code"])
    reasons = (
        pd.crosstab(found["index"], found["code"]).reindex(frame.index, fill_value=0) > 0
        if len(found)
        else pd.DataFrame(index=frame.index)
    )
    text = (found["column"].where(found["column"] == "", found["column"] + "：")) + found["message"]
    messages = text.groupby(found["index"]).agg("；".join).reindex(frame.index, fill_value="")
    return ValidatedSheet(name, frame, reasons, messages)


def combine(name: str, parts: list[tuple[str, ValidatedSheet]]) -> ValidatedSheet:
    """The same sheet from several files as one, each row tagged with its file name."""
    frames, reasons, messages = [], [], []
    for file_name, part in parts:
        frames.append(part.frame.assign(file=file_name))
        reasons.append(part.reasons)
        messages.append(part.messages)
    frame = pd.concat(frames, ignore_index=True)
    combined = pd.concat(reasons, ignore_index=True).reindex(frame.index)
    return ValidatedSheet(
        name,
        frame,
        combined.fillna(False).astype(bool),
        pd.concat(messages, ignore_index=True),
    )


def validate_workbook(
    sheets: dict[str, pd.DataFrame], template: Template
) -> dict[str, ValidatedSheet]:
    """Every sheet of one programme's workbook, validated."""
    return {name: validate_sheet(raw, template.sheet(name)) for name, raw in sheets.items()}
