"""Enterprise size (大型/中型/小型/微型) derived with the national SME classification standard.

工信部联企业〔2011〕300号: for each sector, a size applies when ALL of its lower bounds are met
(staff in persons, revenue and assets in 万元), checked from 大型 down; an enterprise meeting no
tier is 微型. Shared by every programme whose rule depends on size (SPEC §2.5).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from policy.parameters import ParameterReads
from policy.qualify import Change

TIERS = ("大型", "中型", "小型")
MEASURE_COLUMNS = {"staff": ("staff", 1), "revenue": ("revenue", 100), "assets": ("assets", 100)}


def derive_size(frame: pd.DataFrame, reads: ParameterReads, on: dt.date) -> pd.Series:
    """The derived size per row, or <NA> where the row lacks what its sector's test needs.

    `revenue` and `assets` are in 万元 × 100 (see validators.schemas), hence the scale.
    """
    table = reads.value("enterprise_size.size_thresholds", on)
    derived = pd.Series(pd.NA, index=frame.index, dtype=object)
    if "industry" not in frame:
        return derived
    for industry, tiers in table.items():
        rows = frame["industry"] == industry
        if not rows.any():
            continue
        measures = {m for bounds in tiers.values() for m in bounds}
        complete = rows.fillna(False).astype(bool)
        for measure in measures:
            complete &= frame[MEASURE_COLUMNS[measure][0]].notna()
        size = pd.Series("微型", index=frame.index, dtype=object)
        for tier in reversed(TIERS):
            meets = pd.Series(True, index=frame.index)
            for measure, bound in tiers[tier].items():
                column, scale = MEASURE_COLUMNS[measure]
                values = frame[column].fillna(-1).astype("int64")
                meets &= values >= int(bound) * scale
            size = size.where(~meets, tier)
        derived = derived.where(~complete, size)
    return derived


def size_mismatch(frame: pd.DataFrame, derived: pd.Series) -> pd.Series:
    """Rows whose declared size contradicts the derived one (only where one could be derived)."""
    known = derived.notna()
    return known & (frame["declared_size"].astype(object) != derived)


def effective_size(frame: pd.DataFrame, derived: pd.Series) -> pd.Series:
    """The size the rules use: the derived one where known, else the declared one."""
    return derived.where(derived.notna(), frame["declared_size"].astype(object))


def with_mismatch_messages(
    messages: pd.Series, frame: pd.DataFrame, derived: pd.Series
) -> pd.Series:
    """Row messages, where a size is held saying what was declared and what the standard gives."""
    text = (
        "申报为"
        + frame["declared_size"].astype(object).fillna("")
        + "，按划型标准（"
        + frame.get("industry", pd.Series("", index=frame.index)).astype(object).fillna("")
        + "）测算为"
        + derived.astype(object).fillna("")
        + "，待人工复核"
    )
    return messages.where(~size_mismatch(frame, derived) | (messages != ""), text)


def size_change(frame: pd.DataFrame, derived: pd.Series) -> Change:
    """A held size mismatch is met by declaring the size the standard gives (SPEC §2)."""
    declared = frame["declared_size"].astype(object).fillna("未填")
    return Change(
        "SIZE_MISMATCH",
        "declared_size",
        derived.where(derived.notna()),
        "申报规模为"
        + declared
        + "，按划型标准测算为"
        + derived.astype(object).fillna("")
        + "：申报规模填写为"
        + derived.astype(object).fillna("")
        + "即无须人工复核",
    )
