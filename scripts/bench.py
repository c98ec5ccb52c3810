"""Province-scale benchmark: the real flow end to end, and each phase against its own floor.

    make bench                      # generates .bench/province once, then measures
    python scripts/bench.py --scale city --work /tmp/bench

1. `subsidy run` in a fresh process (Prefect's start-up included): wall seconds, rows per
   second, CPU utilisation (CPU seconds per wall second; 2.0 is both cores busy), peak RSS.
2. The same run phase by phase, in process, through the functions the flow calls
   (`bench/phases.py`), each phase beside its floor measured here, now, on the same files:
   - read + validate: the fastest bare read of every sheet (calamine, every cell to Python),
     split over the same worker processes;
   - registry: a bare bulk insert of as many rows as the batch took claims into a new SQLite
     table;
   - writing: the bare write of as many rows as there are input rows (the Rust xlsx engine, 10
     columns), split over the same processes;
   - decide and audit have no floor outside themselves: their CPU time is shown.
3. The whole run against the floor (bare read + bare write, both in parallel) and against the
   naive path: openpyxl read-only, per-row Python checks, openpyxl write, on a sample of about
   100,000 rows, scaled to the batch. Targets: at most 2× the floor, at least 10× the naive.

It is a script, not a test: figures depend on the machine, and nothing asserts on them.
`bench/results.md` keeps what it printed, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import multiprocessing
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import rustpy_xlsxwriter
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batch import parallel  # noqa: E402
from bench.phases import run_phases  # noqa: E402
from ledger.manifest import Manifest  # noqa: E402
from registry.opening import REGISTRY_FILE  # noqa: E402
from workbooks.reader import list_workbooks  # noqa: E402
from workbooks.synthetic_batch import write_batch  # noqa: E402

NAIVE_SAMPLE_ROWS = 100_000
SHEET_ROWS = 1_000_000
SPAWN = multiprocessing.get_context("spawn")
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


def run_flow(batch: Path, work: Path) -> tuple[float, float, int, Path]:
    """`subsidy run` in a fresh process: wall and CPU seconds, peak RSS in bytes, batch folder."""
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
    started, cpu = time.perf_counter(), _children_cpu()
    finished = subprocess.run(command, capture_output=True, text=True, env=environment)
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"run failed:\n{finished.stderr[-4000:]}")
    # Peak RSS of the largest process (the run; its worker processes are smaller).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return wall, _children_cpu() - cpu, peak, Path(finished.stdout.strip().splitlines()[-1])


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def read_one(path: Path) -> int:
    """Every sheet of one workbook to Python lists, nothing else; returns its rows."""
    workbook = CalamineWorkbook.from_path(str(path))
    return sum(
        len(workbook.get_sheet_by_name(name).to_python(skip_empty_area=True))
        for name in workbook.sheet_names
    )


def bare_read(paths: list[Path], workers: int) -> tuple[float, int]:
    """Every sheet of every workbook read bare, largest first, in `workers` processes."""
    ordered = sorted(paths, key=lambda p: -p.stat().st_size)
    started = time.perf_counter()
    if workers <= 1:
        rows = sum(map(read_one, ordered))
    else:
        with ProcessPoolExecutor(workers, mp_context=SPAWN) as pool:
            rows = sum(pool.map(read_one, ordered))
    return time.perf_counter() - started, rows


def write_rows(rows: int, folder: str, name: str) -> None:
    """Rows of 10 columns (5 text, 5 numbers) in one workbook (a sheet per million rows)."""
    numbers = np.arange(rows)
    frame = pd.DataFrame(
        {f"t{i}": pd.Series(numbers, dtype="int64").astype(str) for i in range(5)}
        | {f"n{i}": numbers / 100 for i in range(5)}
    )
    sheets = [
        (f"S{start // SHEET_ROWS}", frame.iloc[start : start + SHEET_ROWS])
        for start in range(0, rows, SHEET_ROWS)
    ]
    rustpy_xlsxwriter.write_worksheets(sheets, str(Path(folder) / name))


def bare_write(rows: int, workers: int) -> float:
    """As many rows as the run decided, written bare, in `workers` processes (a workbook each)."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        if workers <= 1:
            write_rows(rows, folder, "w.xlsx")
        else:
            shares = [rows // workers + (i < rows % workers) for i in range(workers)]
            with ProcessPoolExecutor(workers, mp_context=SPAWN) as pool:
                names = [f"w{i}.xlsx" for i in range(workers)]
                list(pool.map(write_rows, shares, [folder] * workers, names))
        return time.perf_counter() - started


def bare_insert(rows: int) -> float:
    """As many rows as the batch took claims, into a new SQLite table in one executemany."""
    with tempfile.TemporaryDirectory() as folder:
        connection = sqlite3.connect(str(Path(folder) / "r.sqlite"))
        connection.execute(
            "CREATE TABLE claims (program TEXT, period TEXT, claim_key TEXT, beneficiary_id TEXT,"
            " amount INTEGER, UNIQUE (program, period, claim_key))"
        )
        values = [
            ("relief", "2020", f"9137{i:014d}:{i % 11}", f"9137{i:014d}", i) for i in range(rows)
        ]
        started = time.perf_counter()
        connection.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?)", values)
        connection.commit()
        elapsed = time.perf_counter() - started
        connection.close()
    return elapsed


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
    workers = parallel.workers()

    wall, cpu, peak, folder = run_flow(batch, args.work)
    print(f"run finished in {wall:.1f} s; now phase by phase…", flush=True)
    manifest = Manifest.read(folder)
    input_rows = sum(p.input_rows for p in manifest.programs.values())
    # A fresh output folder and registry: a registry left by an earlier benchmark would make
    # this a rerun of a recorded batch (claims looked up, none taken), another path.
    shutil.rmtree(args.work / "phases", ignore_errors=True)
    phases, _ = run_phases(batch / "inputs", batch / "reference", args.work / "phases")
    claims = _claims(args.work / "phases" / REGISTRY_FILE)
    read_seconds, cells_rows = bare_read(paths, workers)
    write_seconds = bare_write(input_rows, workers)
    insert_seconds = bare_insert(claims)
    phases["read + validate"].floor = read_seconds
    phases["read + validate"].floor_note = f"bare read, {workers} processes"
    phases["registry"].floor = insert_seconds
    phases["registry"].floor_note = f"bare insert of {claims:,} rows"
    phases["write outputs"].floor = write_seconds
    phases["write outputs"].floor_note = f"bare write of {input_rows:,} rows, {workers} processes"
    floor = read_seconds + write_seconds
    sample_seconds, sample_rows = naive(paths)
    naive_seconds = sample_seconds * input_rows / sample_rows

    print(
        f"date               {dt.date.today().isoformat()}, {os.cpu_count()} cores, {workers} workers"
    )
    print(f"batch              {args.scale}: {len(paths)} workbooks, {input_rows:,} input rows")
    print(f"run wall           {wall:.1f} s (Prefect start-up included)")
    print(f"CPU utilisation    {cpu / wall:.2f} of {os.cpu_count()} cores")
    print(f"rows per second    {input_rows / wall:,.0f}")
    print(f"peak RSS           {peak / 2**30:.2f} GiB (largest process; target < 2 GiB)")
    print()
    print(f"{'phase':<18} {'wall s':>7} {'CPU/wall':>8} {'floor s':>8} {'× floor':>8}  floor")
    for phase in phases.items:
        ratio = f"{phase.wall / phase.floor:.2f}" if phase.floor else ""
        floor_text = f"{phase.floor:.1f}" if phase.floor is not None else ""
        print(
            f"{phase.name:<18} {phase.wall:7.1f} {phase.utilisation:8.2f} {floor_text:>8} "
            f"{ratio:>8}  {phase.floor_note}"
        )
    in_process = sum(p.wall for p in phases.items)
    print(f"{'all phases':<18} {in_process:7.1f}")
    print()
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


def _claims(path: Path) -> int:
    connection = sqlite3.connect(str(path))
    try:
        return int(connection.execute("SELECT count(*) FROM claims").fetchone()[0])
    finally:
        connection.close()


if __name__ == "__main__":
    main()
