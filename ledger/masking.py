"""Masking of personal data for the audit log, logs and the Prefect UI (SPEC §4).

ID numbers keep their first six (the issuing area) and last four characters,
`370102********1234`; bank accounts keep their last four. Works on scalars and Series alike.
Credit codes on a public notice (公示名单, SPEC §7) keep their first four and last four
characters, `9137**********123X`, as the department publishes them.
"""

from __future__ import annotations

import re

import pandas as pd

from policy.masking import mask_account, mask_id

__all__ = [
    "mask_account",
    "mask_accounts",
    "mask_credit_codes",
    "mask_id",
    "mask_ids",
    "mask_text",
]

_LONG_DIGITS = re.compile(r"\d{6}[\dX*]{4,}(\d{3}[\dXx])|\d{8,}")


def _stars(counts: pd.Series) -> pd.Series:
    return counts.map({n: "*" * n for n in counts.unique()})


def _keep_ends(values: pd.Series, head: int, tail: int) -> pd.Series:
    """The first `head` and last `tail` characters kept, `*` between; all `*` when shorter."""
    text = values.where(values.notna(), "").astype(str)
    length = text.str.len()
    kept = text.str[:head] + _stars((length - head - tail).clip(lower=0)) + text.str[-tail:]
    return kept.where(length >= head + tail, _stars(length))


def mask_ids(values: pd.Series) -> pd.Series:
    """`mask_id` over a column, without a Python call per row."""
    return _keep_ends(values, 6, 4)


def mask_credit_codes(values: pd.Series) -> pd.Series:
    """Credit codes as a public notice shows them: `9137**********123X`."""
    return _keep_ends(values, 4, 4)


def mask_accounts(values: pd.Series) -> pd.Series:
    """`mask_account` over a column."""
    text = values.where(values.notna(), "").astype(str)
    length = text.str.len()
    kept = _stars((length - 4).clip(lower=0)) + text.str[-4:]
    return kept.where(length > 4, _stars(length))


def mask_text(text: str) -> str:
    """Mask any run of eight or more digits (an ID or account inside free text)."""
    return re.sub(r"\d{8,}[\dXx]?", lambda m: mask_account(m.group(0)), text)
