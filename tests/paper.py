"""What a printed page shows, read from the PDF LibreOffice prints (SPEC §4 "legible on
paper"): each page's text sizes after fit scaling, and its page header.

pdfminer gives each glyph's size as the font size times the page's transformation, so a sheet
printed at 60 % of an 11 pt font measures 6.6 pt here, as a ruler on the paper would.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextContainer

HEADER_BAND = 0.06  # the top 6 % of the page: where the page header prints


@dataclass(frozen=True)
class PrintedPage:
    number: int
    smallest: float  # pt, the smallest glyph on the page
    median: float  # pt, the median glyph size
    header: str  # the text in the page's top band (the page header)
    text: str


def printed_pages(pdf: Path) -> list[PrintedPage]:
    """Each page of `pdf` with its text sizes and header."""
    pages = []
    for number, page in enumerate(extract_pages(pdf), start=1):
        sizes = [round(c.size, 2) for c in _chars(page) if c.get_text().strip()]
        top = page.height * (1 - HEADER_BAND)
        header = "".join(
            box.get_text() for box in page if isinstance(box, LTTextContainer) and box.y0 >= top
        )
        text = "".join(box.get_text() for box in page if isinstance(box, LTTextContainer))
        pages.append(
            PrintedPage(
                number=number,
                smallest=min(sizes, default=0.0),
                median=statistics.median(sizes) if sizes else 0.0,
                header=" ".join(header.split()),
                text=text,
            )
        )
    return pages


def _chars(item: object) -> list[LTChar]:
    if isinstance(item, LTChar):
        return [item]
    found: list[LTChar] = []
    for child in getattr(item, "_objs", ()):
        found += _chars(child)
    return found


def print_to_pdf(
    workbooks: list[Path], folder: Path, shots: Path | None = None, first: int | None = None
) -> dict[Path, Path]:
    """Each workbook's PDF as LibreOffice prints it (one run for all, into `folder/pdf`), and
    PNGs of its pages (the `first` ones only, if given) beside it or in `shots`."""
    pdfs = folder / "pdf"
    pdfs.mkdir(parents=True, exist_ok=True)
    sources = folder / "sources"
    sources.mkdir(exist_ok=True)
    copies = {}
    for number, workbook in enumerate(workbooks):
        copies[workbook] = sources / f"{number:02d}-{workbook.parent.name}-{workbook.name}"
        shutil.copyfile(workbook, copies[workbook])
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation=file://{folder / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(pdfs),
            *map(str, copies.values()),
        ],
        capture_output=True,
        check=True,
        timeout=900,
    )
    pictures = shots or pdfs
    pictures.mkdir(parents=True, exist_ok=True)
    limit = ["-l", str(first)] if first else []
    found = {}
    for workbook, copy in copies.items():
        pdf = pdfs / f"{copy.stem}.pdf"
        found[workbook] = pdf
        if shutil.which("pdftoppm"):
            subprocess.run(
                ["pdftoppm", "-r", "70", *limit, "-png", str(pdf), str(pictures / copy.stem)],
                check=True,
                timeout=300,
            )
    return found
