"""The bank files of one approved round (SPEC §8), built in memory; `money.approval` writes them.

Each payment goes to the format of its *paying bank* (`bank.formats.format_for`; the
`paying_bank` column `money.paying` sets, else the beneficiary's bank) and to 对公 (an
enterprise) or 对私 (a worker's card) by its programme; one file per paying bank, format,
account type and payer account (the `payer` column: the fund source's code, in the file name;
the paying bank's name too where a format has several in the round), split at the format's
`max_rows`. A bank core's format pays only from the payer account its 单位编号 binds. A payment the file cannot carry faithfully is *held* instead
of written: an account that is not 8–32 digits, an empty name, a name the format's encoding
cannot hold (never written as `?`) or one longer than its field. Every row written is checked
with a pandera schema first: a positive amount, an account of digits, a unique payment id that
fits the bank's reference field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from bank.formats import GENERIC, BankFormat, format_for
from bank.layouts import LAYOUTS
from policy.catalogue import PROGRAMS
from validators.output_check import checked

ACCOUNT_PATTERN = r"^[0-9]{8,32}$"  # ASCII digits: `\d` takes any script's
CORPORATE, PERSONAL = "对公", "对私"


class BankRowSchema(pa.DataFrameModel):
    payment_id: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    account: Series[str] = pa.Field(str_matches=ACCOUNT_PATTERN)
    name: Series[str] = pa.Field(str_length={"min_value": 1})
    amount: Series[int] = pa.Field(gt=0)
    fits_reference: Series[bool] = pa.Field(isin=[True])


@dataclass(frozen=True)
class BankFile:
    name: str
    bank_format: str
    account_type: str
    rows: int
    amount_fen: int
    payment_ids: tuple[str, ...]
    data: bytes
    business_date: dt.date | None = None  # the day the bank must load it (a bank core's file)
    day_counts: tuple[int, ...] = ()  # each payment's 当日次数, where the layout writes one
    fund_source: str = ""  # the fund source whose payer account the file debits
    payer_account: str = ""


@dataclass(frozen=True)
class BankRelease:
    files: list[BankFile]
    held: pd.DataFrame  # payment_id, reason (Chinese): not written, not released


def bank_release(
    payments: pd.DataFrame,
    formats: dict[str, BankFormat],
    batch_id: str,
    round_: int,
    on: dt.date,
    earlier_today: Mapping[tuple[str, str], int] | None = None,
) -> BankRelease:
    """`payments`: payment_id, program, beneficiary_id, beneficiary_name, bank_name,
    bank_account, amount (fen); and, at approval, fund_source, payer, payer_account and
    paying_bank (`money.paying`). `earlier_today`: per (format, account), the payments already
    written today in files of a layout that counts them (a bank core's 当日次数)."""
    frame = _routed(payments, formats)
    held = holds(frame, formats)
    kept = frame[~frame["payment_id"].isin(held["payment_id"])]
    counts = _day_counts(kept, formats, earlier_today or {})
    files: list[BankFile] = []
    keys = ["bank_format", "account_type", "payer", "fund_source", "payer_account", "paying"]
    # A format's file names its paying bank where the round has several for it (always for
    # the generic format, which serves every bank no format names).
    banks = kept.groupby(keys[:-1])["paying"].nunique()
    for (format_name, account_type, payer, source, payer_account, paying), group in kept.groupby(
        keys
    ):
        several = (
            format_name == GENERIC
            or banks[(format_name, account_type, payer, source, payer_account)] > 1
        )
        bank = _file_word(str(paying)) if several else ""
        bank_format = formats[str(format_name)]
        layout = LAYOUTS[bank_format.layout]
        rows = _rows(group.sort_values("payment_id"), bank_format)
        if layout.by_line:
            rows["day_count"] = rows["payment_id"].map(counts)
        checked(rows, BankRowSchema, f"银行文件（{bank_format.title}，{account_type}）")
        kind = "personal" if account_type == PERSONAL else "corporate"
        for part, start in enumerate(range(0, len(rows), bank_format.max_rows), start=1):
            chunk = rows.iloc[start : start + bank_format.max_rows]
            fund = f"-{payer}" if payer else ""
            at = f"-{bank}" if bank else ""
            name = f"{batch_id}-r{round_}-{bank_format.name}-{kind}{fund}{at}-{part:02d}"
            files.append(
                BankFile(
                    name=f"{name}.{layout.suffix}",
                    bank_format=bank_format.name,
                    account_type=str(account_type),
                    rows=len(chunk),
                    amount_fen=int(chunk["amount"].sum()),
                    payment_ids=tuple(chunk["payment_id"]),
                    data=render(chunk, bank_format, on, f"批次 {batch_id} 第 {round_} 轮"),
                    business_date=on if layout.by_line else None,
                    day_counts=tuple(int(c) for c in chunk["day_count"]) if layout.by_line else (),
                    fund_source=str(source),
                    payer_account=str(payer_account),
                )
            )
    return BankRelease(files, held)


def _day_counts(
    kept: pd.DataFrame,
    formats: dict[str, BankFormat],
    earlier_today: Mapping[tuple[str, str], int],
) -> dict[str, int]:
    """Each payment's 当日次数 in a layout that writes one: this account's payments in the
    bank's day, from 1, after the highest already written today, across the format's files of
    the round (対私 first, then 对公; each in file order)."""
    counting = kept[
        np.array([LAYOUTS[formats[f].layout].by_line for f in kept["bank_format"]], dtype=bool)
    ]
    seen: dict[tuple[str, str], int] = {}
    counts: dict[str, int] = {}
    ordered = counting.reset_index(drop=True).sort_values(
        ["account_type", "payment_id"], ascending=[False, True]
    )
    for pid, fmt, account in zip(
        ordered["payment_id"], ordered["bank_format"], ordered["account"], strict=True
    ):
        key = (str(fmt), str(account))
        seen[key] = seen.get(key, earlier_today.get(key, 0)) + 1
        counts[str(pid)] = seen[key]
    return counts


def _routed(payments: pd.DataFrame, formats: dict[str, BankFormat]) -> pd.DataFrame:
    """Each payment with its bank format (its paying bank's), account type, payer, and name and
    account as written."""
    paying = payments["paying_bank"] if "paying_bank" in payments else payments["bank_name"]
    payments = payments.assign(
        **{c: payments.get(c, "") for c in ("payer", "fund_source", "payer_account")}
    )
    paying = paying.fillna("").astype(str).str.strip()
    return payments.assign(
        bank_format=[format_for(b, formats).name for b in paying],
        # One file per paying bank (SPEC §8): a format may serve several (every 农村商业银行,
        # each its own core and 单位编号), and their payments never share a file.
        paying=paying.to_numpy(),
        account_type=[
            PERSONAL if PROGRAMS[p].pays_person else CORPORATE for p in payments["program"]
        ],
        name=payments["beneficiary_name"].fillna("").astype(str).str.strip(),
        account=payments["bank_account"].fillna("").astype(str).str.strip(),
    )


def _file_word(bank: str) -> str:
    """A bank's name as a part of a file name: its letters and digits; a longer name than 24
    is cut to 20 and four hex digits of its hash (two names never share a file name)."""
    word = "".join(c for c in bank if c.isalnum()) or "未填开户银行"
    if len(word) <= WORD_LENGTH:
        return word
    return word[: WORD_LENGTH - 4] + hashlib.sha256(bank.encode()).hexdigest()[:4]


WORD_LENGTH = 24


def holds(payments: pd.DataFrame, formats: dict[str, BankFormat]) -> pd.DataFrame:
    """The payments a bank file cannot carry faithfully, and why (payment_id, reason)."""
    frame = payments if "bank_format" in payments else _routed(payments, formats)
    bad_account = ~frame["account"].str.fullmatch(ACCOUNT_PATTERN[1:-1])
    rows = zip(frame["name"], frame["account"], frame["bank_format"], bad_account, strict=True)
    # A name is checked against its format's character sets one at a time (an encode each).
    reasons = [
        "银行账号应为8至32位数字，未写入银行文件" if bad else _why_held(name, account, formats[fmt])
        for name, account, fmt, bad in rows
    ]
    reasons = [
        reason or _payer_differs(formats[fmt], str(payer), str(source))
        for reason, fmt, payer, source in zip(
            reasons, frame["bank_format"], frame["payer_account"], frame["fund_source"], strict=True
        )
    ]
    found = frame.assign(reason=reasons)
    return found[found["reason"] != ""][["payment_id", "reason"]].reset_index(drop=True)


def _payer_differs(bank_format: BankFormat, payer_account: str, fund_source: str) -> str:
    """A format whose bank debits an account it binds to the department (a bank core's 单位编号
    names it, the file does not) pays only from that account: a payment of another fund
    source's account, or with none bound, is held."""
    if not payer_account or "payer_account" not in dict(bank_format.parameters):
        return ""
    bound = bank_format.parameter("payer_account")
    if not bound:
        return (
            f"“{bank_format.title}”未登记其单位编号对应的付款账户（payer_account），未写入银行文件"
        )
    if bound != payer_account:
        return (
            f"“{bank_format.title}”的单位编号绑定付款账户 {bound}，不是资金来源“{fund_source}”"
            f"的付款账户 {payer_account}，未写入银行文件"
        )
    return ""


FORMULA_PREFIXES = ("=", "+", "-", "@", "'")  # and the apostrophe that would guard them


def _why_held(name: str, account: str, bank_format: BankFormat) -> str:
    if not name:
        return "户名为空，未写入银行文件"
    if not name.isprintable():
        return "户名含换行或控制字符，银行文件无法如实写出，未写入银行文件，请人工处理"
    layout = LAYOUTS[bank_format.layout]
    if layout.runs_formulas and name.startswith(FORMULA_PREFIXES):
        # Written as it is, a spreadsheet runs it; written with an apostrophe, the bank reads
        # another name. Neither is paid on a guess.
        return f"户名以“{name[0]}”开头，CSV银行文件无法如实写出，未写入银行文件，请人工处理"
    own = layout.why_held(name, account, bank_format)
    if own:
        return own
    for charset in filter(None, (bank_format.encoding, bank_format.charset)):
        try:
            name.encode(charset)
        except UnicodeEncodeError:
            return f"户名含{charset.upper()}字符集以外的字符，未写入银行文件（不以“?”代替），请人工处理"
    if layout.length(name, bank_format) > bank_format.name_length:
        return f"户名超出银行文件户名字段长度（{bank_format.name_length}），未写入银行文件"
    return ""


def _rows(group: pd.DataFrame, bank_format: BankFormat) -> pd.DataFrame:
    titles = [PROGRAMS[p].title for p in group["program"]]
    purposes = [_fit(bank_format.purpose.format(programme=t), bank_format) for t in titles]
    return pd.DataFrame(
        {
            "payment_id": group["payment_id"].astype(str).to_numpy(),
            "account": group["account"].to_numpy(),
            "name": group["name"].to_numpy(),
            "bank_name": group["bank_name"].fillna("").astype(str).to_numpy(),
            "amount": group["amount"].astype("int64").to_numpy(),
            "purpose": purposes,
            "beneficiary_id": (
                group["beneficiary_id"].fillna("").astype(str).to_numpy()
                if "beneficiary_id" in group
                else ""
            ),
            "account_type": group["account_type"].to_numpy(),
            "fits_reference": [
                len(p) <= bank_format.reference_length for p in group["payment_id"].astype(str)
            ],
        }
    )


def _fit(text: str, bank_format: BankFormat) -> str:
    """用途 cut to the format's length (in bytes of its encoding where the layout counts bytes)."""
    limit = bank_format.purpose_length
    layout = LAYOUTS[bank_format.layout]
    while text and layout.length(text, bank_format) > limit:
        text = text[:-1]
    return text


def render(rows: pd.DataFrame, bank_format: BankFormat, on: dt.date, batch: str) -> bytes:
    return LAYOUTS[bank_format.layout].render(rows, bank_format, on, batch)


def rows_of(data: bytes, bank_format: BankFormat) -> list[tuple[str, int]]:
    """A bank file read back: (payment id, amount in fen) of each payment row."""
    return LAYOUTS[bank_format.layout].rows_of(data, bank_format)


def banks_of(file: BankFile, payments: pd.DataFrame, column: str = "bank_name") -> str:
    """The banks of a file's payments, in words for a person (`payments` holds `payment_id`
    and `column`: the banks paid into, or `paying_bank`, the banks that execute it):
    中国工商银行、中国农业银行."""
    rows = payments[payments["payment_id"].isin(file.payment_ids)]
    names = sorted({str(n).strip() for n in rows[column] if str(n).strip()})
    return "、".join(names) or "（未填开户银行）"
