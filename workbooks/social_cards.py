"""The reference list 社保卡持卡库 (SPEC §8 Individuals through their 社会保障卡), read from the
reference folder: sheet 社保卡持卡库 with 证件号码, 姓名, 社保卡银行账号, 开户银行, 金融功能 (已激活/未激活)
and 卡状态 (正常/挂失/注销).

Like every reference list (SPEC §3), a list that is absent, present in two workbooks, unreadable,
or holding an ID number or account typed as a number that lost digits is *missing* — never read
as an empty list (an empty list, its header and no rows, is a valid one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbooks.reference_tables import Columns, read_reference_table, unusable

SHEET = "社保卡持卡库"
HEADERS = {
    "证件号码": "id_number",
    "姓名": "name",
    "社保卡银行账号": "account",
    "开户银行": "bank",
    "金融功能": "activation",
    "卡状态": "status",
}
# A card not yet issued may have no account, a row no ID: neither ever matches a payment.
COLUMNS = Columns(
    HEADERS, codes=("id_number",), accounts=("account",), optional=("id_number", "account")
)


@dataclass(frozen=True)
class SocialCards:
    cards: pd.DataFrame  # id_number, name, account, bank, activation, status, row
    missing: str = ""  # why the list cannot be used; "" when it can
    source: str = ""  # the workbook it was read from and its sha256, as the approval names it

    @property
    def usable(self) -> bool:
        return not self.missing


def read_social_cards(folder: Path | None) -> SocialCards:
    table = read_reference_table(folder, SHEET, COLUMNS)
    if not table.usable:
        return no_card_list(table.missing)
    return SocialCards(table.rows, source=table.source)


def no_card_list(why: str) -> SocialCards:
    """A list that cannot be used, and why: every person it would pay is held."""
    return SocialCards(unusable(COLUMNS, why).rows, why)
