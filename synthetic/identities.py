"""Vectorised fake identifiers for synthetic batches: credit codes, resident IDs, bank cards.

All carry valid check characters (computed with the validators' own check functions, so the
generator and the checks cannot drift apart), built as byte matrices, never per row in Python.
"""

from __future__ import annotations

import numpy as np

from validators.checks import (
    CREDIT_CODE_CHARSET,
    credit_check_values,
    id_check_codes,
    luhn_totals,
)

CITY_AREAS = {
    "济南": "370102",
    "青岛": "370202",
    "淄博": "370302",
    "枣庄": "370402",
    "东营": "370502",
    "烟台": "370602",
    "潍坊": "370702",
    "济宁": "370811",
    "泰安": "370902",
    "威海": "371002",
    "日照": "371102",
    "临沂": "371302",
    "德州": "371402",
    "聊城": "371502",
    "滨州": "371602",
    "菏泽": "371702",
}
CHONGQING_AREAS = ("500101", "500102", "500103", "500230", "500235", "500240")
_CHARSET_CODES = np.frombuffer(CREDIT_CODE_CHARSET.encode(), dtype=np.uint8)


def _strings(matrix: np.ndarray) -> np.ndarray:
    """An (n, width) uint8 ASCII matrix as an array of Python strings."""
    width = matrix.shape[1]
    return np.ascontiguousarray(matrix, dtype=np.uint8).view(f"S{width}").ravel().astype(str)


def _digits(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8) - ord("0")


def credit_codes(rng: np.random.Generator, area: str, count: int) -> np.ndarray:
    """Unified social credit codes of enterprises registered in one area."""
    values = np.empty((count, 17), dtype=np.int64)
    values[:, :2] = [9, 1]
    values[:, 2:8] = _digits(area)
    values[:, 8:] = rng.integers(0, 31, size=(count, 9))
    check = credit_check_values(values)
    codes = np.concatenate([_CHARSET_CODES[values], _CHARSET_CODES[check][:, None]], axis=1)
    return _strings(codes)


def id_numbers(rng: np.random.Generator, areas: np.ndarray, count: int) -> np.ndarray:
    """Resident ID numbers from the given area codes with real birth dates (1960–1999)."""
    chosen = np.asarray(areas)[rng.integers(0, len(areas), size=count)]
    born = np.datetime64("1960-01-01") + rng.integers(0, 14600, size=count).astype("timedelta64[D]")
    text = np.char.add(
        np.char.add(chosen.astype("U6"), np.datetime_as_string(born).astype("U10")),
        rng.integers(100, 1000, size=count).astype("U3"),
    )
    body = np.char.replace(text, "-", "")
    digits = body.astype("S17").view(np.uint8).reshape(count, 17).astype(np.int64) - ord("0")
    check = id_check_codes(digits)
    return _strings(np.concatenate([digits + ord("0"), check[:, None]], axis=1))


def bank_cards(rng: np.random.Generator, count: int, length: int = 19) -> np.ndarray:
    """Personal bank card numbers (prefix 62) passing the Luhn check."""
    digits = np.zeros((count, length), dtype=np.int64)
    digits[:, :2] = [6, 2]
    digits[:, 2:-1] = rng.integers(0, 10, size=(count, length - 3))
    digits[:, -1] = (10 - luhn_totals(digits) % 10) % 10
    return _strings(digits + ord("0"))


def accounts(rng: np.random.Generator, count: int) -> np.ndarray:
    """Enterprise bank accounts: 19 digits."""
    return _strings(rng.integers(0, 10, size=(count, 19)) + ord("0"))
