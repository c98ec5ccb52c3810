"""Exact money arithmetic on integer fen, vectorised: no float ever touches an amount."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

FEN_PER_YUAN = 100


def ratio(value: Decimal | int) -> tuple[int, int]:
    """A decimal policy value as an exact integer fraction (numerator, denominator)."""
    numerator, denominator = Decimal(value).as_integer_ratio()
    return numerator, denominator


def times_ratio(
    fen: np.ndarray | pd.Series, numerator: np.ndarray | int, denominator: np.ndarray | int
) -> np.ndarray:
    """fen × numerator / denominator, rounded half-up to the fen (amounts are never negative)."""
    product = np.asarray(fen, dtype=np.int64) * np.asarray(numerator, dtype=np.int64)
    twice_denominator = 2 * np.asarray(denominator, dtype=np.int64)
    return (2 * product + np.asarray(denominator, dtype=np.int64)) // twice_denominator


def times_decimal(fen: np.ndarray | pd.Series, share: Decimal | int) -> np.ndarray:
    """fen × a decimal share, rounded half-up to the fen."""
    numerator, denominator = ratio(share)
    return times_ratio(fen, numerator, denominator)


def yuan_to_fen(yuan: Decimal | int) -> int:
    return int(Decimal(yuan) * FEN_PER_YUAN)


def fen_text(fen: int) -> str:
    """Two-decimal yuan text, e.g. 123456 → "1234.56"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def fen_texts(fen: pd.Series) -> pd.Series:
    """`fen_text` over a whole column (a list comprehension beats pandas string ops here)."""
    texts = [
        f"-{-v // 100}.{-v % 100:02d}" if v < 0 else f"{v // 100}.{v % 100:02d}"
        for v in fen.astype("int64").tolist()
    ]
    return pd.Series(texts, index=fen.index, dtype=object)


def fen_to_decimal(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)
