"""The messy forms of SPEC §3 that the reader must accept."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from validators import cleaning


def raw(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("\u3000统一社会信用代码 ", "统一社会信用代码"),
        ("养老保险缴费基数(元)", "养老保险缴费基数"),
        ("\u3000失业保险缴费基数（元） ", "失业保险缴费基数"),
        (" 营业收入（万元） ", "营业收入"),
        ("行业门类*", "行业门类"),
        (" 到岗 结束日期 ", "到岗结束日期"),
    ],
)
def test_normalize_header__spaces_full_width_units_and_stars(header: str, key: str) -> None:
    assert cleaning.normalize_header(header) == key


def test_clean_date__every_accepted_form() -> None:
    result = cleaning.clean_date(
        raw(
            dt.date(2020, 2, 15),
            "2020-02-15",
            "2020/2/15",
            "2020年2月15日",
            "20200215",
            20200215.0,
            "２０２０-０２-１５",
        )
    )
    assert set(result.values.dt.date) == {dt.date(2020, 2, 15)}
    assert not result.unreadable.any()


def test_clean_date__nonsense_is_unreadable_and_blank_is_missing() -> None:
    result = cleaning.clean_date(raw("2020-02-30", "下周", None, "  "))
    assert result.values.isna().all()
    assert result.unreadable.tolist() == [True, True, False, False]


def test_clean_month__forms_of_the_contribution_month() -> None:
    result = cleaning.clean_month(
        raw("2020-03", "2020年3月", "202003", 202003, dt.date(2020, 3, 17), "2020/3")
    )
    assert set(result.values.dt.strftime("%Y-%m")) == {"2020-03"}
    assert cleaning.clean_month(raw("2020-13")).unreadable.tolist() == [True]


def test_clean_yes_no__chinese_letters_and_digits() -> None:
    result = cleaning.clean_yes_no(raw("是", "Y", "y", 1, 1.0, "否", "N", 0, "也许", None))
    assert result.values.tolist()[:8] == [True, True, True, True, True, False, False, False]
    assert result.unreadable.tolist() == [False] * 8 + [True, False]


def test_clean_code__full_width_digits_lower_x_and_spaces() -> None:
    result = cleaning.clean_code(
        raw("９１３７０５０２BCDDBH６６２H", "37081119790907617x", " 3708 1119 7909 0761 7X ")
    )
    assert result.values.tolist() == [
        "91370502BCDDBH662H",
        "37081119790907617X",
        "37081119790907617X",
    ]


def test_clean_account__spaces_and_hyphens_removed() -> None:
    result = cleaning.clean_account(
        raw("6258 5178 1286 5707 0499 9", "6222-0202-0011", 8792824069056640.0)
    )
    assert result.values.tolist()[:2] == ["625851781286570704999", "622202020011"]
    # 16 digits in a number cell: Excel kept 15, so the last is a guess (SPEC §3).
    assert result.unreadable.tolist() == [False, False, True]


def test_clean_city__with_or_without_shi() -> None:
    assert cleaning.clean_city(raw("济南市", "济南", " 青岛市 ")).values.tolist() == [
        "济南",
        "济南",
        "青岛",
    ]


def test_clean_money_fen__half_up_to_the_fen_on_read() -> None:
    result = cleaning.clean_money_fen(raw(88581.73, "1,234.565", 0.125, 0.005, "12", -5, "元"))
    assert result.values.tolist()[:6] == [8858173, 123457, 13, 1, 1200, -500]
    assert result.unreadable.tolist() == [False] * 6 + [True]


def test_clean_rate_ppm__fractions_and_percentages() -> None:
    result = cleaning.clean_rate_ppm(raw(0.005, "0.5%", "8.5%", 0.07, "1.2%", "百分之五"))
    assert result.values.tolist()[:5] == [5000, 5000, 85000, 70000, 12000]
    assert result.unreadable.tolist() == [False] * 5 + [True]


def test_clean_count__whole_numbers_only() -> None:
    result = cleaning.clean_count(raw(17.0, "20", 1.5, "三"))
    assert result.values.tolist()[:2] == [17, 20]
    assert result.unreadable.tolist() == [False, False, True, True]


def test_clean_insurances__separators() -> None:
    result = cleaning.clean_insurances(
        raw("养老,失业", "养老，医疗", "养老、失业、工伤", "养老 失业")
    )
    assert result.values.tolist() == ["养老,失业", "养老,医疗", "养老,失业,工伤", "养老,失业"]


def test_clean_text__line_breaks_and_control_characters_are_removed_on_read() -> None:
    result = cleaning.clean_text(raw("鲁丰\r\n食品\t有限公司", "A\u2028B\x07", "平常名称"))
    assert result.values.tolist() == ["鲁丰食品有限公司", "AB", "平常名称"]
