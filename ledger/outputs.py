"""The machine-readable outputs of a run: decisions.csv, payments.csv and manifest.json.

All three are byte-for-byte repeatable (SPEC §6): no wall-clock time, run id or absolute path
goes into them, rows are sorted, money is a two-decimal string from integer fen. Files are
written to a temporary name and renamed, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from policy.catalogue import CODES
from policy.money import fen_texts, text_to_fen
from policy.qualify import how_to_qualify

DECISIONS_HEADER = [
    "program",
    "file",
    "sheet",
    "row",
    "credit_code",
    "id_number",
    "outcome",
    "reason_codes",
    "amount",
    "how_to_qualify",
]
PAYMENTS_HEADER = [
    "payment_id",
    "program",
    "beneficiary_id",
    "beneficiary_name",
    "city",
    "bank_account",
    "amount",
]
CSV_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_ROWS = 50_000


def file_sha256(path: Path) -> str:
    """A file's sha256, read in blocks (inputs can be hundreds of megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> str:
    """Write to a temporary name beside the target, then rename over it; returns the sha256."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o640)
    temporary.replace(path)
    return hashlib.sha256(data).hexdigest()


def sort_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    order = decisions["program"].map({p: i for i, p in enumerate(CODES)})
    return (
        decisions.assign(_order=order)
        .sort_values(["_order", "file", "sheet", "row"], kind="stable")
        .drop(columns="_order")
    )


# The guard is a way of writing a cell, never part of its value: a text that itself begins
# with the apostrophe gets one too, so that reading back (`unguarded_texts`) is exact.
GUARD = "'"
GUARDED_PREFIXES = (*CSV_INJECTION_PREFIXES, GUARD)


def safe_texts(values: pd.Series) -> pd.Series:
    """CSV cells that a spreadsheet would run as a formula get a leading apostrophe."""
    text = values.where(values.notna(), "").astype(str).tolist()
    safe = [GUARD + v if v.startswith(GUARDED_PREFIXES) else v for v in text]
    return pd.Series(safe, index=values.index, dtype=object)


def safe_text(value: str) -> str:
    """A cell as `safe_texts` writes it (a workbook's name as decisions.csv holds it)."""
    return GUARD + value if value.startswith(GUARDED_PREFIXES) else value


def unguarded_texts(values: pd.Series) -> pd.Series:
    """Cells written by `safe_texts`, read back as the values they hold."""
    return values.astype(str).str.removeprefix(GUARD)


def csv_bytes(frame: pd.DataFrame, money: list[str], trusted: set[str], bom: bool) -> bytes:
    """CSV text; `trusted` columns hold only codes this system wrote (no formula guard needed)."""

    def cells(name: str) -> list[object]:
        if name in money:
            return fen_texts(frame[name]).tolist()
        if name in trusted:  # texts and whole numbers: written as they print
            values = frame[name].astype(object)
            return values.where(values.notna(), "").tolist()  # a blank is empty, never "nan"
        return safe_texts(frame[name]).tolist()

    columns = [cells(name) for name in frame.columns]
    # Encoded a chunk of rows at a time into one buffer: a province's decisions are 150 MB of
    # UTF-8, and as one Python string, or as a frame of text cells for pandas to write, they
    # were copies of the whole at once. The csv module quotes as pandas does (minimal).
    buffer = io.BytesIO()
    buffer.write("\ufeff".encode() if bom else b"")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for start in range(0, len(frame), CSV_CHUNK_ROWS):
        writer.writerows(zip(*(c[start : start + CSV_CHUNK_ROWS] for c in columns), strict=True))
        buffer.write(text.getvalue().encode("utf-8"))
        text.seek(0)
        text.truncate()
    buffer.write(text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def decisions_csv(decisions: pd.DataFrame) -> bytes:
    if "how_to_qualify" not in decisions:
        decisions = decisions.assign(how_to_qualify=how_to_qualify(decisions))
    ordered = sort_decisions(decisions[DECISIONS_HEADER])
    trusted = {"program", "sheet", "row", "outcome", "reason_codes"}
    frame = ordered.assign(row=ordered["row"].astype("int64"))
    return csv_bytes(frame, ["amount"], trusted, bom=False)


def payments_csv(payments: pd.DataFrame) -> bytes:
    ordered = payments.sort_values(["program", "beneficiary_id", "payment_id"], kind="stable")
    return csv_bytes(ordered[PAYMENTS_HEADER], ["amount"], {"payment_id", "program"}, bom=True)


def read_payments_csv(data: bytes) -> pd.DataFrame:
    """`payments.csv` read back: each cell the value it holds (no formula guard), amounts in
    fen."""
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    guarded = [c for c in frame.columns if c not in ("payment_id", "program", "amount")]
    frame[guarded] = frame[guarded].apply(unguarded_texts)
    frame["amount"] = [text_to_fen(a) for a in frame["amount"]]
    return frame


def manifest_json(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
