"""The payer accounts, one per fund source (SPEC §8 Fund sources), from `bank/payers.yaml`.

A bank file debits one payer account and is executed by its *paying bank*: for an enterprise,
the bank of the fund source's payer account (its 代理银行); for a person paid through the 社保卡,
the card's issuing cooperating bank. A fund source whose account is not entered has no payer:
its enterprise payments are held at approval (`why_unpaid`). The department's accounts go in a
file of its own (`SUBSIDY_PAYERS`, the shape of the shipped one); the demo and the tests
(SUBSIDY_DEMO=1, never production) use the shipped file's made-up `demo_payers`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bank.spec import BankFormatError

PAYERS_FILE = Path(__file__).resolve().parent / "payers.yaml"
UNNAMED_CODE = "nofund"


@dataclass(frozen=True)
class Payer:
    fund_source: str
    code: str  # ASCII, in bank file names
    account_name: str
    account: str
    bank: str  # the 代理银行: the paying bank of the fund source's enterprise payments

    @property
    def entered(self) -> bool:
        return bool(self.account and self.bank and self.account_name)

    def why_unpaid(self) -> str:
        return (
            f"资金来源“{self.fund_source}”的付款账户（户名、账号、代理银行）未在 bank/payers.yaml "
            "中登记，未写入银行文件"
        )


def load_payers(path: Path | None = None) -> dict[str, Payer]:
    """Each fund source's payer, by fund source: from `path`, else the department's file
    (`SUBSIDY_PAYERS`), else the one shipped (whose accounts are empty)."""
    given = os.environ.get("SUBSIDY_PAYERS", "").strip()
    path = path or (Path(given) if given else PAYERS_FILE)
    try:
        spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as problem:
        raise BankFormatError(f"付款账户文件 {path} 无法读取：{problem}") from problem
    demo = (spec.get("demo_payers") or {}) if os.environ.get("SUBSIDY_DEMO") == "1" else {}
    payers: dict[str, Payer] = {}
    codes: set[str] = set()
    for source, entry in (spec.get("payers") or {}).items():
        values = {**(entry or {}), **(demo.get(source) or {})}
        code = str(values.get("code", ""))
        if not code.isascii() or not code.isalnum() or code in codes:
            raise BankFormatError(
                f"{path.name}：资金来源“{source}”的 code 须为唯一的英文字母或数字（用于银行文件名）"
            )
        codes.add(code)
        account = str(values.get("account") or "").strip()
        if account and not re.fullmatch(r"[0-9]{8,32}", account):
            raise BankFormatError(
                f"{path.name}：资金来源“{source}”的付款账号须为8至32位数字（未登记时留空）"
            )
        payers[str(source)] = Payer(
            str(source),
            code,
            str(values.get("account_name") or "").strip(),
            str(values.get("account") or "").strip(),
            str(values.get("bank") or "").strip(),
        )
    return payers


def payer_of(fund_source: str, payers: dict[str, Payer]) -> Payer:
    """The fund source's payer; a fund source the file does not list has none entered."""
    return payers.get(fund_source) or Payer(fund_source, UNNAMED_CODE, "", "", "")
