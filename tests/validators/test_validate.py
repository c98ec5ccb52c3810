"""Validation turns every failure into a reason code and a Chinese message; no row is dropped."""

from __future__ import annotations

import pandas as pd

from policy.catalogue import PROGRAMS
from validators.validate import validate_sheet

SPEC = PROGRAMS["stabilization_refund"].sheet("稳岗返还")
GOOD = {
    "统一社会信用代码": "91370502283FEFC638",
    "单位名称": "瑞丰商贸有限公司",
    "所属地市": "东营",
    "企业规模": "小型",
    "上年末参保职工人数": 267,
    "上年度裁员人数": 10,
    "连续参保缴费月数": 40,
    "上年度单位缴纳失业保险费（元）": 79108.66,
    "上年度职工缴纳失业保险费（元）": 12954.32,
    "开户银行": "中国工商银行",
    "银行账号": "439150008063608377835",
}


def sheet(*overrides: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame([{**GOOD, **o} for o in overrides], dtype=object)
    frame["row"] = range(4, 4 + len(overrides))
    return frame


def codes(overrides: dict[str, object]) -> tuple[list[str], str]:
    result = validate_sheet(sheet(overrides), SPEC)
    row = result.reasons.iloc[0]
    return sorted(row.index[row]), result.messages.iloc[0]


def test_validate_sheet__a_clean_row_has_no_reasons() -> None:
    result = validate_sheet(sheet({}), SPEC)
    assert not result.reasons.any(axis=None)
    assert result.frame.loc[0, "employer_ui_paid"] == 7910866
    assert result.frame.loc[0, "row"] == 4


def test_validate_sheet__invalid_credit_code() -> None:
    assert codes({"统一社会信用代码": "91370302C18A48C390"}) == (
        ["INVALID_CREDIT_CODE"],
        "统一社会信用代码：应为18位且校验位正确（GB 32100）",
    )


def test_validate_sheet__invalid_city() -> None:
    found, message = codes({"所属地市": "莱芜市"})
    assert found == ["INVALID_CITY"] and message.startswith("所属地市：")


def test_validate_sheet__missing_value() -> None:
    assert codes({"银行账号": None}) == (["MISSING_VALUE"], "银行账号：必填项为空")


def test_validate_sheet__negative_money_and_fractional_count_are_invalid_values() -> None:
    assert codes({"上年度单位缴纳失业保险费（元）": -5000})[0] == ["INVALID_VALUE"]
    found, message = codes({"上年度裁员人数": 2.5})
    assert found == ["INVALID_VALUE"] and "整数" in message


def test_validate_sheet__unreadable_cell_is_invalid_not_missing() -> None:
    found, message = codes({"连续参保缴费月数": "十二"})
    assert found == ["INVALID_VALUE"]
    assert "必填项为空" not in message


def test_validate_sheet__malformed_bank_account_is_invalid_value() -> None:
    assert codes({"银行账号": "1234"})[0] == ["INVALID_VALUE"]


def test_validate_sheet__several_failures_on_one_row_are_all_reported() -> None:
    found, message = codes({"所属地市": "北京", "开户银行": None})
    assert found == ["INVALID_CITY", "MISSING_VALUE"]
    assert "；" in message


def test_validate_sheet__later_repeat_is_duplicate_row_and_names_the_first() -> None:
    result = validate_sheet(sheet({}, {"所属地市": "济南"}, {}), SPEC)
    assert result.reasons.get("DUPLICATE_ROW", pd.Series(False)).tolist() == [False, True, True]
    assert result.messages.tolist()[1:] == ["与第4行重复", "与第4行重复"]


def test_validate_sheet__keeps_every_row() -> None:
    rows = [{}, {"统一社会信用代码": None}, {"所属地市": "?"}, {"企业规模": "超大型"}]
    result = validate_sheet(sheet(*rows), SPEC)
    assert len(result.frame) == len(result.reasons) == len(result.messages) == 4
    assert result.valid.tolist() == [True, False, False, False]
