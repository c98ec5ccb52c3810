"""Every person-facing workbook of a batch (SPEC §4), written from the real use cases into one
folder: the ledger and its per-city registers, the 资金拨付申请表, the returned applications,
the 公示名单 and proposed application of "policy finds people", and the what-if comparison.
And a scan for English a person would read in them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from openpyxl import load_workbook

from batch.finds import find_people
from batch.inputs import decide as decide_files
from batch.returning import PROBLEM_COLUMNS
from batch.stage import batch_manifest as manifest
from ledger.settlement import BatchIdentity
from ledger.whatif import compare
from policy.outcomes import REASONS
from policy.parameters import DEFAULT_POLICY_DIR, changed_parameters, describe, load_policy
from tests.pipeline import POLICY, decide, settle_case
from workbooks.funding_request import FUNDING_REQUEST, funding_request_workbook
from workbooks.ledger_writer import ledger_workbooks
from workbooks.reader import read_references
from workbooks.returned import returned_name, returned_workbook
from workbooks.whatif_writer import comparison_workbook

AS_OF = dt.date(2020, 12, 31)
DEPARTMENT = "山东省人力资源和社会保障厅"


def write_batch_documents(
    inputs: Path, reference: Path, folder: Path, split_registers: bool = False
) -> list[Path]:
    """Decide and settle the applications in `inputs`, write the batch's workbooks into
    `folder` (the relief register split per city if `split_registers`); their paths."""
    files, results = decide(inputs, reference, AS_OF)
    settled = settle_case(results)
    identity = BatchIdentity("batch-1", "L1", AS_OF, POLICY.version)
    figures = manifest(identity, files, settled, results)
    provisional = {r.program: r.reads.provisional() for r in results}
    used = sorted({n for r in results for n in r.reads.used})
    relief = settled.registers.get("contribution_relief")
    limit = len(relief) - 1 if split_registers and relief is not None else 1_048_575
    written = []
    for relative, data in ledger_workbooks(
        settled, figures, provisional, describe(POLICY, used), limit, DEPARTMENT
    ):
        written.append(_write(folder / relative, data))
    written.append(
        _write(
            folder / FUNDING_REQUEST,
            funding_request_workbook(
                settled.payments,
                figures,
                DEPARTMENT,
                POLICY.value("payment.fund_source", dt.date.fromisoformat(figures.as_of)),
            ),
        )
    )
    failing = settled.decisions[settled.decisions["outcome"] != "approved"]
    programs = {f.name: str(f.program) for f in files}
    sources = {p.name: p for p in inputs.rglob("*.xls*")}
    for name, rows in failing.groupby("file"):
        data = returned_workbook(sources[str(name)], rows[PROBLEM_COLUMNS], programs[str(name)])
        written.append(_write(folder / "returned" / returned_name(str(name)), data))
    return written


def write_whatif(inputs: Path, reference: Path, folder: Path, policy_copy: Path) -> Path:
    """The what-if of `inputs` with large enterprises' refund share raised to 100 %."""
    shutil.copytree(DEFAULT_POLICY_DIR, policy_copy)
    path = policy_copy / "stabilization_refund.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{大型: 0.5, 中型: 1", "{大型: 1, 中型: 1"), encoding="utf-8")
    after = load_policy(policy_copy)
    files, before_results = decide(inputs, reference, AS_OF)
    after_results = decide_files(files, after, AS_OF, read_references(reference))
    comparison = compare(settle_case(before_results), settle_case(after_results))
    facts = [("批次", "batch-1"), ("审核基准日", AS_OF.isoformat())]
    data = comparison_workbook(comparison, facts, changed_parameters(POLICY, after))
    return _write(folder / "whatif.xlsx", data)


def write_finds(records: Path, reference: Path, out: Path) -> list[Path]:
    folder = find_people([records], out, reference, None, AS_OF, POLICY)
    return sorted(folder.glob("*.xlsx"))


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


FILE = re.compile(r"\.(xlsx|xls|csv)$|^(payments|returned)")
FILE_NAME = re.compile(r"[^\s：:“”（）()]+\.(xlsx|xls|csv)")
IDENTIFIER_HEADERS = (
    "代码",
    "编号",
    "账号",
    "文件",
    "工作簿",
    "身份证",
    "卡号",
    "行键",
    "名称",
    "姓名",
)
IDENTIFIER_LINES = ("批次号", "政策版本", "批次", "调整前参数", "调整后参数")


def english_cells(path: Path, sheets: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Cells a person reads that hold an English word: not reason codes (stable ASCII), file
    names, identifier and code columns, or the batch's identifier lines."""
    workbook = load_workbook(path)
    english = []
    for sheet in workbook:
        if sheets is not None and sheet.title not in sheets:
            continue
        values = list(sheet.values)
        header = next((row for row in values if sum(v is not None for v in row) >= 3), ())
        skip = {
            i for i, h in enumerate(header) if h and any(k in str(h) for k in IDENTIFIER_HEADERS)
        }
        for row in values:
            if row and row[0] in IDENTIFIER_LINES:
                continue
            for i, value in enumerate(row):
                if i in skip or not isinstance(value, str):
                    continue
                words = re.findall(r"[A-Za-z_][A-Za-z_.]{2,}", FILE_NAME.sub("", value))
                odd = [w for w in words if w not in REASONS and not FILE.search(w)]
                if odd:
                    english.append((sheet.title, value))
    return english


def system_sheets(path: Path) -> list[str] | None:
    """The sheets the system wrote: all of them, or for a returned application only 退回说明
    (the others are the applicant's own text)."""
    return ["退回说明"] if path.parent.name == "returned" else None
