"""The bank files of one approved round (SPEC §8), built in memory; `ledger.release` writes them.

Each payment goes to the format of its bank (`bank.formats.format_for`) and to 对公 (an
enterprise) or 对私 (a worker's card) by its programme; one file per format and account type,
split at the format's `max_rows`. A payment the file cannot carry faithfully is *held* instead
of written: an account that is not 8–32 digits, an empty name, a name the format's encoding
cannot hold (never written as `?`) or one longer than its field. Every row written is checked
with a pandera schema first: a positive amount, an account of digits, a unique payment id that
fits the bank's reference field.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from bank.formats import BankFormat, BankFormatError, fixed_records, format_for
from ledger.output_schemas import checked
from policy.catalogue import PROGRAMS
from policy.money import fen_text, text_to_fen
from workbooks.bank_return_sheet import return_rows
from workbooks.bank_sheet import bank_sheet_bytes

ACCOUNT_PATTERN = r"^[0-9]{8,32}$"  # ASCII digits: `\d` takes any script's
CORPORATE, PERSONAL = "对公", "对私"
SUFFIX = {"csv": "csv", "fixed": "txt", "xlsx": "xlsx"}


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
) -> BankRelease:
    """`payments`: payment_id, program, beneficiary_name, bank_name, bank_account, amount (fen)."""
    frame = _routed(payments, formats)
    held = holds(frame, formats)
    kept = frame[~frame["payment_id"].isin(held["payment_id"])]
    files: list[BankFile] = []
    for (format_name, account_type), group in kept.groupby(["bank_format", "account_type"]):
        bank_format = formats[str(format_name)]
        rows = _rows(group.sort_values("payment_id"), bank_format)
        checked(rows, BankRowSchema, f"银行文件（{bank_format.title}，{account_type}）")
        kind = "personal" if account_type == PERSONAL else "corporate"
        for part, start in enumerate(range(0, len(rows), bank_format.max_rows), start=1):
            chunk = rows.iloc[start : start + bank_format.max_rows]
            name = f"{batch_id}-r{round_}-{bank_format.name}-{kind}-{part:02d}"
            files.append(
                BankFile(
                    name=f"{name}.{SUFFIX[bank_format.layout]}",
                    bank_format=bank_format.name,
                    account_type=str(account_type),
                    rows=len(chunk),
                    amount_fen=int(chunk["amount"].sum()),
                    payment_ids=tuple(chunk["payment_id"]),
                    data=render(chunk, bank_format, on, f"批次 {batch_id} 第 {round_} 轮"),
                )
            )
    return BankRelease(files, held)


def _routed(payments: pd.DataFrame, formats: dict[str, BankFormat]) -> pd.DataFrame:
    """Each payment with its bank format, account type, and name and account as written."""
    return payments.assign(
        bank_format=[format_for(str(b), formats).name for b in payments["bank_name"]],
        account_type=[
            PERSONAL if PROGRAMS[p].pays_person else CORPORATE for p in payments["program"]
        ],
        name=payments["beneficiary_name"].fillna("").astype(str).str.strip(),
        account=payments["bank_account"].fillna("").astype(str).str.strip(),
    )


def holds(payments: pd.DataFrame, formats: dict[str, BankFormat]) -> pd.DataFrame:
    """The payments a bank file cannot carry faithfully, and why (payment_id, reason)."""
    frame = payments if "bank_format" in payments else _routed(payments, formats)
    bad_account = ~frame["account"].str.fullmatch(ACCOUNT_PATTERN[1:-1])
    names = zip(frame["name"], frame["bank_format"], bad_account, strict=True)
    # A name is checked against its format's character sets one at a time (an encode each).
    reasons = [
        "银行账号应为8至32位数字，未写入银行文件" if bad else _why_name_held(name, formats[fmt])
        for name, fmt, bad in names
    ]
    found = frame.assign(reason=reasons)
    return found[found["reason"] != ""][["payment_id", "reason"]].reset_index(drop=True)


FORMULA_PREFIXES = ("=", "+", "-", "@", "'")  # and the apostrophe that would guard them


def _why_name_held(name: str, bank_format: BankFormat) -> str:
    if not name:
        return "户名为空，未写入银行文件"
    if not name.isprintable():
        return "户名含换行或控制字符，银行文件无法如实写出，未写入银行文件，请人工处理"
    if bank_format.layout == "csv" and name.startswith(FORMULA_PREFIXES):
        # Written as it is, a spreadsheet runs it; written with an apostrophe, the bank reads
        # another name. Neither is paid on a guess.
        return f"户名以“{name[0]}”开头，CSV银行文件无法如实写出，未写入银行文件，请人工处理"
    for charset in filter(None, (bank_format.encoding, bank_format.charset)):
        try:
            name.encode(charset)
        except UnicodeEncodeError:
            return f"户名含{charset.upper()}字符集以外的字符，未写入银行文件（不以“?”代替），请人工处理"
    encoded = name.encode(bank_format.encoding)
    length = len(encoded) if bank_format.layout == "fixed" else len(name)
    if length > bank_format.name_length:
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
            "fits_reference": [
                len(p) <= bank_format.reference_length for p in group["payment_id"].astype(str)
            ],
        }
    )


def _fit(text: str, bank_format: BankFormat) -> str:
    """用途 cut to the format's length (bytes of its encoding for a fixed layout)."""
    limit = bank_format.purpose_length
    while (
        text
        and (len(text.encode(bank_format.encoding)) if bank_format.layout == "fixed" else len(text))
        > limit
    ):
        text = text[:-1]
    return text


def render(rows: pd.DataFrame, bank_format: BankFormat, on: dt.date, batch: str) -> bytes:
    if bank_format.layout == "csv":
        return _csv(rows, bank_format)
    if bank_format.layout == "fixed":
        return _fixed(rows, bank_format, on)
    return _xlsx(rows, bank_format, batch)


CSV_VALUES = {
    "付款编号": "payment_id",
    "户名": "name",
    "账号": "account",
    "开户银行": "bank_name",
    "用途": "purpose",
}


def _csv(rows: pd.DataFrame, bank_format: BankFormat) -> bytes:
    table = pd.DataFrame(
        {
            column: (
                [fen_text(int(a)) for a in rows["amount"]]
                if column == "金额"
                else rows[CSV_VALUES[column]].fillna("").astype(str).to_numpy()
            )
            for column in bank_format.columns
        }
    )
    text = table.to_csv(index=False, lineterminator="\r\n")
    if bank_format.total_line:
        cells = ["" for _ in bank_format.columns]
        cells[0] = "合计"
        if "金额" in bank_format.columns:
            cells[bank_format.columns.index("金额")] = fen_text(int(rows["amount"].sum()))
        cells[-1] = f"共{len(rows)}笔"
        text += ",".join(cells) + "\r\n"
    return text.encode(bank_format.encoding)


FIXED_VALUES = {"付款编号": "payment_id", "账号": "account", "户名": "name", "用途": "purpose"}


def _fixed(rows: pd.DataFrame, bank_format: BankFormat, on: dt.date) -> bytes:
    encoding = bank_format.encoding
    control = bank_format.control.format(
        total_rows=len(rows), total_fen=int(rows["amount"].sum()), date=on.strftime("%Y%m%d")
    )
    lines = [control.encode(encoding)]
    for row in rows.itertuples(index=False):
        line = b""
        for spec in bank_format.fields:
            value = (
                str(row.amount)
                if spec.column == "金额分"
                else getattr(row, FIXED_VALUES[spec.column])
            )
            encoded = str(value).encode(encoding)
            if len(encoded) > spec.width:
                raise BankFormatError(f"{spec.column} 超出定长字段宽度 {spec.width}")
            pad = b" " * (spec.width - len(encoded))
            line += pad + encoded if spec.align == "right" else encoded + pad
        lines.append(line)
    return b"\r\n".join(lines) + b"\r\n"


XLSX_VALUES = {
    "付款编号": "payment_id",
    "收款账号": "account",
    "收款户名": "name",
    "用途": "purpose",
}


def _xlsx(rows: pd.DataFrame, bank_format: BankFormat, batch: str) -> bytes:
    values = {
        column: (
            range(1, len(rows) + 1)
            if column == "序号"
            else rows["amount"].to_numpy()
            if column == "金额"
            else rows[XLSX_VALUES[column]].to_numpy()
        )
        for column in bank_format.columns
    }
    frame = pd.DataFrame({c: list(v) for c, v in values.items()})
    return bank_sheet_bytes(
        list(bank_format.columns),
        frame,
        f"疫情期间稳就业补贴资金代发（{batch}）",
        len(rows),
        int(rows["amount"].sum()),
    )


def rows_of(data: bytes, bank_format: BankFormat) -> list[tuple[str, int]]:
    """A bank file read back: (payment id, amount in fen) of each payment row."""
    if bank_format.layout == "xlsx":
        frame = return_rows(data)
        return [
            (str(p), text_to_fen(a)) for p, a in zip(frame["付款编号"], frame["金额"], strict=True)
        ]
    text = data.decode(bank_format.encoding)
    if bank_format.layout == "fixed":
        records = fixed_records(data, bank_format.fields, bank_format.encoding)
        return [(cells["付款编号"], int(cells["金额分"])) for cells in records]
    frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    frame = frame[frame["付款编号"] != "合计"]
    return [(str(p), text_to_fen(a)) for p, a in zip(frame["付款编号"], frame["金额"], strict=True)]


def banks_of(file: BankFile, payments: pd.DataFrame) -> str:
    """The banks a file pays into, in words for a person (`payments` holds `payment_id` and
    `bank_name`): 中国工商银行、中国农业银行."""
    rows = payments[payments["payment_id"].isin(file.payment_ids)]
    names = sorted({str(n).strip() for n in rows["bank_name"] if str(n).strip()})
    return "、".join(names) or "（未填开户银行）"
