"""What would make a row eligible (SPEC §2): the smallest change of one input, found by the rules.

Each programme's rule offers, for each condition a row fails, the change of one input that
meets that condition (`Change`: the input, its new value, and the Chinese sentence saying so —
"裁员率 6.1%，高于上限 5.5%：裁员人数不超过 27 人即符合"). `remedies` applies each offered
change to the rows it answers and runs the rule's own conditions again: a change is stated only
where every condition then holds (a rejected row is no longer rejected; a held row is approved).
Where no single change does, the row says so and what each condition needs.

Some reasons no change of the applicant's own inputs can meet (a list the enterprise is on,
an identity, a repeat, a reviewer's judgement, a risk hold): `FIXED` names them, and
`how_to_qualify` gives those rows "无单项修改可使其符合" with the reason. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from policy.outcomes import APPROVED, HELD, ORDER, VALIDATION_CODES, Settled

NO_SINGLE_CHANGE = "无单项修改可使其符合"
# Reasons no change of one of the applicant's inputs can meet, and how to say why.
FIXED: dict[str, str] = {
    "DUPLICATE_ROW": "同一工作表内重复申报",
    "SR_DISHONEST": "企业列入严重失信名单",
    "SFP_NOT_KEY_ENTERPRISE": "企业不在疫情防控物资重点企业名单内",
    "SFP_OVERLAP": "同一人员在多家企业的到岗日期重叠，须人工复核",
    "CQ_NOT_CHONGQING": "身份证号不是重庆市户籍",
    "CQ_NOT_REGISTERED": "不在建档立卡贫困人口名单内",
    "DF_EXCLUDED_UNIT": "机关事业单位不得申请缓缴",
    "CARD_CHECKSUM": "银行卡号校验未通过，须核实卡号（正确卡号无法推算）",
    "RISK_DECEASED": "风险核查待人工核实",
    "RISK_IN_CUSTODY": "风险核查待人工核实",
    "RISK_ENTITY_CLOSED": "风险核查待人工核实",
    "RISK_SHARED_ACCOUNT": "风险核查待人工核实",
    "RISK_PAID_ELSEWHERE": "风险核查待人工核实",
    "REVIEW_RESUBMITTED": "此前复核驳回，待重新复核",
    "CLAIM_PENDING": "同一申请在其他批次中待复核",
    "DUPLICATE_CLAIM": "该对象已在其他申请或批次中申请或享受本项政策",
    "REVIEW_REJECTED": "复核未通过",
}
# A row whose inputs could not be read is judged by no rule: it is corrected first.
CORRECT_FIRST = "申报信息有误，须先更正后重新申报，方可按规则测算"
AWAIT_REVIEW = "待复核结果，无需修改申报"


@dataclass(frozen=True)
class Change:
    """One input's new value for the rows that fail `code`, and the sentence that states it.

    `value` is missing for a row where no value of this input meets the condition; `text`
    is then what the row has against the limit (said in "no single change" explanations).
    `sheet` names the sheet holding the input where it is not the row's own (企业信息).
    """

    code: str
    column: str
    value: pd.Series
    text: pd.Series | str
    sheet: str = ""

    def said(self, index: pd.Index) -> pd.Series:
        if isinstance(self.text, str):
            return pd.Series(self.text, index=index, dtype=object)
        return self.text.reindex(index).fillna("")


Conditions = Callable[[pd.DataFrame], dict[str, pd.Series]]
CHOSEN_COLUMNS = ["code", "sheet", "column", "value"]


@dataclass(frozen=True)
class Remedies:
    """Per row: what would make it eligible, and the single change chosen where one does."""

    text: pd.Series
    chosen: pd.DataFrame  # CHOSEN_COLUMNS, indexed by the rows a single change flips


def remedies(
    frame: pd.DataFrame,
    settled: Settled,
    valid: pd.Series,
    conditions: Conditions,
    offer: Callable[[pd.DataFrame], list[Change]],
    holds: frozenset[str] = frozenset(),
) -> Remedies:
    """Try each change `offer` makes for the rows left to explain (only those: a province's
    approved rows cost nothing) on the rows whose condition it answers; keep the first that,
    with the rule's `conditions` run again, leaves a rejected row with no rejection (`holds`
    aside) and a held row with nothing at all. Rows with a `FIXED` reason are left to
    `how_to_qualify`."""
    text = pd.Series("", index=frame.index, dtype=object)
    chosen: list[pd.DataFrame] = []
    reasons = settled.reasons
    fixed = reasons[[c for c in reasons.columns if c in FIXED]].any(axis=1)
    pending = (settled.outcome != APPROVED) & valid.reindex(frame.index, fill_value=False) & ~fixed
    changes = offer(frame.loc[pending]) if pending.any() else []
    for change in changes:
        if change.code not in reasons:
            continue
        rows = pending & reasons[change.code] & change.value.reindex(frame.index).notna()
        if not rows.any():
            continue
        trial = frame.loc[rows].copy()
        trial[change.column] = _typed(change.value[rows], frame[change.column])
        failing = conditions(trial)
        held = settled.outcome[rows] == HELD
        still = pd.Series(False, index=trial.index)
        for code, flag in failing.items():
            fails = flag.reindex(trial.index, fill_value=False).fillna(False).astype(bool)
            still |= fails & held if code in holds else fails
        flipped = still.index[~still]
        text[flipped] = change.said(flipped)
        chosen.append(
            pd.DataFrame(
                {
                    "code": change.code,
                    "sheet": change.sheet,
                    "column": change.column,
                    "value": change.value[flipped],
                },
                index=flipped,
            )
        )
        pending[flipped] = False
    if pending.any():
        text[pending] = _needs(reasons[pending], changes)
    found = [c for c in chosen if len(c)]
    return Remedies(
        text, pd.concat(found) if found else pd.DataFrame(columns=CHOSEN_COLUMNS, dtype=object)
    )


def _typed(values: pd.Series, like: pd.Series) -> pd.Series:
    try:
        return values.astype(like.dtype)
    except (TypeError, ValueError):
        return values


def _needs(reasons: pd.DataFrame, changes: list[Change]) -> pd.Series:
    """For rows no single change flips: what each failed condition needs, in code order."""
    parts = pd.Series([[] for _ in range(len(reasons))], index=reasons.index, dtype=object)
    codes = sorted(
        {c.code for c in changes} & set(reasons.columns), key=lambda c: ORDER.get(c, len(ORDER))
    )
    for code in codes:
        said = pd.Series("", index=reasons.index, dtype=object)
        mine = [c for c in changes if c.code == code]
        for change in mine:  # a condition's change that has a value for the row says it best
            offered = change.value.reindex(reasons.index).notna()
            said = said.where((said != "") | ~offered, change.said(reasons.index))
        for change in mine:
            said = said.where(said != "", change.said(reasons.index))
        said = said.where(reasons[code], "")
        for index in said.index[said != ""]:
            parts[index].append(_condition(said[index]))
    return parts.map(_joined)


def _condition(sentence: str) -> str:
    """ "裁员率 6.1%，高于上限 5.5%：裁员人数不超过 27 人即符合" → "裁员人数不超过 27 人"."""
    return sentence.split("：", 1)[-1].removesuffix("即符合").strip()


def _joined(parts: list[str]) -> str:
    if not parts:
        return NO_SINGLE_CHANGE
    if len(parts) == 1:
        return f"{NO_SINGLE_CHANGE}：{parts[0]}"
    return f"{NO_SINGLE_CHANGE}，须同时：" + "；".join(parts)


def how_to_qualify(decisions: pd.DataFrame) -> pd.Series:
    """The `how_to_qualify` of every decision row (SPEC §2, §4): empty for approved rows; a
    reason no change meets (`FIXED`) says so; else the rule's remedy; an unreadable row is
    corrected first; a held row without a code awaits its review."""
    result = pd.Series("", index=decisions.index, dtype=object)
    open_ = decisions["outcome"] != APPROVED  # only these are looked at (a province's are few)
    rows = decisions[open_]
    remedy = rows.get("remedy", pd.Series("", index=rows.index)).astype(object)
    remedy = remedy.where(remedy.notna(), "")
    result[open_] = [
        _qualify(str(outcome), str(codes), str(said))
        for outcome, codes, said in zip(
            rows["outcome"], rows["reason_codes"].fillna(""), remedy, strict=True
        )
    ]
    return result


def _qualify(outcome: str, codes: str, remedy: str) -> str:
    if outcome == APPROVED:
        return ""
    listed = [c for c in codes.split(";") if c]
    if "REVIEW_REJECTED" in listed:  # the reviewer's refusal decides; earlier holds are moot
        listed = ["REVIEW_REJECTED"]
    fixed = list(dict.fromkeys(FIXED[c] for c in listed if c in FIXED))
    if fixed:
        return f"{NO_SINGLE_CHANGE}：" + "；".join(fixed)
    if remedy:
        return remedy
    if any(c in VALIDATION_CODES for c in listed):
        return CORRECT_FIRST
    if not listed and outcome == HELD:
        return AWAIT_REVIEW
    return NO_SINGLE_CHANGE


def percent(
    numerator: pd.Series, denominator: pd.Series, limit: pd.Series | None = None
) -> pd.Series:
    """numerator / denominator as a percentage to one decimal, half-up, in integers ("6.1%");
    where that would read as no more than `limit` (a ratio the value exceeds), to two decimals
    rounded up ("5.55%", never "5.5%，高于上限 5.5%"); empty where the denominator is 0."""
    n = numerator.astype("int64")
    d = denominator.astype("int64")
    safe = d.where(d > 0, 1)
    tenths = (n * 2000 + safe) // (2 * safe)
    text = (tenths // 10).astype(str) + "." + (tenths % 10).astype(str) + "%"
    if limit is not None:
        shown_within = [
            Decimal(int(t)) / 1000 <= Decimal(str(v)) for t, v in zip(tenths, limit, strict=True)
        ]
        hundredths = (n * 10000 + safe - 1) // safe
        finer = (hundredths // 100).astype(str) + "." + (hundredths % 100).astype(str).str.zfill(2)
        text = text.where(~pd.Series(shown_within, index=text.index), finer + "%")
    return text.where(d > 0, "")


def limit_percent(value: object) -> str:
    """A ratio parameter as people read it: 0.055 → "5.5%", 0.2 → "20%"."""
    return format((Decimal(str(value)) * 100).normalize(), "f") + "%"


def days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("未填")


def months(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m").fillna("未填")


def numbers(values: pd.Series) -> pd.Series:
    return values.astype("Int64").astype(str).replace("<NA>", "未填")


def span_text(window: dict) -> str:
    """A window parameter as people read it: "2020-02-10 至 2020-03-10"."""
    return f"{pd.Timestamp(window['start']):%Y-%m-%d} 至 {pd.Timestamp(window['end']):%Y-%m-%d}"
