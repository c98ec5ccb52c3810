"""Employer contributions due and the relief share on them, shared by relief and deferral.

Due per insurance = base × employer rate, half-up to the fen: pension and unemployment at the
statutory rates in force in the contribution month, work injury and medical at the row's own
rates. The relief share depends on the month and the unit's class (SPEC §2.5): SMEs and 个体工商户,
large enterprises and other insured units (社会组织), or excluded organs and institutions.
Relief = due × share, half-up to the fen; payable = due − relief. `contribution_deferral` defers
the payable, so the share function below is the only one (never a copy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from policy import money
from policy.parameters import ParameterReads
from validators.cleaning import RATE_SCALE

INSURANCES = {"pension": "养老", "unemployment": "失业", "injury": "工伤", "medical": "医疗"}
SMALL_SIZES = ("中型", "小型", "微型")
EXCLUDED_UNIT = "机关事业单位"
STATUTORY_RATES = {
    "pension": "contributions.pension_employer_rate",
    "unemployment": "contributions.unemployment_employer_rate",
}
SHARE_PARAMETERS = {
    "pension": "contributions.relief_share_pension_unemployment_injury",
    "unemployment": "contributions.relief_share_pension_unemployment_injury",
    "injury": "contributions.relief_share_pension_unemployment_injury",
    "medical": "contributions.relief_share_medical",
}


@dataclass(frozen=True)
class Contributions:
    """Per insurance (keys of `INSURANCES`): due, relief and payable in fen, one per row."""

    due: dict[str, np.ndarray]
    relief: dict[str, np.ndarray]

    def payable(self, insurance: str) -> np.ndarray:
        return self.due[insurance] - self.relief[insurance]

    def total_relief(self) -> np.ndarray:
        return sum(self.relief.values(), start=np.zeros_like(self.relief["pension"]))


def unit_class(unit_type: pd.Series, size: pd.Series) -> pd.Series:
    """`sme`, `other` or `excluded`: the relief category of each row (SPEC §2.5 table)."""
    sme = ((unit_type == "企业") & size.isin(SMALL_SIZES)) | (unit_type == "个体工商户")
    excluded = unit_type == EXCLUDED_UNIT
    result = pd.Series("other", index=unit_type.index, dtype=object)
    result[sme.fillna(False).astype(bool)] = "sme"
    result[excluded.fillna(False).astype(bool)] = "excluded"
    return result


def first_covered_month(reads: ParameterReads) -> pd.Timestamp:
    """The earliest contribution month every rate and relief share has a value for."""
    names = {*STATUTORY_RATES.values(), *SHARE_PARAMETERS.values()}
    return pd.Timestamp(max(reads.parameter(name).starts[0] for name in names))


def _dated_ratio(
    reads: ParameterReads, name: str, months: np.ndarray, pick: pd.Series | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row exact fraction of a dated parameter (optionally a mapping keyed per row)."""
    parameter = reads.parameter(name)
    positions, table = parameter.at_each(months)
    numerators = np.zeros(len(months), dtype=np.int64)
    denominators = np.ones(len(months), dtype=np.int64)
    keys = [None] if pick is None else pick.unique()
    for key in keys:
        rows = np.ones(len(months), bool) if key is None else (pick == key).to_numpy()
        pairs = [money.ratio(v if key is None else v[key]) for v in table]
        numerators[rows] = np.array([p[0] for p in pairs], dtype=np.int64)[positions[rows]]
        denominators[rows] = np.array([p[1] for p in pairs], dtype=np.int64)[positions[rows]]
    return numerators, denominators


def contributions(
    frame: pd.DataFrame, months: pd.Series, classes: pd.Series, reads: ParameterReads
) -> Contributions:
    """Due and relief per insurance for each row's contribution month and unit class."""
    month_days = months.to_numpy(dtype="datetime64[D]")
    due: dict[str, np.ndarray] = {}
    relief: dict[str, np.ndarray] = {}
    for insurance in INSURANCES:
        base = frame[f"{insurance}_base"].fillna(0).to_numpy(np.int64)
        if insurance in STATUTORY_RATES:
            numerators, denominators = _dated_ratio(reads, STATUTORY_RATES[insurance], month_days)
        else:
            numerators = frame[f"{insurance}_rate"].fillna(0).to_numpy(np.int64)
            denominators = np.full(len(frame), RATE_SCALE, dtype=np.int64)
        due[insurance] = money.times_ratio(base, numerators, denominators)
        share_n, share_d = _dated_ratio(reads, SHARE_PARAMETERS[insurance], month_days, classes)
        relief[insurance] = money.times_ratio(due[insurance], share_n, share_d)
    return Contributions(due, relief)
