"""Reason codes, their Chinese messages, and the outcome precedence of SPEC §2.

Codes are stable ASCII identifiers written to files; messages are for clerks and applicants.
`policy/sources/reason_clauses.yaml` quotes the SPEC clause behind each code (the SPEC and the
source report are kept in `policy/sources/`).
`settle` applies the precedence: validation failure → rejected; otherwise every failed condition
→ rejected; only an otherwise eligible row can be held, with every hold reason (a declared size
contradicting the derived one among them); informational notes ride on approved rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

APPROVED, REJECTED, HELD = "approved", "rejected", "held"

# In the order codes are listed on a row: validation, then holds, then each programme's rules.
REASONS: dict[str, str] = {
    "INVALID_CREDIT_CODE": "统一社会信用代码无效",
    "INVALID_ID_NUMBER": "身份证号无效",
    "INVALID_CITY": "所属地市不是山东省设区市",
    "INVALID_VALUE": "填写的值无效",
    "MISSING_VALUE": "必填项为空",
    "DUPLICATE_ROW": "同一工作表内重复申报",
    "UNKNOWN_ENTERPRISE": "企业信息表中没有该企业或企业信息有误",
    "SIZE_MISMATCH": "申报的企业规模与按划型标准测算的规模不一致，待人工复核",
    "SR_DISHONEST": "企业列入严重失信名单",
    "SR_INSURED_MONTHS": "连续参保缴费月数不足",
    "SR_LAYOFF_RATE": "裁员率超过标准",
    "SFP_NOT_KEY_ENTERPRISE": "企业不在疫情防控物资重点企业名单内",
    "SFP_DAYS_EXCEED_WINDOW": "出勤天数超过到岗日期与春节生产期间的重叠天数",
    "SFP_OVERLAP": "同一人员在多家企业的到岗日期重叠，待人工复核",
    "NH_RESUME_DATE": "企业复工复产日期不在规定期间内",
    "NH_HIRE_DATE": "入职日期不在规定期间内或早于复工复产日期",
    "NH_NO_CONTRACT": "未签订劳动合同",
    "NH_NOT_INSURED": "未参加社会保险",
    "CQ_NOT_CHONGQING": "身份证号不是重庆市户籍",
    "CQ_NOT_REGISTERED": "不在建档立卡贫困人口名单内",
    "CQ_TOO_SHORT": "年度内在鲁稳定就业不足规定月数",
    "CR_EXCLUDED_UNIT": "机关事业单位不享受阶段性减免",
    "DF_NO_HARDSHIP": "未声明受疫情影响生产经营困难",
    "DF_EXCLUDED_UNIT": "机关事业单位不得申请缓缴",
    "DF_PERIOD": "申请缓缴的所属期超出允许的缓缴期限",
    "CARD_CHECKSUM": "银行卡号校验未通过，待人工核实",
    "RISK_DECEASED": "风险核查：死亡人员名单显示其已死亡，待人工核实",
    "RISK_IN_CUSTODY": "风险核查：计算期间处于服刑期间，待人工核实",
    "RISK_ENTITY_CLOSED": "风险核查：企业已注销或吊销，待人工核实",
    "RISK_SHARED_ACCOUNT": "风险核查：同一银行账号为多个对象所填，待人工核实",
    "RISK_PAID_ELSEWHERE": "风险核查：合作省份已发放同一人员同一年度的补贴，待人工核实",
    "REVIEW_RESUBMITTED": "此前经复核驳回后再次申报，待重新复核",
    "CLAIM_PENDING": "同一申请在其他批次中尚待复核，待人工复核",
    "DUPLICATE_CLAIM": "该对象已在其他申请或批次中享受本项政策",
    "REVIEW_REJECTED": "复核未通过",
}
ORDER = {code: position for position, code in enumerate(REASONS)}
# A row failing any of these is rejected for that alone: it holds no claim (SPEC §2, §3).
VALIDATION_CODES = frozenset(
    [
        "INVALID_CREDIT_CODE",
        "INVALID_ID_NUMBER",
        "INVALID_CITY",
        "INVALID_VALUE",
        "MISSING_VALUE",
        "DUPLICATE_ROW",
        "UNKNOWN_ENTERPRISE",
    ]
)


@dataclass(frozen=True)
class Settled:
    """Each row's outcome and the reason codes that explain it (a boolean column per code)."""

    outcome: pd.Series
    reasons: pd.DataFrame


def settle(
    index: pd.Index,
    validation: pd.DataFrame,
    ineligible: dict[str, pd.Series],
    holds: dict[str, pd.Series] | None = None,
    size_mismatch: pd.Series | None = None,
    notes: dict[str, pd.Series] | None = None,
) -> Settled:
    """Apply SPEC §2's outcome precedence to a programme's rows.

    Validation failure → rejected; then every eligibility condition failed → rejected with all
    their codes (eligibility never depends on the declared size); only an otherwise eligible
    row is held, with every hold reason that applies, `SIZE_MISMATCH` among them: a reviewer
    never sees a row a rule would reject. (`DUPLICATE_CLAIM` comes between validation and
    eligibility; claims are settled across files and batches, see `policy.claims`.)
    """
    invalid = validation.reindex(index, fill_value=False).any(axis=1)
    failed = _frame(ineligible, index)
    failing = failed.any(axis=1) & ~invalid
    hold_flags = _frame({**(holds or {}), "SIZE_MISMATCH": _mask(size_mismatch, index)}, index)
    holding = hold_flags.any(axis=1) & ~invalid & ~failing
    approved = ~(invalid | failing | holding)

    reasons = validation.reindex(index, fill_value=False).astype(bool).copy()
    reasons.loc[~invalid, :] = False
    _merge(reasons, {code: flag & failing for code, flag in failed.items()})
    _merge(reasons, {code: flag & holding for code, flag in hold_flags.items()})
    _merge(reasons, {code: _mask(flag, index) & approved for code, flag in (notes or {}).items()})

    outcome = pd.Series(APPROVED, index=index, dtype=object)
    outcome[invalid | failing] = REJECTED
    outcome[holding] = HELD
    return Settled(outcome, reasons)


def _mask(flag: pd.Series | None, index: pd.Index) -> pd.Series:
    if flag is None:
        return pd.Series(False, index=index)
    return flag.reindex(index, fill_value=False).fillna(False).astype(bool)


def _frame(flags: dict[str, pd.Series], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({code: _mask(flag, index) for code, flag in flags.items()}, index=index)


def _merge(reasons: pd.DataFrame, flags: dict[str, pd.Series]) -> None:
    for code, flag in flags.items():
        current = reasons.get(code, False)
        reasons[code] = flag | current


def join_codes(reasons: pd.DataFrame) -> pd.Series:
    """`;`-joined codes per row in the canonical order, vectorised over code columns."""
    text = pd.Series("", index=reasons.index, dtype=object)
    for code in sorted(reasons.columns, key=lambda c: ORDER.get(c, len(ORDER))):
        text = text.where(~reasons[code], text + code + ";")
    return text.str.rstrip(";")


def explain(reasons: pd.DataFrame, details: pd.Series | None = None) -> pd.Series:
    """A Chinese message per row: detailed validation messages where given, else the codes'."""
    text = pd.Series("", index=reasons.index, dtype=object)
    for code in sorted(reasons.columns, key=lambda c: ORDER.get(c, len(ORDER))):
        text = text.where(~reasons[code], text + REASONS.get(code, code) + "；")
    text = text.str.rstrip("；")
    if details is not None:
        detailed = details.reindex(reasons.index, fill_value="").fillna("")
        text = text.where(detailed == "", detailed)
    return text
