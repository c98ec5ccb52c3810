"""Bank formats: one YAML file per format under `bank/formats/`, chosen per payment by the
name of the beneficiary's bank (开户银行); `generic` takes every bank no other format names.

A format says how its files are laid out (CSV, fixed-width text or an Excel template), their
encoding (UTF-8 or GB18030), the control record or 合计 line, the most rows one file may hold,
the 用途 text and how long a reference (付款编号), a name and a 用途 may be.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FORMATS_DIR = Path(__file__).resolve().parent / "formats"
GENERIC = "generic"
LAYOUTS = ("csv", "fixed", "xlsx")


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
    layout: str
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

    def serves(self, bank_name: str) -> bool:
        return any(bank in bank_name for bank in self.banks)


def fixed_records(data: bytes, fields: tuple[Field, ...], encoding: str) -> list[dict[str, str]]:
    """The lines of a fixed-layout file after its control record, each cut into its fields
    (widths in bytes of the encoding), blank lines skipped."""
    records = []
    for line in data.split(b"\r\n")[1:]:
        if not line.strip():
            continue
        cells, at = {}, 0
        for spec in fields:
            cells[spec.column] = line[at : at + spec.width].decode(encoding).strip()
            at += spec.width
        records.append(cells)
    return records


def load_formats(folder: Path = FORMATS_DIR) -> dict[str, BankFormat]:
    formats = {f.name: f for f in (_format(path) for path in sorted(folder.glob("*.yaml")))}
    if GENERIC not in formats:
        raise BankFormatError(f"银行格式目录 {folder} 缺少通用格式 {GENERIC}.yaml")
    return formats


def format_for(bank_name: str, formats: dict[str, BankFormat]) -> BankFormat:
    """The format of the first (by name) specific format serving this bank, else generic."""
    for name in sorted(formats):
        if name != GENERIC and formats[name].serves(bank_name):
            return formats[name]
    return formats[GENERIC]


def _format(path: Path) -> BankFormat:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        layout = str(spec["layout"])
        if layout not in LAYOUTS:
            raise BankFormatError(f"银行格式 {path.name}：layout 须为 {'/'.join(LAYOUTS)}")
        fields = tuple(Field(**f) for f in spec.get("fields", []))
        if layout == "fixed" and not fields:
            raise BankFormatError(f"银行格式 {path.name}：定长格式须列出 fields")
        "".encode(str(spec["encoding"]))  # an encoding Python knows
        return BankFormat(
            name=str(spec["name"]),
            title=str(spec["title"]),
            banks=tuple(str(b) for b in spec.get("banks", [])),
            layout=layout,
            encoding=str(spec["encoding"]),
            max_rows=int(spec["max_rows"]),
            purpose=str(spec["purpose"]),
            purpose_length=int(spec["purpose_length"]),
            reference_length=int(spec["reference_length"]),
            name_length=int(spec["name_length"]),
            columns=tuple(str(c) for c in spec.get("columns", [])),
            fields=fields,
            control=str(spec.get("control", "")),
            total_line=bool(spec.get("total_line", False)),
            charset=str(spec.get("charset", "")),
            return_fields=tuple(Field(**f) for f in spec.get("return_fields", [])),
            return_results=tuple(
                (str(k), str(v)) for k, v in (spec.get("return_results") or {}).items()
            ),
        )
    except (KeyError, TypeError, LookupError) as problem:
        raise BankFormatError(f"银行格式文件 {path.name} 无法使用：{problem}") from problem
