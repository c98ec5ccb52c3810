"""Print every person-facing workbook kind with LibreOffice (A4 PDF) and report, per
workbook, its pages, the smallest and median text size after fit scaling, and pages without a
page header; PNGs of every page go beside the PDFs (SPEC §4, legible on paper).

    .venv/bin/python scripts/paper.py [--out test-output/paper]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.paper import print_to_pdf, printed_pages  # noqa: E402
from tests.workbooks.paper_documents import write_every_document  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "test-output" / "paper")
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    documents = write_every_document(args.out / "documents")
    pdfs = print_to_pdf(documents, args.out)
    print(f"{'workbook':58} pages  smallest  median  no-header")
    for workbook, pdf in pdfs.items():
        pages = printed_pages(pdf)
        smallest = min(p.smallest for p in pages)
        median = min(p.median for p in pages)
        bare = sum(1 for p in pages if not p.header)
        name = str(workbook.relative_to(args.out / "documents"))
        print(f"{name:58} {len(pages):5}  {smallest:6.1f}pt  {median:4.1f}pt  {bare:5}")
    print(f"PDFs and PNGs: {args.out / 'pdf'}")


if __name__ == "__main__":
    main()
