"""Every person-facing workbook (SPEC §4) of the acceptance batch, of "policy finds people" on
the samples, of a what-if, and of a province-wide synthetic batch (all 16 cities): Chinese only,
and printed by LibreOffice with whole table widths, the header repeated and 第 N 页 共 M 页 on
every page. The first pages of each are kept as PNGs under `test-output/printing/documents/`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ACCEPTANCE, ROOT, SAMPLES
from tests.workbooks.documents import (
    english_cells,
    system_sheets,
    write_batch_documents,
    write_finds,
    write_whatif,
)
from tests.workbooks.test_printing import (
    across,
    assert_prints_whole_widths,
    headers,
    rendered_all,
)
from workbooks.synthetic_batch import write_batch

SHOTS = ROOT / "test-output" / "printing" / "documents"


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("documents")
    case = ACCEPTANCE / "inputs", ACCEPTANCE / "reference"
    paths = write_batch_documents(*case, work / "case-1", split_registers=True)
    paths.append(write_whatif(*case, work / "case-1", work / "policy"))
    paths += write_finds(SAMPLES / "reference" / "records", SAMPLES / "reference", work / "finds")
    province = write_batch("small", work / "province-inputs", seed=5)
    paths += [
        p
        for p in write_batch_documents(
            province, work / "province-inputs" / "reference", work / "province"
        )
        if p.parent.name != "returned"  # 90 returned workbooks: the acceptance ones stand for them
    ]
    return {str(p.relative_to(work)): p for p in paths}


def test_documents__every_kind_is_written(documents: dict[str, Path]) -> None:
    names = set(documents)
    assert {"case-1/ledger.xlsx", "case-1/资金拨付申请表.xlsx", "case-1/whatif.xlsx"} <= names
    assert {"province/ledger.xlsx", "province/资金拨付申请表.xlsx"} <= names
    assert sum(n.startswith("case-1/registers/") for n in names) >= 3
    assert sum(n.startswith("case-1/returned/") for n in names) == 6
    assert any(n.endswith("公示名单.xlsx") for n in names)


def test_documents__are_in_chinese_apart_from_codes_and_identifiers(
    documents: dict[str, Path],
) -> None:
    found = {
        name: english
        for name, path in documents.items()
        if (english := english_cells(path, system_sheets(path)))
    }
    assert found == {}


def test_documents__print_whole_widths_with_headers_and_page_numbers(
    documents: dict[str, Path], tmp_path: Path
) -> None:
    pages = rendered_all(list(documents.values()), tmp_path, SHOTS)
    counts = {}
    for name, path in documents.items():
        shown = headers(path)
        printed = pages[path]
        if path.parent.name == "returned":  # the applicant's own sheets wrap their headers
            shown = {"退回说明": shown["退回说明"]}
            printed = [p for p in printed if re.search(r"申请材料退回通知\s+退回说明", p)]
        assert_prints_whole_widths(printed, shown, len(pages[path]), wide=across(path))
        counts[name] = len(pages[path])
    assert counts["case-1/ledger.xlsx"] <= 28  # registers split per city; 待复核 across pages
    assert counts["case-1/资金拨付申请表.xlsx"] == 2  # one request per fund source
    print("\n".join(f"{n}: {c} 页" for n, c in sorted(counts.items())))
