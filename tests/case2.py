"""Acceptance case 2 (several files per programme, two review rounds, three batches), step by step.

Each step runs the real `subsidy` command on one registry, then its outputs are compared with
`tests/data/acceptance-case-2/expected/<step>/` as that case's README says. `problems` lists every
difference as a line of text, so a failing test (or `python -m tests.case2`) shows all of them.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

CASE = Path(__file__).parent / "data" / "acceptance-case-2"
SUBSIDY = Path(sys.executable).parent / "subsidy"
COMPARED = ("payments.csv", "decisions.csv", "manifest.json")


@dataclass(frozen=True)
class Step:
    name: str
    inputs: str
    as_of: str
    review: str | None = None  # the review CSV that fills the previous step's ledger
    repeat: bool = False  # the previous step's command again


STEPS = [
    Step("1-A", "A", "2020-09-30"),
    Step("2-A-review-1", "A", "2020-09-30", review="review-1.csv"),
    Step("3-A-repeat", "A", "2020-09-30", repeat=True),
    Step("4-A-review-2", "A", "2020-09-30", review="review-2.csv"),
    Step("5-B", "B", "2020-12-31"),
    Step("6-C", "C", "2020-12-31"),
]


def fill_ledger(ledger: Path, review_csv: Path, target: Path) -> None:
    """The reviewer: write each CSV line's verdict and comment on the matching 待复核 row."""
    with review_csv.open(encoding="utf-8-sig") as handle:
        wanted = {(r["文件"], r["工作表"], str(int(r["行号"]))): r for r in csv.DictReader(handle)}
    workbook = load_workbook(ledger)
    sheet = workbook["待复核"]
    header_row = next(
        row
        for row in sheet.iter_rows(min_row=1, max_row=10)
        if "复核结论" in [c.value for c in row]
    )
    header = {c.value: c.column for c in header_row}
    for row in sheet.iter_rows(min_row=header_row[0].row + 1):
        cell = {name: row[column - 1] for name, column in header.items()}
        if cell["文件"].value is None:
            continue
        key = (str(cell["文件"].value), str(cell["工作表"].value), str(int(cell["行号"].value)))
        if key in wanted:
            cell["复核结论"].value = wanted[key]["复核结论"] or None
            cell["复核意见"].value = wanted[key]["复核意见"] or None
    workbook.save(target)


def resaved_by_office_suite(path: Path) -> Path:
    """The workbook as LibreOffice Calc saves it again (the reviewer's office suite).

    Under CI (`CI=true`) LibreOffice must be there (`make test` installs it); elsewhere a
    machine without it uses the file as openpyxl wrote it, and says so.
    """
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            raise AssertionError(
                "LibreOffice (soffice) is required under CI: scripts/install_office.sh"
            )
        print(f"case2: no LibreOffice here, {path.name} is not re-saved by an office suite")
        return path
    target = path.parent / "resaved"
    profile = path.parent / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(target),
            str(path),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    return target / path.name


def run_step(step: Step, work: Path, registry: str, previous: Path | None) -> Path:
    """Run one step through the CLI; returns a copy of the batch folder as the step left it."""
    command = [
        str(SUBSIDY),
        "run",
        str(CASE / step.inputs),
        "--reference",
        str(CASE / "reference"),
        "--out",
        str(work / "out"),
        "--as-of",
        step.as_of,
        "--registry",
        registry,
        "--no-progress",
    ]
    if step.review:
        assert previous is not None
        filled = work / f"reviewed-{step.name}.xlsx"
        fill_ledger(previous / "ledger.xlsx", CASE / step.review, filled)
        command += ["--reviewed-ledger", str(resaved_by_office_suite(filled))]
    elif step.repeat:
        name = "reviewed-2-A-review-1.xlsx"
        again = work / "resaved" / name if (work / "resaved" / name).exists() else work / name
        command += ["--reviewed-ledger", str(again)]
    done = subprocess.run(
        command, capture_output=True, text=True, env=step_environment(), check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{step.name}: exit {done.returncode}\n{done.stderr[-12000:]}")
    folder = Path(done.stdout.strip().splitlines()[-1])
    kept = work / "steps" / step.name
    shutil.copytree(folder, kept)
    return kept


def step_environment() -> dict[str, str]:
    """The commands run on the test session's Prefect server when there is one (starting an
    embedded server per command costs seconds, and times out on a busy machine)."""
    from prefect.settings import PREFECT_API_URL

    environment = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if PREFECT_API_URL.value():
        environment["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    return environment


def verified(folder: Path, registry: str) -> list[str]:
    """`subsidy verify` on the batch folder a step left, as a clerk would run it: its lines
    when it finds a problem (SPEC §8 Proof: every batch and round), nothing when it passes."""
    command = [str(SUBSIDY), "verify", str(folder), "--registry", registry]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode == 0 and "核对通过" in done.stdout:
        return []
    return [f"verify exit {done.returncode}", *done.stdout.splitlines(), *done.stderr.splitlines()]


def folder_name(kept: Path) -> str:
    """The batch folder's name under `out/` (a step's copy keeps the manifest's batch id)."""
    return str(json.loads((kept / "manifest.json").read_text(encoding="utf-8"))["batch_id"])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def summed_payments(rows: list[dict[str, str]]) -> dict[tuple[str, str], Decimal]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        sums[(row["program"], row["beneficiary_id"])] += Decimal(row["amount"])
    return {key: value for key, value in sums.items() if value}


def held_lines(ledger: Path) -> dict[tuple[str, str, str], str]:
    """The 待复核 rows of a ledger: (文件, 工作表, 行号) → the row's text."""
    sheet = load_workbook(ledger, read_only=True)["待复核"]
    rows = [
        [("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    start = next(i for i, row in enumerate(rows) if "复核结论" in row)
    header = rows[start]
    lines = {}
    for row in rows[start + 1 :]:
        record = dict(zip(header, row, strict=False))
        if not record.get("文件") or not record.get("行号", "").strip():
            continue
        key = (record["文件"], record["工作表"], str(int(float(record["行号"]))))
        lines[key] = " ".join(row)
    return lines


def problems(step: Step, folder: Path) -> list[str]:
    """Every way the step's outputs differ from its expected files."""
    expected_dir = CASE / "expected" / step.name
    found: list[str] = []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    expected = json.loads((expected_dir / "expected.json").read_text(encoding="utf-8"))
    if manifest["as_of"] != expected["as_of"]:
        found.append(f"as_of {manifest['as_of']} != {expected['as_of']}")
    for program, figures in expected["programs"].items():
        got = manifest["programs"].get(program, {})
        for name, value in figures.items():
            if got.get(name) != value:
                found.append(f"programs.{program}.{name}: {got.get(name)} != {value}")
    for name, value in expected["totals"].items():
        if manifest["totals"].get(name) != value:
            found.append(f"totals.{name}: {manifest['totals'].get(name)} != {value}")
    if step.review is None:
        listed = {i["file"]: i for i in manifest["inputs"]}
        for item in expected["input_files"]:
            got_input = listed.get(item["file"])
            if not got_input or got_input["program"] != item["program"] or got_input["error"]:
                found.append(f"input {item['file']}: {got_input}")
    decisions = {(r["file"], r["sheet"], r["row"]): r for r in read_csv(folder / "decisions.csv")}
    wanted = read_csv(expected_dir / "expected_decisions.csv")
    if len(decisions) != len(wanted):
        found.append(f"decisions.csv has {len(decisions)} lines, expected {len(wanted)}")
    held = held_lines(folder / "ledger.xlsx")
    for want in wanted:
        key = (want["file"], want["sheet"], want["row"])
        got_row = decisions.get(key)
        if got_row is None:
            found.append(f"{key}: no decision")
            continue
        codes = set(filter(None, got_row["reason_codes"].split(";")))
        missing = set(filter(None, want["reason_codes"].split(";"))) - codes
        if got_row["outcome"] != want["outcome"] or missing:
            found.append(
                f"{key}: {got_row['outcome']} {got_row['reason_codes']} != "
                f"{want['outcome']} {want['reason_codes']} ({want['why']})"
            )
        elif want["outcome"] == "approved" and Decimal(got_row["amount"]) != Decimal(
            want["amount"]
        ):
            found.append(f"{key}: amount {got_row['amount']} != {want['amount']} ({want['why']})")
        if want["outcome"] == "held":
            line = held.get(key, "")
            for text in filter(None, want["shows"].split(";")):
                if text not in line:
                    found.append(f"{key}: 待复核 line lacks {text!r}: {line!r}")
    expected_held = {(w["file"], w["sheet"], w["row"]) for w in wanted if w["outcome"] == "held"}
    if set(held) != expected_held:
        found.append(
            f"待复核 rows differ: extra {set(held) - expected_held}, missing "
            f"{expected_held - set(held)}"
        )
    payments = summed_payments(read_csv(folder / "payments.csv"))
    want_payments = summed_payments(read_csv(expected_dir / "expected_payments.csv"))
    for key in sorted(payments.keys() | want_payments.keys()):
        if payments.get(key) != want_payments.get(key):
            found.append(f"payment {key}: {payments.get(key)} != {want_payments.get(key)}")
    return found


def cumulative_problems(folders: list[Path]) -> list[str]:
    """Over all steps: every payment id once, summed per beneficiary as expected."""
    seen: dict[str, dict[str, str]] = {}
    found = []
    for folder in folders:
        for row in read_csv(folder / "payments.csv"):
            earlier = seen.setdefault(row["payment_id"], row)
            if earlier != row:
                found.append(f"payment id {row['payment_id']} names two payments")
    got = summed_payments(list(seen.values()))
    want = summed_payments(read_csv(CASE / "expected" / "cumulative_payments.csv"))
    for key in sorted(got.keys() | want.keys()):
        if got.get(key) != want.get(key):
            found.append(f"cumulative {key}: {got.get(key)} != {want.get(key)}")
    return found


def run_case(work: Path, registry: str) -> dict[str, list[str]]:
    """Run all six steps; the problems found at each step, and `cumulative` over all of them."""
    report: dict[str, list[str]] = {}
    folders: list[Path] = []
    previous = None
    for step in STEPS:
        folder = run_step(step, work, registry, previous)
        if step.repeat:
            assert previous is not None
            report[step.name] = [
                f"{name} differs from step 2's"
                for name in COMPARED
                if (folder / name).read_bytes() != (previous / name).read_bytes()
            ]
        else:
            report[step.name] = problems(step, folder)
        folders.append(folder)
        previous = folder
        report[f"{step.name} verify"] = verified(work / "out" / folder_name(folder), registry)
    report["cumulative"] = cumulative_problems(folders)
    return report


if __name__ == "__main__":
    import tempfile

    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{work / 'registry.db'}"
    for name, lines in run_case(work, url).items():
        print(f"== {name}: {len(lines)} problems")
        for line in lines:
            print("  ", line)
