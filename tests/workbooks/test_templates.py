"""Blank templates carry the canonical headers and read back as their programme."""

from __future__ import annotations

from pathlib import Path

from policy.catalogue import PROGRAMS
from workbooks.corrections import read_corrections
from workbooks.reader import read_application
from workbooks.templates import write_templates


def test_write_templates__one_per_programme_recognised_with_no_rows(tmp_path: Path) -> None:
    *paths, corrections = write_templates(tmp_path)
    assert len(paths) == len(PROGRAMS)
    assert corrections.name == "账户更正.xlsx" and read_corrections(corrections).empty
    for path in paths:
        workbook = read_application(path)
        # Recognised, and a blank template submitted as is says so.
        assert workbook.program is not None and workbook.program.file_name == path.name
        assert workbook.error == "EMPTY_FILE", workbook.message
