"""Exact money arithmetic on integer fen, vectorised: no float ever touches an amount."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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


def text_to_fen(text: object) -> int:
    """An amount written in yuan ("1,234.56", "1234.5", "100") to fen; more than two decimals,
    or anything that is not a number, is a `ValueError` (never rounded away)."""
    try:
        yuan = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation as problem:
        raise ValueError(f"金额无法识别：{text}") from problem
    fen = yuan * FEN_PER_YUAN
    if not yuan.is_finite() or fen != fen.to_integral_value():
        raise ValueError(f"金额应为最多两位小数的元：{text}")
    return int(fen)


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


DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
SECTIONS = ("", "万", "亿", "万亿")


def _section(number: int) -> str:
    """0 < number < 10000 in capitals: a run of zeros inside is one 零, trailing zeros none."""
    text, zero = "", False
    for place, digit in zip(PLACES, f"{number:04d}", strict=True):
        if digit == "0":
            zero = bool(text)
            continue
        text += ("零" if zero else "") + DIGITS[int(digit)] + place
        zero = False
    return text


def capitals(fen: int) -> str:
    """An amount in Chinese capitals as bills and vouchers write it (大写金额), without the
    人民币 prefix: 0 → 零元整, 5 fen → 伍分, 10.00 → 壹拾元整, 100,010.00 → 壹拾万零壹拾元整,
    1,000,000.01 → 壹佰万元零壹分; 整 after 元 or 角 when no 分 follows."""
    if fen < 0:
        raise ValueError("大写金额不能为负数")
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    jiao, fen_digit = divmod(cents, 10)
    text, pending_zero = "", False
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10_000)
        groups.append(group)
    for power in range(len(groups) - 1, -1, -1):
        group = groups[power]
        if group == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"
        text += _section(group) + SECTIONS[power]
        pending_zero = False
    if text:
        text += "元"
    if jiao == 0 and fen_digit == 0:
        return (text or "零元") + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    return text + (DIGITS[fen_digit] + "分" if fen_digit else "整")


def fen_grouped(fen: int) -> str:
    """An amount as a person reads it: 827,312.05 (thousands grouped, two places)."""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{'-' if fen < 0 else ''}{yuan:,}.{cents:02d}"
