"""Integer-fen arithmetic: half-up rounding exactly, never a float."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

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
