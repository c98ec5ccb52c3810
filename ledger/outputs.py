"""The machine-readable outputs of a run: decisions.csv, payments.csv and manifest.json.

All three are byte-for-byte repeatable (SPEC §6): no wall-clock time, run id or absolute path
goes into them, rows are sorted, money is a two-decimal string from integer fen. Files are
written to a temporary name and renamed, so a crash never leaves half a file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from policy.money import fen_text, fen_texts
from policy.outcomes import APPROVED, HELD, REJECTED

PROGRAM_ORDER = [
    "stabilization_refund",
    "spring_festival_production",
    "new_hire",
    "chongqing_labor",
    "contribution_relief",
    "contribution_deferral",
]
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
    order = decisions["program"].map({p: i for i, p in enumerate(PROGRAM_ORDER)})
    return (
        decisions.assign(_order=order)
        .sort_values(["_order", "file", "sheet", "row"], kind="stable")
        .drop(columns="_order")
    )


def safe_texts(values: pd.Series) -> pd.Series:
    """CSV cells that a spreadsheet would run as a formula get a leading apostrophe."""
    text = values.where(values.notna(), "").astype(str).tolist()
    safe = ["'" + v if v.startswith(CSV_INJECTION_PREFIXES) else v for v in text]
    return pd.Series(safe, index=values.index, dtype=object)


def csv_bytes(frame: pd.DataFrame, money: list[str], trusted: set[str], bom: bool) -> bytes:
    """CSV text; `trusted` columns hold only codes this system wrote (no formula guard needed)."""

    def cells(name: str) -> pd.Series:
        if name in money:
            return fen_texts(frame[name])
        return frame[name] if name in trusted else safe_texts(frame[name])

    columns = {name: cells(name) for name in frame.columns}
    text = pd.DataFrame(columns).to_csv(index=False, lineterminator="\n")
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def decisions_csv(decisions: pd.DataFrame) -> bytes:
    ordered = sort_decisions(decisions)[DECISIONS_HEADER]
    trusted = {"program", "sheet", "row", "outcome", "reason_codes"}
    frame = ordered.assign(row=ordered["row"].astype("int64"))
    return csv_bytes(frame, ["amount"], trusted, bom=False)


def payments_csv(payments: pd.DataFrame) -> bytes:
    ordered = payments.sort_values(["program", "beneficiary_id", "payment_id"], kind="stable")
    return csv_bytes(ordered[PAYMENTS_HEADER], ["amount"], {"payment_id", "program"}, bom=True)


def program_figures(decisions: pd.DataFrame, amounts: dict[str, int]) -> dict[str, Any]:
    """Per programme: input rows, outcome counts and amount (cash paid, relief, or deferred)."""
    figures = {}
    for program in PROGRAM_ORDER:
        rows = decisions[decisions["program"] == program] if len(decisions) else decisions
        counts = rows["outcome"].value_counts() if len(rows) else pd.Series(dtype="int64")
        figures[program] = {
            "input_rows": len(rows),
            APPROVED: int(counts.get(APPROVED, 0)),
            REJECTED: int(counts.get(REJECTED, 0)),
            HELD: int(counts.get(HELD, 0)),
            "amount": fen_text(amounts.get(program, 0)),
        }
    return figures


def manifest_json(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def build_manifest(
    batch_id: str,
    as_of: str,
    policy_version: str,
    inputs: list[dict[str, Any]],
    decisions: pd.DataFrame,
    amounts: dict[str, int],
    totals: dict[str, int],
    provisional: list[str],
    bank_file: pd.DataFrame,
    decreases: pd.DataFrame,
    round_: int = 0,
    conflicts: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The manifest of SPEC §4, plus the review round it describes (SPEC §6), the provisional
    parameters used, the bank file's sum, its top-ups (补发), the decreases left for review
    (never clawed back) and the verdicts this round ignored as conflicts."""
    topups = bank_file[bank_file["kind"] == "topup"]
    return {
        "batch_id": batch_id,
        "as_of": as_of,
        "policy_version": policy_version,
        "round": round_,
        "provisional_parameters": provisional,
        "inputs": inputs,
        "programs": program_figures(decisions, amounts),
        "totals": {name: fen_text(value) for name, value in totals.items()},
        "bank_file": {
            "payments": len(bank_file),
            "amount": fen_text(int(bank_file["amount"].sum())),
            "topups": len(topups),
            "topup_amount": fen_text(int(topups["amount"].sum())),
        },
        "decreases": {
            "beneficiaries": len(decreases),
            "amount": fen_text(-int(decreases["difference"].sum())),
        },
        "review_conflicts": [
            {
                "program": str(c.program),
                "file": str(c.file),
                "sheet": str(c.sheet),
                "row": int(c.row),
                "in_force": str(c.in_force),
                "ignored": str(c.ignored),
            }
            for c in (conflicts if conflicts is not None else pd.DataFrame()).itertuples()
        ],
    }
