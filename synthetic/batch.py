"""Deterministic synthetic batches in the real templates, sized like the reported 2020 figures.

`generate(scale, seed)` builds, per programme and city, the sheets of one application workbook
(under the canonical headers) and, beside each decision row, what the outcome must be and the
amount it adds — worked out from how the row was built, with plain `Decimal` arithmetic that
does not share code with `policy/`. About 1% of rows carry each kind of defect.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from policy.catalogue import PROGRAMS, REFUND
from synthetic import identities as ids

DEFECT_SHARE = 0.01
SIZES = np.array(["大型", "中型", "小型", "微型"])
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Scale:
    refund_enterprises: int
    relief_employers: int
    relief_months: int
    new_hires: int
    festival_workers: int
    chongqing_workers: int
    deferral_enterprises: int
    cities: int = 16  # the first N of the province's cities, in official order


SCALES = {
    # A test's batch: three cities, every programme, a few dozen rows each (18 workbooks).
    "tiny": Scale(48, 12, 11, 48, 48, 24, 24, cities=3),
    "small": Scale(320, 64, 11, 320, 320, 160, 160),
    "city": Scale(6_400, 6_400, 11, 1_300, 1_900, 200, 320),
    "province": Scale(100_000, 100_000, 11, 20_000, 30_000, 3_000, 5_000),
}


@dataclass
class Workbook:
    """One application workbook: its programme, city, sheets and the expected decisions."""

    program: str
    city: str
    sheets: dict[str, pd.DataFrame]
    expected: pd.DataFrame  # outcome, amount_fen (Decimal yuan ×100 as int), in decision order


@dataclass
class References:
    key_enterprises: list[str]
    poverty_registry: list[str]
    dishonest: list[str]


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fen_of(value: Decimal) -> int:
    return int(_half_up(value) * 100)


def money_values(rng: np.random.Generator, low: float, high: float, count: int) -> np.ndarray:
    return np.round(rng.uniform(low, high, size=count), 2)


def defects(rng: np.random.Generator, count: int, kinds: list[str]) -> np.ndarray:
    """A defect kind (or "") per row: DEFECT_SHARE of the rows for each kind, none twice."""
    labels = np.full(count, "", dtype=object)
    per_kind = max(1, int(count * DEFECT_SHARE))
    chosen = rng.permutation(count)[: per_kind * len(kinds)]
    for position, kind in enumerate(kinds):
        labels[chosen[position * per_kind : (position + 1) * per_kind]] = kind
    return labels


def with_headers(program: str, sheet: str, columns: dict[str, object]) -> pd.DataFrame:
    headers = {a: h for a, h, _, _ in PROGRAMS[program].sheet(sheet).columns()}
    return pd.DataFrame({headers[k]: v for k, v in columns.items()})


def corrupt_check_character(codes: np.ndarray, rows: np.ndarray) -> None:
    """Change the check character of the chosen codes so that it no longer verifies."""
    codes[rows] = [c[:-1] + ("0" if c[-1] != "0" else "1") for c in codes[rows]]


def expected_frame(
    defect: np.ndarray, amounts: list[int], holds: tuple[str, ...] = ()
) -> pd.DataFrame:
    outcome = np.where(
        defect == "", "approved", np.where(np.isin(defect, holds), "held", "rejected")
    )
    paid = [a if d == "" else 0 for a, d in zip(amounts, defect, strict=True)]
    return pd.DataFrame({"outcome": outcome, "codes": defect, "amount": paid})


def with_duplicates(
    rng: np.random.Generator, frame: pd.DataFrame, expected: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repeat a share of the clean rows at the end: each repeat is a DUPLICATE_ROW."""
    clean = np.flatnonzero(expected["codes"].to_numpy() == "")
    rows = rng.choice(
        clean, size=min(len(clean), max(1, int(len(frame) * DEFECT_SHARE))), replace=False
    )
    repeats = pd.DataFrame(
        {"outcome": "rejected", "codes": "DUPLICATE_ROW", "amount": 0}, index=range(len(rows))
    )
    return (
        pd.concat([frame, frame.iloc[np.sort(rows)]], ignore_index=True),
        pd.concat([expected, repeats], ignore_index=True),
    )


def refund_workbook(rng: np.random.Generator, city: str, count: int, refs: References) -> Workbook:
    kinds = [
        "INVALID_CREDIT_CODE",
        "INVALID_CITY",
        "MISSING_VALUE",
        "INVALID_VALUE",
        "SR_INSURED_MONTHS",
        "SR_LAYOFF_RATE",
        "SR_DISHONEST",
    ]
    defect = defects(rng, count, kinds)
    codes = ids.credit_codes(rng, ids.CITY_AREAS[city], count)
    headcount = rng.integers(31, 2000, size=count)
    layoffs = (headcount * rng.uniform(0, 0.05, size=count)).astype(np.int64)
    months = rng.integers(12, 80, size=count)
    size = SIZES[rng.integers(0, 4, size=count)]
    employer, employee = money_values(rng, 1000, 90000, count), money_values(rng, 500, 40000, count)
    cities = np.full(count, city, dtype=object)
    bank = ids.accounts(rng, count).astype(object)
    corrupt_check_character(codes, defect == "INVALID_CREDIT_CODE")
    cities[defect == "INVALID_CITY"] = "莱芜"
    bank[defect == "MISSING_VALUE"] = None
    employer = np.where(defect == "INVALID_VALUE", -employer, employer)
    months[defect == "SR_INSURED_MONTHS"] = 6
    layoffs[defect == "SR_LAYOFF_RATE"] = headcount[defect == "SR_LAYOFF_RATE"] // 10 + 1
    refs.dishonest.extend(codes[defect == "SR_DISHONEST"])
    frame = with_headers(
        REFUND.code,
        "稳岗返还",
        {
            "credit_code": codes,
            "name": [f"{city}稳岗企业{i}" for i in range(count)],
            "city": cities,
            "declared_size": size,
            "insured_headcount": headcount,
            "layoffs": layoffs,
            "insured_months": months,
            "employer_ui_paid": employer,
            "employee_ui_paid": employee,
            "bank_name": "中国工商银行",
            "bank_account": bank,
        },
    )
    share = {"大型": Decimal("0.5"), "中型": Decimal(1), "小型": Decimal(1), "微型": Decimal(1)}
    amounts = [
        fen_of((Decimal(str(a)) + Decimal(str(b))) * share[s])
        for a, b, s in zip(employer, employee, size, strict=True)
    ]
    frame, expected = with_duplicates(rng, frame, expected_frame(defect, amounts))
    return Workbook(REFUND.code, city, {"稳岗返还": frame}, expected)


def generate(scale: str, seed: int = 2020) -> tuple[list[Workbook], References]:
    """Every workbook of a synthetic batch, city by city, and its reference lists."""
    from synthetic.programs import builders

    sizes = SCALES[scale]
    refs = References([], [], [])
    rng = np.random.default_rng(seed)
    workbooks = []
    cities = list(ids.CITY_AREAS)[: sizes.cities]
    for builder, total in builders(sizes):
        for city in cities:
            count = max(8, total // len(cities))
            workbooks.append(builder(rng, city, count, refs))
    return workbooks, refs
