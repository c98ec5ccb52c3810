"""Roster programmes: each worker row is decided together with its enterprise's row.

A roster row whose enterprise is missing from 企业信息 is `UNKNOWN_ENTERPRISE`; one whose
enterprise row failed validation carries the enterprise's reasons and messages (SPEC §3).
"""

from __future__ import annotations

import pandas as pd

from validators.validate import ValidatedSheet

ENTERPRISE_FIELDS = ("name", "city", "declared_size", "bank_name", "bank_account")


def attach_enterprise(
    roster: ValidatedSheet, enterprises: ValidatedSheet, extra: tuple[str, ...] = ()
) -> ValidatedSheet:
    """The roster with its enterprise's fields joined and enterprise failures folded in."""
    firsts = enterprises.frame.assign(
        _valid=enterprises.valid,
        _message=enterprises.messages,
        _enterprise_index=enterprises.frame.index,
    )
    firsts = firsts[~enterprises.reasons.get("DUPLICATE_ROW", pd.Series(False, index=firsts.index))]
    firsts = firsts.dropna(subset=["credit_code"]).drop_duplicates(["file", "credit_code"])
    fields = [*ENTERPRISE_FIELDS, *extra]
    joined = roster.frame.merge(
        firsts[["file", "credit_code", *fields, "_valid", "_message", "_enterprise_index"]],
        on=["file", "credit_code"],
        how="left",
        validate="many_to_one",
    )
    joined.index = roster.frame.index
    known = joined["_enterprise_index"].notna()
    unknown = ~known & roster.frame["credit_code"].notna()
    reasons = roster.reasons.copy()
    reasons["UNKNOWN_ENTERPRISE"] = unknown
    enterprise_reasons = (
        enterprises.reasons.reindex(joined["_enterprise_index"].fillna(-1).astype("int64"))
        .fillna(False)
        .astype(bool)
    )
    enterprise_reasons.index = roster.frame.index
    for code in enterprise_reasons.columns.drop("DUPLICATE_ROW", errors="ignore"):
        reasons[code] = reasons.get(code, False) | enterprise_reasons[code]
    messages = roster.messages.copy()
    inherited = known & ~joined["_valid"].fillna(True).astype(bool)
    messages[inherited] = (
        "企业信息第"
        + joined.loc[inherited, "_enterprise_index"].map(enterprises.frame["row"]).astype(str)
        + "行："
        + joined.loc[inherited, "_message"]
        + messages[inherited].map(lambda m: f"；{m}" if m else "")
    )
    messages[unknown] = messages[unknown].map(lambda m: m + "；" if m else "") + (
        "企业信息表中没有统一社会信用代码为该值的企业"
    )
    frame = joined.drop(columns=["_valid", "_message", "_enterprise_index"])
    return ValidatedSheet(roster.name, frame, reasons.fillna(False).astype(bool), messages)
