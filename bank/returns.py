"""Bank return files (回盘) read into one shape: payment_id, account, name, amount (fen),
result (成功/失败/退汇) and the bank's reason, whichever format the bank returned.

Each row also says what it means (`outcome`, `bank.outcomes`: by the format's own reason texts),
and a bank core's report row, which carries no payment id, its 当日次数 and the file's date, to
be matched to a payment by `bank.matching`.

The file's suffix names the layouts that may have written it (`bank.layouts`): `.txt` the
fixed-width formats, each tried with its own widths; `.xlsx`/`.xls` the Excel template; any other
suffix CSV. A file that more than one format reads, differently, is refused rather than read with
a guessed format's widths.

A file that cannot be read whole — empty, not text, in another encoding, cut short, without its
columns, with an amount that is not a non-negative yuan figure, with no row — is refused with one
Chinese sentence (`ReturnFileError`), and nothing in it is applied.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bank.layouts import LAYOUTS
from bank.outcomes import outcome_of
from bank.return_shape import COLUMNS, RESULTS
from bank.spec import BankFormat
from policy.refusal import Refusal
from workbooks.reader import MAX_FILE_BYTES

__all__ = ["COLUMNS", "RESULTS", "ReturnFileError", "read_return"]


class ReturnFileError(Refusal, ValueError):
    """A return file this system cannot read: nothing in it is applied."""


def read_return(path: Path, formats: dict[str, BankFormat]) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise ReturnFileError(f"回盘文件 {path.name} 不存在或无法打开") from problem
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        raise ReturnFileError(f"回盘文件 {path.name} 超过 {limit} MB 上限，未读取")
    if not data.strip():
        raise ReturnFileError(f"回盘文件 {path.name} 是空文件")
    bank_format, frame = _read(data, path.name, _candidates(path.suffix.lower(), formats))
    if frame.empty:
        raise ReturnFileError(f"回盘文件 {path.name} 中没有任何回盘记录")
    bad = sorted(set(frame["result"]) - set(RESULTS))
    if bad:
        raise ReturnFileError(
            f"回盘文件 {path.name} 的“结果”只能是成功、失败或退汇，发现：{'、'.join(bad)}"
        )
    return with_outcomes(frame, bank_format)


def with_outcomes(frame: pd.DataFrame, bank_format: BankFormat) -> pd.DataFrame:
    """The return in its one shape, each row with what it means (`bank.outcomes`), the format
    that read it, and, from a layout without a reference field, 当日次数 and the file's date."""
    found = frame.reset_index(drop=True)
    return pd.DataFrame(
        {
            **{column: found[column] for column in COLUMNS},
            "outcome": [
                outcome_of(str(r), str(why), bank_format)
                for r, why in zip(found["result"], found["reason"], strict=True)
            ],
            "bank_format": bank_format.name,
            "day_count": found.get("day_count"),
            "file_date": found.get("file_date"),
        }
    )


def _candidates(suffix: str, formats: dict[str, BankFormat]) -> list[BankFormat]:
    """The formats whose layout reads a return with this suffix (CSV's for any other suffix);
    one per layout unless the layout reads its returns by each format's own definition."""
    claimed = {s for layout in LAYOUTS.values() for s in layout.return_suffixes}
    wanted = suffix if suffix in claimed else ".csv"
    found: list[BankFormat] = []
    for name in sorted(formats):
        bank_format = formats[name]
        layout = LAYOUTS[bank_format.layout]
        if wanted not in layout.return_suffixes or not layout.reads_returns(bank_format):
            continue
        if layout.returns_by_format or all(f.layout != bank_format.layout for f in found):
            found.append(bank_format)
    return found


def _read(
    data: bytes, file_name: str, candidates: list[BankFormat]
) -> tuple[BankFormat, pd.DataFrame]:
    if not candidates:
        raise ReturnFileError(f"回盘文件 {file_name} 无法读取：没有哪个银行格式定义了这类回盘文件")
    readings: list[tuple[BankFormat, pd.DataFrame]] = []
    problems: list[tuple[BankFormat, str]] = []
    for bank_format in candidates:
        try:
            readings.append(
                (bank_format, LAYOUTS[bank_format.layout].read_return(data, bank_format))
            )
        except ValueError as problem:  # every reader's problem is one Chinese sentence
            problems.append((bank_format, " ".join(str(problem).split())))
    distinct = [
        r for i, r in enumerate(readings) if not any(r[1].equals(o[1]) for o in readings[:i])
    ]
    if len(distinct) > 1:
        titles = "、".join(f"“{f.title}”（{f.name}）" for f, _ in distinct)
        raise ReturnFileError(
            f"回盘文件 {file_name} 可按多个银行格式读出不同内容：{titles}，无法确定是哪家银行"
            "的回盘，未处理；请核对银行格式定义后再处理"
        )
    if distinct:
        return distinct[0]
    if len(problems) == 1:
        why = problems[0][1]
    else:
        why = "；".join(f"按“{f.title}”：{p}" for f, p in problems)
    raise ReturnFileError(f"回盘文件 {file_name} 无法读取：{why}")
