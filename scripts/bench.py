"""Province-scale benchmark: one run of the real flow, against the floor and the naive path.

    make bench                      # generates .bench/province once, then measures
    python scripts/bench.py --scale city --work /tmp/bench

Prints, for the batch: input rows, wall seconds of `subsidy run` (a fresh process, Prefect's
start-up included), rows per second and the run's peak RSS; then two ratios measured here on
the same files:

- floor: the fastest bare read of every input workbook (calamine, every cell to Python) plus
  the fastest bare write of as many rows as `decisions.csv` holds (the Rust xlsx engine,
  10 columns). Target: the run takes at most 2× the floor.
- naive: openpyxl read-only, per-row Python checks (check characters, Decimal money), openpyxl
  write, on a sample of about 100,000 rows, scaled to the batch. Target: at least 10× faster.

It is a script, not a test: figures depend on the machine, and nothing asserts on them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import rustpy_xlsxwriter
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.manifest import Manifest  # noqa: E402
from workbooks.reader import list_workbooks  # noqa: E402
from workbooks.synthetic_batch import write_batch  # noqa: E402

NAIVE_SAMPLE_ROWS = 100_000
SHEET_ROWS = 1_000_000
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def generate(scale: str, work: Path) -> Path:
    batch = work / scale
    if not (batch / "expected.json").exists():
        shutil.rmtree(batch, ignore_errors=True)
        started = time.perf_counter()
        write_batch(scale, batch)
        print(f"generated {scale} batch in {time.perf_counter() - started:.1f} s: {batch}")
    return batch


def run_flow(batch: Path, work: Path) -> tuple[float, int, Path]:
    """`subsidy run` in a fresh process: wall seconds, peak RSS in bytes, batch folder."""
    out = work / "runs"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        str(ROOT / ".venv" / "bin" / "subsidy"),
        "run",
        str(batch / "inputs"),
        "--reference",
        str(batch / "reference"),
        "--as-of",
        "2020-12-31",
        "--out",
        str(out),
    ]
    environment = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=environment)
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"run failed:\n{finished.stderr[-4000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return wall, peak, Path(finished.stdout.strip().splitlines()[-1])


def bare_read(paths: list[Path]) -> tuple[float, int]:
    """Every visible sheet of every workbook to Python lists, nothing else."""
    started, rows = time.perf_counter(), 0
    for path in paths:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            rows += len(workbook.get_sheet_by_name(name).to_python(skip_empty_area=True))
    return time.perf_counter() - started, rows


def bare_write(rows: int) -> float:
    """As many rows of 10 columns (5 text, 5 numbers) as the run decided, one workbook (a sheet
    per million rows: Excel's limit)."""
    numbers = np.arange(rows)
    frame = pd.DataFrame(
        {f"t{i}": pd.Series(numbers, dtype="int64").astype(str) for i in range(5)}
        | {f"n{i}": numbers / 100 for i in range(5)}
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        sheets = [
            (f"S{start // SHEET_ROWS}", frame.iloc[start : start + SHEET_ROWS])
            for start in range(0, rows, SHEET_ROWS)
        ]
        rustpy_xlsxwriter.write_worksheets(sheets, str(Path(folder) / "w.xlsx"))
    return time.perf_counter() - started


def credit_code_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in CREDIT_CHARS for c in code):
        return False
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(code, CREDIT_WEIGHTS, strict=False))
    return CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def naive(paths: list[Path]) -> tuple[float, int]:
    """openpyxl read, a Python check per cell, openpyxl write, until the sample is full."""
    started, rows = time.perf_counter(), 0
    output = Workbook()
    sheet = output.active
    for path in paths:
        workbook = load_workbook(path, read_only=True, data_only=True)
        for worksheet in workbook.worksheets:
            for values in worksheet.iter_rows(min_row=2, values_only=True):
                checked = []
                for value in values:
                    if isinstance(value, str) and len(value) == 18:
                        checked.append(credit_code_ok(value.upper()))
                    elif isinstance(value, int | float):
                        try:
                            checked.append(
                                Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                            )
                        except InvalidOperation:
                            checked.append(None)
                    else:
                        checked.append(value)
                sheet.append([str(v) if v is not None else None for v in checked])
                rows += 1
        workbook.close()
        if rows >= NAIVE_SAMPLE_ROWS:
            break
    output.save(io.BytesIO())
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province", choices=["small", "city", "province"])
    parser.add_argument("--work", type=Path, default=ROOT / ".bench")
    args = parser.parse_args()
    batch = generate(args.scale, args.work)
    paths = list_workbooks([batch / "inputs"])

    wall, peak, folder = run_flow(batch, args.work)
    print(f"run finished in {wall:.1f} s; measuring the floor and the naive path…", flush=True)
    input_rows = sum(p.input_rows for p in Manifest.read(folder).programs.values())
    read_seconds, cells_rows = bare_read(paths)
    write_seconds = bare_write(input_rows)
    floor = read_seconds + write_seconds
    sample_seconds, sample_rows = naive(paths)
    naive_seconds = sample_seconds * input_rows / sample_rows

    print(f"date               {dt.date.today().isoformat()}, {os.cpu_count()} cores")
    print(f"batch              {args.scale}: {len(paths)} workbooks, {input_rows:,} input rows")
    print(f"run wall           {wall:.1f} s (Prefect start-up included)")
    print(f"rows per second    {input_rows / wall:,.0f}")
    print(f"peak RSS           {peak / 2**30:.2f} GiB")
    print(
        f"floor              {floor:.1f} s (bare read {read_seconds:.1f} s of {cells_rows:,} "
        f"sheet rows + bare write {write_seconds:.1f} s of {input_rows:,} rows)"
    )
    print(f"run / floor        {wall / floor:.2f}× (target ≤ 2×)")
    print(
        f"naive (scaled)     {naive_seconds:.0f} s ({sample_rows:,} rows in "
        f"{sample_seconds:.1f} s, × {input_rows / sample_rows:.1f})"
    )
    print(f"naive / run        {naive_seconds / wall:.1f}× faster (target ≥ 10×)")


if __name__ == "__main__":
    main()
