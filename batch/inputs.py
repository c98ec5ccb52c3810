"""A run's input files: read and validated one by one, then decided programme by programme."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ledger.outputs import file_sha256
from policy.catalogue import PROGRAMS
from policy.decisions import ProgramDecisions
from policy.parameters import PolicySet
from validators.shared import shared_values
from validators.validate import ValidatedSheet, combine, validate_workbook
from workbooks.reader import WORKBOOK_SUFFIXES, References, read_application

UNSUPPORTED = (
    "不是 Excel 工作簿（{suffixes}），未作为申请处理；请按系统模板填写 Excel 工作簿后重新提交"
)


@dataclass(frozen=True)
class InputFile:
    """One input workbook after reading and validation (or the reason it could not be used)."""

    name: str
    sha256: str
    program: str | None
    error: str | None
    message: str
    sheets: dict[str, ValidatedSheet] = field(default_factory=dict)

    def not_selected(self) -> InputFile:
        """This file's programme was not chosen for the run: listed, not decided."""
        return replace(
            self, error="NOT_SELECTED", message="本次运行未选择该项目，文件未处理", sheets={}
        )

    def described(self) -> str:
        """What was read, for the log: the programme and each sheet's rows."""
        if self.program is None:
            return f"{self.error} {self.message}"
        counts = "，".join(f"{n} {len(s.frame)} 行" for n, s in self.sheets.items())
        return f"{PROGRAMS[self.program].title}：{counts}"


def read_input(path: Path) -> InputFile:
    """Read one workbook and validate its sheets; an unusable file is reported, not raised."""
    raw = read_application(path)
    if raw.error or raw.program is None:
        return InputFile(path.name, raw.sha256, None, raw.error, raw.message)
    sheets = {
        name: replace(sheet, frame=shared_values(sheet.frame))
        for name, sheet in validate_workbook(raw.sheets, raw.program.template).items()
    }
    return InputFile(path.name, raw.sha256, raw.program.code, None, "", sheets)


def unsupported(path: Path, name: str) -> InputFile:
    """A file in an input folder that is not a workbook: reported, never read (SPEC §3)."""
    message = UNSUPPORTED.format(suffixes="、".join(WORKBOOK_SUFFIXES))
    return InputFile(name, file_sha256(path), None, "UNSUPPORTED_FILE", message)


def with_references(files: list[InputFile], references: References) -> list[InputFile]:
    """The files of a programme whose reference list is missing are stopped, not decided on
    a guess (SPEC §3: `REFERENCE_MISSING`, with the list and where it was looked for)."""
    checked = []
    for item in files:
        needed = PROGRAMS[item.program].references if item.program and not item.error else ()
        why = [f"“{n}”：{references.why_missing(n)}" for n in needed if references.why_missing(n)]
        if why:
            message = f"缺少参考名单{'；'.join(why)}。该项目本次未审核，补齐名单后重新运行"
            item = replace(item, error="REFERENCE_MISSING", message=message, sheets={})
        checked.append(item)
    return checked


def selected(files: list[InputFile], programs: set[str]) -> list[InputFile]:
    """The files of programmes not chosen for the run are listed, not decided."""
    return [f.not_selected() if f.program and f.program not in programs else f for f in files]


def without_unissued_system_columns(
    files: list[InputFile], issued: set[str]
) -> tuple[list[InputFile], list[str]]:
    """System-only columns (上年初参保职工人数) count only in workbooks this system issued;
    elsewhere they are blanked, so an applicant cannot choose the base of its own rule.
    Returns the files and the names of those whose columns were set aside."""
    kept, ignored = [], []
    for item in files:
        sheets = dict(item.sheets)
        for name, sheet in item.sheets.items():
            spec = PROGRAMS[item.program].sheet(name) if item.program else None
            system = [c for c in (spec.system_only if spec else ()) if c in sheet.frame]
            if item.sha256 in issued or not system or sheet.frame[system].isna().all(axis=None):
                continue
            frame = sheet.frame.assign(**{c: pd.NA for c in system})
            sheets[name] = replace(sheet, frame=frame)
            ignored.append(item.name)
        kept.append(replace(item, sheets=sheets))
    return kept, ignored


def decide(
    files: list[InputFile], policy: PolicySet, as_of: dt.date, references: References
) -> list[ProgramDecisions]:
    """Apply each programme's rules to the rows of all its files together."""
    by_program: dict[str, dict[str, list[tuple[str, ValidatedSheet]]]] = {}
    for item in files:
        if item.program is None or item.error:
            continue
        for sheet_name, sheet in item.sheets.items():
            by_program.setdefault(item.program, {}).setdefault(sheet_name, []).append(
                (item.name, sheet)
            )
    results = []
    for code, sheets in by_program.items():
        programme = PROGRAMS[code]
        lists = {name: references.keys(name) for name in programme.references}
        combined = {name: combine(name, parts) for name, parts in sheets.items()}
        results.append(programme.decide(combined, policy, as_of, lists))
    return results
