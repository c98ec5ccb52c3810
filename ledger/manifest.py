"""The batch manifest (SPEC §4) as one typed record, built in one place.

Everything that writes or reads a batch's figures — the ledger's 汇总, the run summary, the
audit log, the inbox, `subsidy verify`, the what-if — uses these fields, never string keys.
`to_json` writes the manifest.json bytes (field order is the file's order, so a rerun writes
the same bytes); `read` accepts a manifest written before review rounds existed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from policy.catalogue import CODES
from policy.money import fen_text
from policy.outcomes import APPROVED, HELD, REJECTED

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class InputEntry:
    """One input file: its hash, programme, rows decided, and why it was unusable if it was."""

    file: str
    sha256: str
    program: str | None
    rows: int
    error: str | None
    message: str | None


@dataclass(frozen=True)
class ProgramFigures:
    input_rows: int
    approved: int
    rejected: int
    held: int
    amount: str  # yuan with two decimals: cash owed, relief, or deferred


@dataclass(frozen=True)
class BankFile:
    """This round's bank file: payments and their sum, top-ups (补发) among them."""

    payments: int
    amount: str
    topups: int
    topup_amount: str


@dataclass(frozen=True)
class Decreases:
    """Beneficiaries owed less than already paid (left for review, never clawed back)."""

    beneficiaries: int
    amount: str


@dataclass(frozen=True)
class RiskHolds:
    """Rows screening held before payment (SPEC §2): how many, what they would be paid or
    granted, and the rows per risk code (a row may carry several)."""

    rows: int = 0
    amount: str = "0.00"
    by_risk: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Conflict:
    """A later verdict that contradicted the one in force, and so was not applied (SPEC §6)."""

    program: str
    file: str
    sheet: str
    row: int
    in_force: str
    ignored: str


@dataclass(frozen=True)
class Manifest:
    batch_id: str
    as_of: str
    policy_version: str
    round: int
    provisional_parameters: list[str]
    inputs: list[InputEntry]
    programs: dict[str, ProgramFigures]
    totals: dict[str, str]  # payments, relief, deferred, late_fee_waived (yuan)
    bank_file: BankFile
    decreases: Decreases
    review_conflicts: list[Conflict] = field(default_factory=list)
    risk_holds: RiskHolds = field(default_factory=RiskHolds)
    outputs: dict[str, str] = field(default_factory=dict)  # file → sha256, written last

    def with_outputs(self, written: dict[str, str]) -> Manifest:
        return replace(self, outputs=dict(sorted(written.items())))

    def returned_files(self) -> list[str]:
        return [name for name in self.outputs if name.startswith("returned/")]

    def unusable_inputs(self) -> list[InputEntry]:
        return [i for i in self.inputs if i.error]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.outputs:
            del data["outputs"]
        return data

    def to_json(self) -> bytes:
        return (json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            batch_id=data["batch_id"],
            as_of=data["as_of"],
            policy_version=data["policy_version"],
            round=int(data.get("round", 0)),
            provisional_parameters=list(data.get("provisional_parameters", [])),
            inputs=[InputEntry(**i) for i in data["inputs"]],
            programs={k: ProgramFigures(**v) for k, v in data["programs"].items()},
            totals=dict(data["totals"]),
            bank_file=BankFile(**data["bank_file"]),
            decreases=Decreases(**data["decreases"]),
            review_conflicts=[Conflict(**c) for c in data.get("review_conflicts", [])],
            risk_holds=RiskHolds(**data.get("risk_holds", {})),
            outputs=dict(data.get("outputs", {})),
        )

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The manifest of a batch folder."""
        return cls.from_dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))


def program_figures(decisions: pd.DataFrame, amounts: dict[str, int]) -> dict[str, ProgramFigures]:
    """Per programme: input rows, outcome counts and amount (cash paid, relief, or deferred)."""
    figures = {}
    for program in CODES:
        # The outcomes alone: a filter of the frame would copy its thirty columns.
        rows = (
            decisions["outcome"][decisions["program"] == program]
            if len(decisions)
            else pd.Series(dtype=object)
        )
        counts = rows.value_counts() if len(rows) else pd.Series(dtype="int64")
        figures[program] = ProgramFigures(
            len(rows),
            int(counts.get(APPROVED, 0)),
            int(counts.get(REJECTED, 0)),
            int(counts.get(HELD, 0)),
            fen_text(amounts.get(program, 0)),
        )
    return figures


def build_manifest(
    batch_id: str,
    as_of: str,
    policy_version: str,
    inputs: list[InputEntry],
    decisions: pd.DataFrame,
    amounts: dict[str, int],
    totals: dict[str, int],
    provisional: list[str],
    bank_file: pd.DataFrame,
    decreases: pd.DataFrame,
    round_: int = 0,
    conflicts: pd.DataFrame | None = None,
) -> Manifest:
    """The manifest of SPEC §4, plus the review round it describes (SPEC §6), the provisional
    parameters used, the bank file's sum, its top-ups (补发), the decreases left for review
    (never clawed back), the verdicts this round ignored as conflicts and the rows held for
    a risk (SPEC §2)."""
    topups = bank_file[bank_file["kind"] == "topup"]
    return Manifest(
        batch_id=batch_id,
        as_of=as_of,
        policy_version=policy_version,
        round=round_,
        provisional_parameters=provisional,
        inputs=inputs,
        programs=program_figures(decisions, amounts),
        totals={name: fen_text(value) for name, value in totals.items()},
        bank_file=BankFile(
            len(bank_file),
            fen_text(int(bank_file["amount"].sum())),
            len(topups),
            fen_text(int(topups["amount"].sum())),
        ),
        decreases=Decreases(len(decreases), fen_text(-int(decreases["difference"].sum()))),
        review_conflicts=[
            Conflict(
                str(c.program),
                str(c.file),
                str(c.sheet),
                int(c.row),
                str(c.in_force),
                str(c.ignored),
            )
            for c in (conflicts if conflicts is not None else pd.DataFrame()).itertuples()
        ],
        risk_holds=risk_holds(decisions),
    )


def risk_holds(decisions: pd.DataFrame) -> RiskHolds:
    """The rows held for a risk (a `RISK_` code) and what their approval would release."""
    if not len(decisions):
        return RiskHolds()
    held = decisions[
        (decisions["outcome"] == HELD)
        & decisions["reason_codes"].astype(str).str.contains("RISK_", regex=False)
    ]
    codes = held["reason_codes"].astype(str).str.split(";").explode()
    counts = codes[codes.str.startswith("RISK_")].value_counts()
    amount = int(held["proposed"].sum()) if "proposed" in held else 0
    return RiskHolds(
        len(held), fen_text(amount), {str(c): int(n) for c, n in sorted(counts.items())}
    )
