"""The payer account's statement (对账单) reconciled against the payments (SPEC §8): each paid
payment has exactly one debit. Listed for a person: a second debit for a payment (paid twice), a
debit for nothing we sent, a debit that fits several payments (never guessed), a paid payment
with no debit its format's number of business days (`statement_days`, default 3) after it was
sent to the bank, and a
credit that returns a payment (退汇) — with a note when the registry still holds it as paid.

A debit answers a payment of the same counterparty account and amount (what the bank paid, else
what the file carried). The statement is identified by its sha256: the same file again changes
nothing; later statements see the debits earlier ones matched, and a line an earlier statement
already recorded (a monthly statement over the days of daily ones) is not counted again. A debit
for a payment recorded as failed (the bank took the money after all: a refusal recorded wrongly,
or a failure paid anyway) is listed. `verify` shows the totals.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bank.formats import BankFormat, load_formats
from bank.payers import load_payers
from bank.statement import CREDIT, DEBIT, StatementError, read_statement
from ledger.masking import mask_account
from ledger.outputs import file_sha256
from policy.money import fen_grouped
from registry import statements as store
from registry.database import Registry, serialized

STATEMENT_LOCK = 0x5B51D4
DEFAULT_DAYS = 3
FINDINGS = {
    "matched": "对应支付",
    "double": "重复借方（同一支付第二次扣款）",
    "unrequested": "无对应支付的借方",
    "ambiguous": "对应多笔支付，无法确定",
    "failed_debit": "借方对应登记为支付失败或已重新支付的付款（可能重复支付）",
    "seen_before": "此前的对账单已有同一笔交易",
    "reversal_credit": "退汇贷方",
    "other_credit": "其他贷方",
}
SETTLED_AS_FAILED = ("failed", "reissued")


@dataclass
class StatementCheck:
    file_name: str
    already: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)  # for a person
    missing: list[str] = field(default_factory=list)  # paid, no debit after N business days
    payer_account: str = ""  # the account the statement was reconciled as

    def summary(self) -> str:
        if self.already:
            return f"对账单 {self.file_name} 已于此前核对（sha256 相同），本次未作任何更改"
        said = "，".join(f"{FINDINGS[k]} {n} 笔" for k, n in self.counts.items() if n)
        of = f"（付款账户 {self.payer_account}）" if self.payer_account else ""
        lines = [f"对账单 {self.file_name}{of}：{said or '无交易'}"]
        lines += [f"  须核对：{line}" for line in self.listed]
        lines += [f"  未见借方：{line}" for line in self.missing]
        return "\n".join(lines)


def found_lines(
    lines: pd.DataFrame, payments: pd.DataFrame, seen: Counter[tuple[object, ...]] | None = None
) -> list[tuple[str, str | None]]:
    """(finding, payment id) of each statement line, in order; `payments` as
    `registry.statements.debitable` gives them (a debit matched earlier is `debited`); `seen`,
    the lines earlier statements already recorded (an overlapping statement repeats them)."""
    debited = set(payments.loc[payments["debited"], "payment_id"])
    states = dict(zip(payments["payment_id"], payments["state"], strict=True))
    by_key: dict[tuple[str, int], list[str]] = {}
    for row in payments.itertuples(index=False):
        by_key.setdefault((str(row.account), int(row.amount)), []).append(str(row.payment_id))
    before = Counter(seen or {})
    found: list[tuple[str, str | None]] = []
    for line in lines.itertuples(index=False):
        key = line_key(line)
        if before[key] > 0:
            before[key] -= 1
            found.append(("seen_before", None))
            continue
        candidates = by_key.get((str(line.account), int(line.amount)), [])
        if line.direction == CREDIT:
            if len(candidates) > 1:
                found.append(("ambiguous", None))
            elif candidates:
                found.append(("reversal_credit", candidates[0]))
            else:
                found.append(("other_credit", None))
            continue
        open_ = [p for p in candidates if p not in debited]
        if len(open_) == 1:
            debited.add(open_[0])
            # A debit for a payment recorded as failed: the bank took the money after all.
            kind = "failed_debit" if states.get(open_[0]) in SETTLED_AS_FAILED else "matched"
            found.append((kind, open_[0]))
        elif len(open_) > 1:
            found.append(("ambiguous", None))
        elif candidates:
            found.append(("double", candidates[0] if len(candidates) == 1 else None))
        else:
            found.append(("unrequested", None))
    return found


def line_key(line: object) -> tuple[object, ...]:
    """What makes two statements' lines the same transaction: date, direction, amount,
    counterparty account and summary."""
    return tuple(getattr(line, c) for c in ("date", "direction", "amount", "account", "summary"))


def without_debit(
    payments: pd.DataFrame,
    matched: set[str],
    since: dt.date,
    until: dt.date,
    formats: dict[str, BankFormat],
) -> pd.DataFrame:
    """Paid payments sent to the bank on or after `since` (the first statement's first day:
    an earlier debit is in no statement recorded) with no debit, `statement_days` business days
    (their format's, else 3) or more before `until`."""
    paid = payments[(payments["state"] == "paid") & ~payments["payment_id"].isin(matched)]
    paid = paid[~paid["debited"] & paid["sent_on"].notna()]
    paid = paid[np.array([day >= since for day in paid["sent_on"]], dtype=bool)]
    days = [_days(formats.get(str(f))) for f in paid["bank_format"]]
    elapsed = np.busday_count(
        np.array(list(paid["sent_on"]), dtype="datetime64[D]"), np.datetime64(until, "D")
    )
    return paid[elapsed >= np.array(days, dtype=int)]


def _days(bank_format: BankFormat | None) -> int:
    text = bank_format.parameter("statement_days") if bank_format else ""
    return int(text) if text.isdigit() else DEFAULT_DAYS


def reconcile_statement(
    path: Path,
    registry: Registry,
    by: str,
    formats: dict[str, BankFormat] | None = None,
    payer_account: str | None = None,
) -> StatementCheck:
    """`payer_account`: the account the statement is of; needed once the bank files debit
    more than one (two fund sources), and then only that account's payments are looked for."""
    sha = file_sha256(path)
    lines = read_statement(path)
    check = StatementCheck(path.name)
    formats = formats or load_formats()
    with registry.engine.begin() as connection:
        serialized(connection, STATEMENT_LOCK)
        if store.statement_recorded(connection, sha):
            check.already = True
            return check
        entered = sorted({p.account for p in load_payers().values() if p.entered})
        account = _payer_account(store.payer_accounts(connection), payer_account, entered)
        check.payer_account = account or ""
        payments = store.debitable(connection, account)
        first, last = lines["date"].min(), lines["date"].max()
        seen = store.recorded_lines(connection, first, last, account)
        found = found_lines(lines, payments, Counter(line_key(row) for row in seen.itertuples()))
        earlier = store.first_statement_day(connection, account)
        since = min([first, *filter(None, [earlier])])
        until = lines["date"].max()
        matched = {pid for kind, pid in found if kind == "matched" and pid}
        late = without_debit(payments, matched, since, until, formats)
        store.record_statement(
            connection,
            {
                "sha256": sha,
                "file_name": path.name,
                "lines": len(lines),
                "first_date": lines["date"].min(),
                "last_date": until,
                "recorded_by": by,
                "recorded_at": dt.datetime.now(dt.UTC),
                "payer_account": account,
            },
            [
                {
                    "sha256": sha,
                    "line": int(line.line),
                    "date": line.date,
                    "direction": str(line.direction),
                    "amount_fen": int(line.amount),
                    "account": str(line.account)[:40],
                    "name": str(line.name)[:120],
                    "summary": str(line.summary)[:255],
                    "finding": kind,
                    "payment_id": pid,
                }
                for line, (kind, pid) in zip(lines.itertuples(index=False), found, strict=True)
            ],
        )
    states = dict(zip(payments["payment_id"], payments["state"], strict=True))
    for kind in FINDINGS:
        check.counts[kind] = sum(1 for k, _ in found if k == kind)
    for line, (kind, pid) in zip(lines.itertuples(index=False), found, strict=True):
        if kind in ("matched", "seen_before", "other_credit"):
            continue
        note = ""
        if kind == "reversal_credit" and states.get(str(pid)) == "paid":
            note = "；登记库中该支付仍为支付成功，请取得银行退汇回盘后对账"
        which = f"（付款 {pid}）" if pid else ""
        check.listed.append(
            f"第{line.line}行 {line.date} {'借' if line.direction == DEBIT else '贷'} "
            f"{fen_grouped(int(line.amount))} 元 {mask_account(str(line.account))} {line.name}："
            f"{FINDINGS[kind]}{which}{note}"
        )
    check.missing = [
        f"付款 {row.payment_id}（{row.sent_on} 报送银行，已支付成功，{fen_grouped(int(row.amount))} 元）"
        for row in late.itertuples(index=False)
    ]
    return check


def _payer_account(known: list[str], named: str | None, entered: list[str]) -> str | None:
    """The payer account a statement is reconciled against: the one named — a payer account
    entered (`bank.payers`) or one the bank files debit —, else the only one there is (None
    before any is entered or named by a file)."""
    named = (named or "").strip() or None
    accounts = sorted(set(known) | set(entered))
    if named is None:
        if len(accounts) > 1:
            shown = "、".join(accounts)  # the department's own accounts
            raise StatementError(
                f"付款账户有 {len(accounts)} 个（{shown}），"
                "请用 --payer-account 指明本对账单所属的付款账户；未作任何核对"
            )
        return accounts[0] if accounts else None
    if accounts and named not in accounts:
        raise StatementError(
            f"{named} 不是登记的付款账户，也不是任何已拨付银行文件的付款账户；未作任何核对"
        )
    return named


def statement_totals(registry: Registry) -> list[str]:
    """The statements' totals as `verify` shows them beside the proof (empty when none)."""
    with registry.engine.connect() as connection:
        lines = store.findings(connection)
    if lines.empty:
        return []
    return [_totals(of, str(account)) for account, of in lines.groupby("payer_account", sort=True)]


def _totals(lines: pd.DataFrame, account: str) -> str:
    debits = lines[lines["direction"] == DEBIT]
    counts = lines["finding"].value_counts()
    return (
        f"付款账户{(' ' + account + ' 的') if account else ''}对账单（登记库全部）：借方 {len(debits)} 笔 "
        f"{fen_grouped(int(debits['amount_fen'].sum()))} 元，其中对应支付 "
        f"{int(counts.get('matched', 0))} 笔；重复借方 {int(counts.get('double', 0))} 笔、"
        f"无对应支付 {int(counts.get('unrequested', 0))} 笔、无法确定 "
        f"{int(counts.get('ambiguous', 0))} 笔、对应支付失败的付款 "
        f"{int(counts.get('failed_debit', 0))} 笔；退汇贷方 {int(counts.get('reversal_credit', 0))} 笔"
    )
