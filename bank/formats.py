"""Bank formats: one YAML file per format under `bank/formats/`, chosen per payment by the
name of the beneficiary's bank (开户银行); `generic` takes every bank no other format names.

A format names its layout (a module in `bank/layouts/`: CSV, fixed-width text, an Excel template), its
encoding (UTF-8 or GB18030), the control record or 合计 line, the most rows one file may hold,
the 用途 text and how long a reference (付款编号), a name and a 用途 may be.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from bank.layouts import LAYOUTS
from bank.outcomes import OUTCOMES
from bank.spec import BankFormat, BankFormatError, Field

__all__ = ["GENERIC", "BankFormat", "BankFormatError", "Field", "format_for", "load_formats"]

FORMATS_DIR = Path(__file__).resolve().parent / "formats"
GENERIC = "generic"


def load_formats(folder: Path = FORMATS_DIR) -> dict[str, BankFormat]:
    """The formats shipped in `folder`, and, from the shipped folder, the department's own
    (`SUBSIDY_BANK_FORMATS`: a folder of format files, one per bank, which replace a shipped
    format of the same `name` — the 单位编号 a rural bank assigned goes there, not here)."""
    demo = os.environ.get("SUBSIDY_DEMO") == "1"
    paths = sorted(folder.glob("*.yaml"))
    own = os.environ.get("SUBSIDY_BANK_FORMATS", "").strip()
    if own and folder == FORMATS_DIR:
        if not Path(own).is_dir():
            raise BankFormatError(f"银行格式文件夹 SUBSIDY_BANK_FORMATS={own} 不存在")
        paths += sorted(Path(own).glob("*.yaml"))
    formats = {f.name: f for f in (_format(path, demo) for path in paths)}
    if GENERIC not in formats:
        raise BankFormatError(f"银行格式目录 {folder} 缺少通用格式 {GENERIC}.yaml")
    return formats


def format_for(bank_name: str, formats: dict[str, BankFormat]) -> BankFormat:
    """The specific format serving this bank by its longest matching name (a format file of
    one institution, `济南农村商业银行`, before the layout's template for every `农村商业银行`; a
    tie goes to the first format by file name), else generic."""
    best: tuple[int, str] | None = None
    for name in sorted(formats):
        if name == GENERIC:
            continue
        matched = [len(bank) for bank in formats[name].banks if bank and bank in bank_name]
        if matched and (best is None or max(matched) > best[0]):
            best = (max(matched), name)
    return formats[best[1]] if best else formats[GENERIC]


def _format(path: Path, demo: bool) -> BankFormat:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    # What the bank assigns the department (a bank core's 单位编号) is never shipped; the demo and
    # the tests (SUBSIDY_DEMO=1, never production) use the format's made-up `demo_parameters`.
    parameters = {**(spec.get("parameters") or {})}
    if demo:
        parameters.update(spec.get("demo_parameters") or {})
    try:
        layout = str(spec["layout"])
        if layout not in LAYOUTS:
            raise BankFormatError(f"银行格式 {path.name}：layout 须为 {'/'.join(sorted(LAYOUTS))}")
        "".encode(str(spec["encoding"]))  # an encoding Python knows
        bank_format = BankFormat(
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
            fields=tuple(Field(**f) for f in spec.get("fields", [])),
            control=str(spec.get("control", "")),
            total_line=bool(spec.get("total_line", False)),
            charset=str(spec.get("charset", "")),
            return_fields=tuple(Field(**f) for f in spec.get("return_fields", [])),
            return_results=tuple(
                (str(k), str(v)) for k, v in (spec.get("return_results") or {}).items()
            ),
            outcomes=tuple((str(k), str(v)) for k, v in (spec.get("outcomes") or {}).items()),
            parameters=tuple((str(k), "" if v is None else str(v)) for k, v in parameters.items()),
        )
    except (KeyError, TypeError, LookupError) as problem:
        raise BankFormatError(f"银行格式文件 {path.name} 无法使用：{problem}") from problem
    unknown = sorted({v for _, v in bank_format.outcomes} - set(OUTCOMES))
    if unknown:
        raise BankFormatError(
            f"银行格式 {path.name}：outcomes 只能取 {'/'.join(OUTCOMES)}，发现：{'、'.join(unknown)}"
        )
    problem = LAYOUTS[layout].problem(bank_format)
    if problem:
        raise BankFormatError(f"银行格式 {path.name}：{problem}")
    return bank_format
