"""What a bank's answer for one payment means (SPEC §8 Whole-file refusal): paid, failed (about
the account or not), reversed, still at the bank (转下批/处理中), unknown (发送超时/状态未知), or a
text nobody has mapped — listed for a person, the payment left sent.

Each bank's reason texts map to these in its format file (`outcomes:`, a text the bank's reason
contains → an outcome); the defaults below hold for every bank. A format may map `"*"` (any other
reason of a 失败 row) where its returns say 成功/失败 and every other failure is a plain failure.
"""

from __future__ import annotations

from bank.spec import BankFormat

PAID, FAILED, FAILED_ACCOUNT, REVERSED = "paid", "failed", "failed_account", "reversed"
PENDING, UNKNOWN, REVIEW = "pending", "unknown", "review"
OUTCOMES = {
    PAID: "支付成功",
    FAILED: "支付失败（与账户无关，可向原账户重新支付）",
    FAILED_ACCOUNT: "支付失败（账户问题，须更正账户后重新支付）",
    REVERSED: "退汇/冲正",
    PENDING: "转下批/处理中（仍为已报送）",
    UNKNOWN: "发送超时/状态未知（仍为已报送，结清前不得重新支付）",
    REVIEW: "须人工核对（仍为已报送）",
}
# A whole file refused by the bank: nothing in it was paid, and its reason (count, total, date,
# payer account) is never about a beneficiary's account.
WHOLE_FILE = "整批退回"
ANY_OTHER = "*"
DEFAULTS: dict[str, str] = {
    "转下批": PENDING,
    "处理中": PENDING,
    "发送超时": UNKNOWN,
    "状态未知": UNKNOWN,
    "冲正": REVERSED,
    "退汇": REVERSED,
    "户名不符": FAILED_ACCOUNT,
    "卡号不存在": FAILED_ACCOUNT,
    "账号不存在": FAILED_ACCOUNT,
    "账户不存在": FAILED_ACCOUNT,
    "账号信息错误": FAILED_ACCOUNT,
    "无此账号": FAILED_ACCOUNT,
    "无此账户": FAILED_ACCOUNT,
    "销户": FAILED_ACCOUNT,
    "注销": FAILED_ACCOUNT,
    "挂失": FAILED_ACCOUNT,
    "开户行": FAILED_ACCOUNT,
    "账号错误": FAILED_ACCOUNT,
    "户名错误": FAILED_ACCOUNT,
    # Broader words, tried last (a frozen 账户 is temporary, not about the account): a failure that names the account or the name in any other way
    # waits for a corrected account (a second person's check) rather than being paid again blind.
    "账号": FAILED_ACCOUNT,
    "户名": FAILED_ACCOUNT,
    "不存在": FAILED_ACCOUNT,
    "无此": FAILED_ACCOUNT,
    "不符": FAILED_ACCOUNT,
}


def outcome_of(result: str, reason: str, bank_format: BankFormat | None) -> str:
    """The outcome of one return row: its result (成功/失败/退汇, or empty where the bank's
    reason says it all) and the bank's reason text."""
    result, reason = result.strip(), reason.strip()
    if result == "成功" or (not result and reason == "成功"):
        return PAID
    if result == "退汇":
        return REVERSED
    if reason.startswith(WHOLE_FILE):
        return FAILED
    own = dict(bank_format.outcomes) if bank_format else {}
    found = REVIEW
    for table in (own, DEFAULTS):
        texts = sorted((t for t in table if t != ANY_OTHER), key=len, reverse=True)
        match = next((text for text in texts if text in reason), None)
        if match is not None:
            found = table[match]
            break
    else:
        if result == "失败" and ANY_OTHER in own:
            found = own[ANY_OTHER]
    # Only a row the bank reports as a success pays: a reason text of a failure row never does
    # (入账不成功 holds 成功).
    return REVIEW if found == PAID else found


def about_the_account(reason: str | None) -> bool:
    """Whether a failure's reason, by the defaults every bank shares, is about the account (a
    correction is needed before the payment is re-issued)."""
    return outcome_of("失败", reason or "", None) == FAILED_ACCOUNT
