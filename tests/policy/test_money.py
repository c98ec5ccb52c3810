"""Integer-fen arithmetic: half-up rounding exactly, never a float."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from policy import money


def test_times_decimal__rounds_half_up() -> None:
    fen = np.array([1, 3, 5, 100001, 454789_81])
    assert money.times_decimal(fen, Decimal("0.5")).tolist() == [1, 2, 3, 50001, 227394_91]


def test_times_ratio__per_row_rates_in_ppm() -> None:
    base = np.array([454789_81, 454789_81])
    assert money.times_ratio(base, np.array([5000, 70000]), 1_000_000).tolist() == [
        2273_95,
        31835_29,
    ]


def test_fen_text__two_places() -> None:
    assert [money.fen_text(v) for v in (0, 5, 123456, -250)] == ["0.00", "0.05", "1234.56", "-2.50"]


@pytest.mark.parametrize(
    ("fen", "written"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角整"),
        (1_000, "壹拾元整"),
        (10_001_000, "壹拾万零壹拾元整"),
        (100_000_001, "壹佰万元零壹分"),
        (168_032, "壹仟陆佰捌拾元叁角贰分"),
        (100_100_000, "壹佰万壹仟元整"),
        (101_010_100, "壹佰零壹万零壹佰零壹元整"),
        (10_000_000_100, "壹亿零壹元整"),
        (82_731_205, "捌拾贰万柒仟叁佰壹拾贰元零伍分"),  # the demo batch's bank total
        (48_713_922_507, "肆亿捌仟柒佰壹拾叁万玖仟贰佰贰拾伍元零柒分"),  # a province's cash
    ],
)
def test_capitals__amounts_are_written_as_bills_write_them(fen: int, written: str) -> None:
    assert money.capitals(fen) == written


@pytest.mark.parametrize(
    ("text", "fen"), [("1,234.56", 123456), ("1234.5", 123450), ("100", 10000), (" 0.01 ", 1)]
)
def test_text_to_fen__yuan_as_written_to_exact_fen(text: str, fen: int) -> None:
    assert money.text_to_fen(text) == fen


@pytest.mark.parametrize("text", ["1.005", "一百", "", "NaN"])
def test_text_to_fen__more_than_two_decimals_or_no_number_is_refused_never_rounded(
    text: str,
) -> None:
    with pytest.raises(ValueError):
        money.text_to_fen(text)
