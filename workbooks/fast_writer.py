"""Fast xlsx writing for large sheets (generated batches, per-city registers).

Uses the Rust `rust_xlsxwriter` engine through `rustpy-xlsxwriter`: measured here at about
1 s per 200,000 rows × 10 columns, against about 8 s for XlsxWriter and more for openpyxl.
Text is always stored as text (a leading `=` never becomes a formula).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import rustpy_xlsxwriter

from workbooks.xlsx import EXCEL_MAX_ROWS


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Python dates become datetimes (the engine writes those as Excel dates)."""
    ready = frame.copy()
    for column in ready.columns:
        values = ready[column]
        if values.dtype == object and isinstance(
            values.dropna().iloc[0] if values.notna().any() else None, dt.date
        ):
            # Kept as objects: a datetime64 column would turn blanks into NaT, which the engine
            # cannot write.
            ready[column] = pd.Series(
                [
                    dt.datetime(v.year, v.month, v.day) if isinstance(v, dt.date) else v
                    for v in values
                ],
                index=values.index,
                dtype=object,
            )
    return ready


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame], freeze_header: bool = True) -> None:
    """One workbook with a sheet per frame: bold frozen header, filters, fitted widths."""
    for name, frame in sheets.items():
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            raise ValueError(f"sheet {name} has {len(frame)} rows, over Excel's limit")
    names = list(sheets)
    rustpy_xlsxwriter.write_worksheets(
        [(name, _excel_ready(frame)) for name, frame in sheets.items()],
        str(path),
        bold_headers=True,
        autofit=True,
        datetime_format="yyyy-mm-dd",
        autofilter=dict.fromkeys(names, True),
        freeze_panes={name: {"row": 1, "col": 0} for name in names} if freeze_header else None,
    )
