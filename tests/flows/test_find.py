"""Policy finds people from the command line and the flow: after the applications are paid,
the contribution records propose only enterprises without a claim; paying the proposal through
an ordinary run leaves nobody to propose the next time."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from flows.cli import main
from flows.disburse import disburse
from tests.conftest import SAMPLES
from workbooks.notice import APPLICATION_FILE

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = "2020-12-31"


def find(out: Path, registry: str, capsys: pytest.CaptureFixture[str]) -> Path:
    arguments = [
        "find",
        str(SAMPLES / "reference" / "records"),
        "--reference",
        str(SAMPLES / "reference"),
    ]
    arguments += ["--registry", registry, "--as-of", AS_OF, "--out", str(out)]
    assert main(arguments) == 0
    return Path(capsys.readouterr().out.strip().splitlines()[-1])


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_find__proposes_the_unclaimed_and_a_normal_run_pays_exactly_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    registry = f"sqlite:///{out / 'registry.sqlite'}"
    applied = disburse(
        inputs=[str(SAMPLES)],
        reference=str(SAMPLES / "reference"),
        out=str(out),
        as_of=dt.date.fromisoformat(AS_OF),
    )
    paid_before = {r["beneficiary_id"] for r in rows(Path(applied) / "payments.csv")}
    found = find(tmp_path / "finds", registry, capsys)
    decided = {r["credit_code"]: r for r in rows(found / "decisions.csv")}
    proposed = {r["credit_code"]: r["amount"] for r in rows(found / "proposed.csv")}
    assert len(decided) == 9  # every record row decided once
    claimed = {code for code, r in decided.items() if r["reason_codes"] == "DUPLICATE_CLAIM"}
    assert claimed and claimed <= paid_before  # the enterprises that applied and were paid
    assert proposed and not set(proposed) & claimed
    assert {c for c, r in decided.items() if r["outcome"] == "approved"} == set(proposed)

    # The workbook's start-of-year column counts only because the registry knows it as issued:
    # without that (a dry run checks no registry), the 28 → 23 firm is judged on 5/23 > 20%.
    unverified = disburse(
        inputs=[str(found / APPLICATION_FILE)],
        reference=str(SAMPLES / "reference"),
        out=str(tmp_path / "dry"),
        as_of=dt.date.fromisoformat(AS_OF),
        dry_run=True,
    )
    judged = {r["credit_code"]: r for r in rows(Path(unverified) / "decisions.csv")}
    small = "91371302R9QLJE524F"
    assert small in proposed and judged[small]["reason_codes"] == "SR_LAYOFF_RATE"
    assert all(judged[c]["outcome"] == "approved" for c in proposed if c != small)

    batch = disburse(
        inputs=[str(found / APPLICATION_FILE)],
        reference=str(SAMPLES / "reference"),
        out=str(out),
        as_of=dt.date.fromisoformat(AS_OF),
    )
    paid = {r["beneficiary_id"]: r["amount"] for r in rows(Path(batch) / "payments.csv")}
    assert paid == proposed

    again = find(tmp_path / "finds", registry, capsys)
    assert again != found  # the claims taken since change the result
    assert rows(again / "proposed.csv") == []


def test_whatif__from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = disburse(
        inputs=[str(SAMPLES / "稳岗返还申请.xlsx")],
        reference=str(SAMPLES / "reference"),
        out=str(tmp_path / "out"),
        as_of=dt.date.fromisoformat(AS_OF),
    )
    capsys.readouterr()
    from policy.parameters import DEFAULT_POLICY_DIR

    assert main(["whatif", batch, "--policy", str(DEFAULT_POLICY_DIR)]) == 0
    workbook = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert workbook.name == "whatif.xlsx" and workbook.exists()
    assert main(["whatif", batch, "--policy", str(tmp_path / "missing")]) == 1
