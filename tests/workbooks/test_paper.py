"""SPEC §4, legible on paper: every person-facing workbook kind, printed by LibreOffice on A4,
has no text under 8 pt on any page after fit scaling, and every page's header names the
document and the sheet; an applicant's returned notice prints no reason code. The pages are
kept as PNGs under `test-output/paper/pdf/` for a person to look at."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from tests.conftest import ROOT
from tests.paper import PrintedPage, print_to_pdf, printed_pages
from tests.workbooks.paper_documents import write_every_document

OUT = ROOT / "test-output" / "paper"
SMALLEST_PT = 8.0
CODE = re.compile(r"\b[A-Z]{2,}_[A-Z_]+\b")


@pytest.fixture(scope="module")
def printed() -> dict[str, list[PrintedPage]]:
    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("LibreOffice is required under CI: make office")
        pytest.skip("no LibreOffice here")
    shutil.rmtree(OUT, ignore_errors=True)
    documents = write_every_document(OUT / "documents")
    pdfs = print_to_pdf(documents, OUT)
    return {
        str(path.relative_to(OUT / "documents")): printed_pages(pdf) for path, pdf in pdfs.items()
    }


def test_paper__every_kind_is_printed(printed: dict[str, list[PrintedPage]]) -> None:
    names = set(printed)
    assert {"batch/ledger.xlsx", "batch/资金拨付申请表.xlsx", "batch/whatif.xlsx"} <= names
    assert sum(n.startswith("batch/returned/") for n in names) == 6
    assert sum(n.startswith("batch/registers/") for n in names) >= 3
    assert sum(n.startswith("templates/") for n in names) == 7
    assert {"money/batch-1-r0-拨付审批单.xlsx", "money/追回清单.xlsx"} <= names
    assert any(n.endswith("公示名单.xlsx") for n in names)


def test_paper__no_printed_text_is_under_8_pt(printed: dict[str, list[PrintedPage]]) -> None:
    small = {
        (name, page.number): page.smallest
        for name, pages in printed.items()
        for page in pages
        if page.smallest < SMALLEST_PT
    }
    assert small == {}


def test_paper__a_blank_template_prints_on_at_most_two_pages(
    printed: dict[str, list[PrintedPage]],
) -> None:
    pages = {n: len(p) for n, p in printed.items() if n.startswith("templates/")}
    assert len(pages) == 7 and max(pages.values()) <= 2, pages
    # The notes print with the first sheet's header, under the template's title.
    refund = printed["templates/稳岗返还申请.xlsx"][0].text
    assert "失业保险稳岗返还申报表" in refund and "统一社会信用代码" in refund


def test_paper__every_page_says_what_it_is(printed: dict[str, list[PrintedPage]]) -> None:
    bare = [
        (name, page.number)
        for name, pages in printed.items()
        for page in pages
        if not page.header or "第" not in page.text or "页" not in page.text
    ]
    assert bare == []
    ledger = printed["batch/ledger.xlsx"]
    assert all("审核台账" in p.header and "batch-1" in p.header for p in ledger)
    assert all("首轮" in p.header for p in ledger)  # round 0, as a reader says it
    assert any("支付明细" in p.header for p in ledger)
    approval = printed["money/batch-1-r0-拨付审批单.xlsx"]
    assert all("拨付审批单" in p.header and "首轮" in p.header for p in approval)


def test_paper__an_applicant_reads_no_reason_code(printed: dict[str, list[PrintedPage]]) -> None:
    coded = {
        (name, page.number): CODE.findall(page.text)
        for name, pages in printed.items()
        if name.startswith(("batch/returned/", "templates/")) or name.endswith("公示名单.xlsx")
        for page in pages
        if CODE.search(page.text)
    }
    assert coded == {}
