"""Vectorised identifier checks: credit codes, resident IDs, bank accounts and cities.

Each function takes a Series of cleaned strings (see `cleaning`) and returns a boolean Series;
missing values count as passing here, because a missing cell is reported as `MISSING_VALUE` by
the schema's nullability, not as a malformed identifier. The check digits are computed on
arrays of character codes, not per row, so a million rows cost milliseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# GB 32100-2015 统一社会信用代码: 31 characters (no I, O, S, V, Z), weights 3^i mod 31.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])

# GB 11643-1999 公民身份号码: ISO 7064 MOD 11-2 check character.
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK_CHARS = "10X98765432"

SHANDONG_CITIES = (
    "济南",
    "青岛",
    "淄博",
    "枣庄",
    "东营",
    "烟台",
    "潍坊",
    "济宁",
    "泰安",
    "威海",
    "日照",
    "临沂",
    "德州",
    "聊城",
    "滨州",
    "菏泽",
)


def city_rank(city: str) -> tuple[int, str]:
    """Sort key listing cities in the official order (SPEC §4); any other text after them."""
    return (SHANDONG_CITIES.index(city), "") if city in SHANDONG_CITIES else (99, city)


_CREDIT_VALUE = np.full(128, -1, dtype=np.int64)
for _i, _ch in enumerate(CREDIT_CODE_CHARSET):
    _CREDIT_VALUE[ord(_ch)] = _i


_ID_CHECK_CODES = np.frombuffer(ID_CHECK_CHARS.encode(), dtype=np.uint8)


def credit_check_values(body: np.ndarray) -> np.ndarray:
    """GB 32100 check values (0–30) for an (n, 17) matrix of character values."""
    return (31 - (body * CREDIT_CODE_WEIGHTS).sum(axis=1) % 31) % 31


def id_check_codes(body: np.ndarray) -> np.ndarray:
    """ASCII codes of the MOD 11-2 check character for an (n, 17) matrix of digits."""
    return _ID_CHECK_CODES[(body * ID_WEIGHTS).sum(axis=1) % 11]


def luhn_totals(digits: np.ndarray) -> np.ndarray:
    """Luhn sums of an (n, width) digit matrix whose last column is the check digit."""
    reversed_digits = digits[:, ::-1]
    doubled = reversed_digits[:, 1::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    return reversed_digits[:, ::2].sum(axis=1) + doubled.sum(axis=1)


def _char_matrix(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of exactly `width` ASCII characters as an (n, width) code matrix, and which rows fit."""
    text = values.fillna("").astype(str)
    fits = (text.str.len() == width) & text.str.isascii()
    fitting = text[fits].to_numpy(dtype=f"U{width}")
    codes = np.frombuffer(fitting.astype(f"S{width}").tobytes(), dtype=np.uint8)
    return codes.reshape(-1, width).astype(np.int64), fits.to_numpy()


def credit_code_valid(values: pd.Series) -> pd.Series:
    """True where the 18-character code carries the right GB 32100 check character."""
    matrix, fits = _char_matrix(values, 18)
    digits = _CREDIT_VALUE[matrix]
    ok = (digits >= 0).all(axis=1)
    ok &= digits[:, 17] == credit_check_values(digits[:, :17])
    result = np.zeros(len(values), dtype=bool)
    result[fits] = ok
    return pd.Series(result, index=values.index) | values.isna()


def resident_id_valid(values: pd.Series) -> pd.Series:
    """True where the 18-character ID has a valid MOD 11-2 check character and a real birth date."""
    matrix, fits = _char_matrix(values, 18)
    body = matrix[:, :17] - ord("0")
    digits_ok = ((body >= 0) & (body <= 9)).all(axis=1)
    check_codes = id_check_codes(np.where(digits_ok[:, None], body, 0))
    ok = digits_ok & (matrix[:, 17] == check_codes)
    birth = pd.Series(values[fits].str.slice(6, 14).to_numpy())
    born = pd.to_datetime(birth, format="%Y%m%d", errors="coerce")
    ok &= born.notna().to_numpy() & (born.dt.year.fillna(0).to_numpy() >= 1900)
    result = np.zeros(len(values), dtype=bool)
    result[fits] = ok
    return pd.Series(result, index=values.index) | values.isna()


def is_chongqing_id(values: pd.Series) -> pd.Series:
    """Resident IDs registered in Chongqing: administrative-division code beginning 50."""
    return values.fillna("").str.startswith("50")


def digits_between(values: pd.Series, shortest: int, longest: int) -> pd.Series:
    """True where the value is all digits and its length lies within the bounds."""
    text = values.fillna("")
    length = text.str.len()
    ok = text.str.fullmatch(r"[0-9]+") & (length >= shortest) & (length <= longest)
    return ok.fillna(False).astype(bool) | values.isna()


def luhn_valid(values: pd.Series) -> pd.Series:
    """Luhn (ISO/IEC 7812) check over digit strings of any length; non-digits fail."""
    text = values.fillna("").astype(str)
    result = pd.Series(False, index=values.index)
    for length in text.str.len().unique():
        rows = (text.str.len() == length) & text.str.fullmatch(r"[0-9]+").fillna(False)
        if not rows.any() or length == 0:
            continue
        matrix, _ = _char_matrix(text[rows], int(length))
        result[rows] = luhn_totals(matrix - ord("0")) % 10 == 0
    return result


def is_shandong_city(values: pd.Series) -> pd.Series:
    """True where the cleaned city name is one of the 16 prefecture-level cities of Shandong."""
    return values.isin(SHANDONG_CITIES) | values.isna()
