"""A bank format as this system holds it: read from one YAML file under `bank/formats/`."""

from __future__ import annotations

from dataclasses import dataclass


class BankFormatError(ValueError):
    """A bank format file that cannot be used (a setup error, never an applicant's)."""


@dataclass(frozen=True)
class Field:
    column: str
    width: int
    align: str = "left"


@dataclass(frozen=True)
class BankFormat:
    name: str
    title: str
    banks: tuple[str, ...]
    layout: str  # a name in `bank.layouts.LAYOUTS`
    encoding: str
    max_rows: int
    purpose: str
    purpose_length: int
    reference_length: int
    name_length: int
    columns: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    control: str = ""
    total_line: bool = False
    # The characters the bank's system holds, when narrower than the file's encoding (GB18030
    # encodes every character, but many banks' cores store only GBK): a name outside it is held.
    charset: str = ""
    return_fields: tuple[Field, ...] = ()  # a fixed layout's return file (回盘)
    return_results: tuple[tuple[str, str], ...] = ()  # its result codes: code → 成功/失败/退汇
    # The bank's reason texts (a text the reason starts with or contains) → what they mean
    # (`bank.outcomes.OUTCOMES`); tried longest first, then the defaults every format shares.
    outcomes: tuple[tuple[str, str], ...] = ()
    # What the bank assigned the department and the layout writes (a bank core's 单位编号 …).
    parameters: tuple[tuple[str, str], ...] = ()

    def parameter(self, name: str) -> str:
        return dict(self.parameters).get(name, "")

    def serves(self, bank_name: str) -> bool:
        return any(bank in bank_name for bank in self.banks)
