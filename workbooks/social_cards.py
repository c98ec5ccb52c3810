"""The reference list 社保卡持卡库 (SPEC §8 Individuals through their 社会保障卡), read from the
reference folder: sheet 社保卡持卡库 with 证件号码, 姓名, 社保卡银行账号, 开户银行, 金融功能 (已激活/未激活)
and 卡状态 (正常/挂失/注销).

Like every reference list (SPEC §3), a list that is absent, present in two workbooks, unreadable,
or holding an ID number or account typed as a number that lost digits is *missing* — never read
as an empty list (an empty list, its header and no rows, is a valid one).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from python_calamine import CalamineError

from validators.cleaning import LOST_DIGITS_MESSAGE, clean_account, clean_code
from workbooks.reader import list_inputs, open_workbook

SHEET = "社保卡持卡库"
HEADERS = {
    "证件号码": "id_number",
    "姓名": "name",
    "社保卡银行账号": "account",
    "开户银行": "bank",
    "金融功能": "activation",
    "卡状态": "status",
}
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class SocialCards:
    cards: pd.DataFrame  # id_number, name, account, bank, activation, status, row
    missing: str = ""  # why the list cannot be used; "" when it can
    source: str = ""  # the workbook it was read from and its sha256, as the approval names it

    @property
    def usable(self) -> bool:
        return not self.missing


def read_social_cards(folder: Path | None) -> SocialCards:
    if folder is None or not Path(folder).is_dir():
        where = "未指定参考名单文件夹" if folder is None else f"参考名单文件夹 {folder} 不存在"
        return no_card_list(where)
    found: list[tuple[Path, list[list[object]]]] = []
    unreadable: list[str] = []
    for path in list_inputs([Path(folder)]).workbooks:
        try:
            book = open_workbook(path)
            if SHEET in book.sheet_names:
                found.append((path, book.get_sheet_by_name(SHEET).to_python()))
        except (CalamineError, OSError, ValueError):
            unreadable.append(path.name)
    if not found:
        also = f"（其中 {'、'.join(unreadable)} 无法读取）" if unreadable else ""
        return no_card_list(f"在 {folder} 中没有找到“{SHEET}”工作表{also}")
    if len(found) > 1:
        names = "、".join(path.name for path, _ in found)
        return no_card_list(
            f"“{SHEET}”出现在 {len(found)} 个工作簿中（{names}），无法确定以哪一份为准"
        )
    path, rows = found[0]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        return SocialCards(_cards(rows), source=f"{path} sha256 {digest}")
    except ValueError as problem:
        return no_card_list(f"{path.name}：{problem}")


def no_card_list(why: str) -> SocialCards:
    """A list that cannot be used, and why: every person it would pay is held."""
    return SocialCards(pd.DataFrame(columns=[*HEADERS.values(), "row"]), why)


def _cards(rows: list[list[object]]) -> pd.DataFrame:
    for at, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = ["".join(str(c).split()) for c in row]
        if all(header in cells for header in HEADERS):
            positions = {HEADERS[h]: cells.index(h) for h in HEADERS}
            body = [r for r in rows[at + 1 :] if any(str(c).strip() for c in r)]
            numbers = [
                at + 2 + i for i, r in enumerate(rows[at + 1 :]) if any(str(c).strip() for c in r)
            ]
            frame = pd.DataFrame(
                {key: [r[i] if i < len(r) else "" for r in body] for key, i in positions.items()},
                dtype=object,
            )
            frame["row"] = numbers
            for column, clean in (("id_number", clean_code), ("account", clean_account)):
                cleaned = clean(frame[column])
                if cleaned.unreadable.any():
                    first = int(frame.loc[cleaned.unreadable, "row"].iloc[0])
                    header = next(h for h, k in HEADERS.items() if k == column)
                    raise ValueError(f"第{first}行的“{header}”{LOST_DIGITS_MESSAGE}")
                frame[column] = cleaned.values.fillna("").astype(str)
            for column in ("name", "bank", "activation", "status"):
                frame[column] = ["".join(str(v).split()) for v in frame[column]]
            return frame
    raise ValueError(f"找不到表头（{'、'.join(HEADERS)}）")
