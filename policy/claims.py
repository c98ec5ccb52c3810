"""Claims among a batch's decisions: which rows take one, and which lose it as a duplicate (SPEC §2).

Pure frame operations shared by settlement (applications) and policy-finds-people (records). A
claim (programme, policy year, claim key) is granted once. Inside one batch the first copy in
the canonical order (file name NFC-normalised in code-point order, its path, row) that is not
rejected keeps the key, and every later copy is rejected `DUPLICATE_CLAIM`; a rejected copy
holds no key. Outcome precedence: validation first, then `DUPLICATE_CLAIM`, then eligibility,
so a later copy that also fails a rule carries both.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

import pandas as pd

from policy.outcomes import APPROVED, HELD, ORDER, REASONS, REJECTED, VALIDATION_CODES

KEY = ["program", "period", "claim_key"]


def claimable(decisions: pd.DataFrame) -> pd.Series:
    """Rows that would take a claim: approved or held, with a claim key."""
    return decisions["outcome"].isin([APPROVED, HELD]) & (decisions["claim_key"] != "")


def keyed(decisions: pd.DataFrame) -> pd.Series:
    """Rows whose claim counts at all: a claim key, and no validation failure (a row that
    fails validation is rejected for that alone, never as a duplicate)."""
    codes = decisions["reason_codes"].astype(str)
    coded = codes != ""  # most rows carry no code: only the others are searched
    invalid = pd.Series(False, index=decisions.index)
    invalid[coded] = codes[coded].str.contains(_VALIDATION, regex=True)
    return (decisions["claim_key"] != "") & ~invalid


_VALIDATION = "(?:^|;)(?:" + "|".join(sorted(VALIDATION_CODES)) + ")(?:;|$)"


def canonical_position(decisions: pd.DataFrame) -> pd.Series:
    """Each row's place in the batch's canonical order (SPEC §2): file name NFC-normalised in
    code-point order, then its path under the input folder, then the row (one claim sheet per
    programme, so the sheet's position never separates two copies of one claim)."""
    files = decisions["file"].astype(str)
    # A batch has few files and many rows: each name is normalised once.
    names = {f: unicodedata.normalize("NFC", f) for f in files.unique()}
    paths = files.map(names)
    bases = {p: PurePosixPath(p.replace("\\", "/")).name for p in names.values()}
    order = pd.DataFrame(
        {"name": paths.map(bases), "path": paths, "row": decisions["row"].astype("int64")},
        index=decisions.index,
    )
    ranked = order.sort_values(["name", "path", "row"], kind="stable")
    return pd.Series(range(len(ranked)), index=ranked.index).reindex(decisions.index)


def within_batch_duplicates(decisions: pd.DataFrame) -> pd.Series:
    """Copies of a claim after the first one in canonical order that is not rejected.

    Only keys sent more than once are ordered (a province batch has few of them)."""
    counted = keyed(decisions)
    repeated = counted & decisions.duplicated(KEY, keep=False)
    result = pd.Series(False, index=decisions.index)
    if not repeated.any():
        return result
    copies = decisions[repeated]
    position = canonical_position(copies)
    winners = (
        copies[claimable(copies)]
        .assign(_position=position)
        .sort_values("_position")
        .drop_duplicates(KEY)
    )
    first = copies[KEY].merge(winners[[*KEY, "_position"]], on=KEY, how="left", sort=False)[
        "_position"
    ]
    first.index = copies.index
    result[copies.index] = (first.notna() & (position > first)).fillna(False).astype(bool)
    return result


def mark_duplicate_claims(decisions: pd.DataFrame, duplicate: pd.Series) -> pd.DataFrame:
    """Reject the given rows as `DUPLICATE_CLAIM`: the claim belongs to another application.

    A row already rejected by a rule keeps its codes after `DUPLICATE_CLAIM`; an approved or
    held row has only `DUPLICATE_CLAIM` (a granted claim never reaches a reviewer again)."""
    if not duplicate.any():
        return decisions
    result = decisions.copy()
    ruled_out = duplicate & (result["outcome"] == REJECTED)
    others = duplicate & ~ruled_out
    result.loc[others, "reason_codes"] = "DUPLICATE_CLAIM"
    result.loc[others, "message"] = REASONS["DUPLICATE_CLAIM"]
    result.loc[ruled_out, "reason_codes"] = with_code(
        result.loc[ruled_out, "reason_codes"], "DUPLICATE_CLAIM"
    )
    result.loc[ruled_out, "message"] = (
        REASONS["DUPLICATE_CLAIM"] + "；" + result.loc[ruled_out, "message"].astype(str)
    )
    result.loc[duplicate, "outcome"] = REJECTED
    result.loc[duplicate, ["amount", "proposed"]] = 0
    return result


def with_code(codes: pd.Series, code: str) -> pd.Series:
    """`;`-joined codes with one more, in the canonical order of SPEC's reason list."""

    def joined(text: str) -> str:
        present = {c for c in str(text).split(";") if c} | {code}
        return ";".join(sorted(present, key=lambda c: ORDER.get(c, len(ORDER))))

    return codes.map(joined)


def without_code(codes: pd.Series, code: str) -> pd.Series:
    return codes.map(lambda text: ";".join(c for c in str(text).split(";") if c and c != code))
