"""Operating the system through Prefect: the nightly inbox, review round-trips, reruns that
overlap or retry, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook

from batch import inputs as batch_inputs
from flows.disburse import disburse
from flows.form import Technical
from flows.inbox import nightly_inbox
from flows.serve import NIGHTLY_CRON, TIME_ZONE, banner, deployments
from ledger import publish
from ledger.audit import verify
from registry.database import Registry
from tests.conftest import ACCEPTANCE, SAMPLES
from tests.flows.ui import run_page

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = "2020-12-31"


def test_deployments__nightly_at_two_in_shanghai_and_manual_disburse_find_and_whatif() -> None:
    nightly, manual, find, whatif, *money = deployments()
    assert (find.name, whatif.name) == ("find-people", "whatif")
    assert [d.name for d in money] == ["approve", "record-sent", "bank-return"]
    assert not any(d.schedules for d in (find, whatif, *money))
    assert nightly.name == "nightly-inbox"
    [schedule] = nightly.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == (NIGHTLY_CRON, TIME_ZONE)
    assert (NIGHTLY_CRON, TIME_ZONE) == ("0 2 * * *", "Asia/Shanghai")
    assert manual.name == "disburse" and not manual.schedules
    # make serve says what it serves: the real count.
    assert banner(deployments()) == (
        "提供 7 个部署：nightly-inbox、disburse、find-people、whatif、approve、record-sent、bank-return"
    )


def test_nightly_inbox__processes_new_files_once_archives_them_and_leaves_broken_ones(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "稳岗返还申请.xlsx", inbox)
    shutil.copy(SAMPLES / "鲁渝劳务协作补贴.xlsx", inbox)
    (inbox / "损坏.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out"
    [batch] = nightly_inbox(inbox=str(inbox), reference=str(SAMPLES / "reference"), out=str(out))
    batch_id = Path(batch).name
    archived = sorted(p.name for p in (inbox / "archive" / batch_id).iterdir())
    assert archived == ["稳岗返还申请.xlsx", "鲁渝劳务协作补贴.xlsx"]
    assert sorted(p.name for p in inbox.glob("*.xlsx")) == ["损坏.xlsx"]
    manifest = json.loads((Path(batch) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["programs"]["stabilization_refund"]["input_rows"] == 17
    assert nightly_inbox(inbox=str(inbox), reference=str(SAMPLES / "reference"), out=str(out)) == []


def review_ledger(ledger: Path, verdicts: dict[int, tuple[str, str]], target: Path) -> Path:
    """Fill 复核结论 and 复核意见 the way a reviewer does in Excel, and save a copy."""
    workbook = load_workbook(ledger)
    sheet = workbook["待复核"]
    header = [c.value for c in sheet[1]]
    verdict_col, comment_col = header.index("复核结论") + 1, header.index("复核意见") + 1
    row_col = header.index("行号") + 1
    for number in range(2, sheet.max_row + 1):
        excel_row = sheet.cell(row=number, column=row_col).value
        if excel_row in verdicts:
            sheet.cell(row=number, column=verdict_col, value=verdicts[excel_row][0])
            sheet.cell(row=number, column=comment_col, value=verdicts[excel_row][1])
    workbook.save(target)
    return target


def test_review_round_trip__approved_held_rows_are_paid_rejected_ones_recorded(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    first = Path(
        disburse(
            inputs=[str(ACCEPTANCE / "inputs")],
            reference=str(ACCEPTANCE / "reference"),
            out=str(out),
            as_of=AS_OF,
        )
    )
    reviewed = review_ledger(
        first / "ledger.xlsx",
        {14: ("通过", "已电话核实卡号"), 25: ("驳回", "规模申报不实"), 31: ("同意", "")},
        tmp_path / "ledger-reviewed.xlsx",
    )
    second = Path(
        disburse(
            inputs=[str(ACCEPTANCE / "inputs")],
            reference=str(ACCEPTANCE / "reference"),
            out=str(out),
            reviewed_ledger=str(reviewed),
        )
    )
    # The same batch (its id names the applications), now after review round 1.
    assert second == first
    assert json.loads((second / "manifest.json").read_text(encoding="utf-8"))["round"] == 1
    payments = (second / "payments.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(payments) == 2 and payments[1].endswith(",7500.00")
    assert "500103199109184485" in payments[1]
    decisions = (second / "decisions.csv").read_text(encoding="utf-8").splitlines()
    assert any(
        line.startswith("stabilization_refund,")
        and ",25," in line
        and "SIZE_MISMATCH;REVIEW_REJECTED" in line
        for line in decisions
    )
    events = [json.loads(line) for line in (second / "audit.jsonl").read_text().splitlines()]
    reviews = {
        e["row"]: (e["verdict"], e["comment"], e["round"])
        for e in events
        if e["event"] == "review_verdict"
    }
    assert reviews[14] == ("通过", "已电话核实卡号", 1)
    assert reviews[25][1] == "规模申报不实"
    # "同意" is no verdict: row 31 stays held, and 汇总 says why its verdict was not used.
    assert any(
        line.startswith("contribution_relief,") and ",31," in line and ",held," in line
        for line in decisions
    )
    summary = load_workbook(second / "ledger.xlsx")["汇总"]
    notes = [row[2] for row in summary.iter_rows(values_only=True) if row[0] == "复核结论未采用"]
    assert len(notes) == 1 and "“同意”无效" in notes[0]
    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["programs"]["chongqing_labor"]["amount"] == "97000.00"
    assert manifest["bank_file"] == {
        "payments": 1,
        "amount": "7500.00",
        "topups": 0,
        "topup_amount": "0.00",
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    from tests.registry.test_registry import registry_url as make

    return make.__wrapped__(request, tmp_path)


def test_concurrent_runs__same_inputs_at_once_pay_once_and_write_the_same_outputs(
    tmp_path: Path,
    registry_url: str,
) -> None:
    folders: list[str] = []

    def one_run(out: Path) -> None:
        folders.append(
            disburse(
                inputs=[str(SAMPLES)],
                reference=str(SAMPLES / "reference"),
                out=str(out),
                as_of=AS_OF,
                technical=Technical(registry=registry_url),
            )
        )

    runs = [threading.Thread(target=one_run, args=(tmp_path / name,)) for name in ("a", "b")]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    a, b = (Path(f) for f in sorted(folders))
    assert a.name == b.name
    for name in ("payments.csv", "decisions.csv", "manifest.json", "ledger.xlsx"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    registry = Registry(registry_url)
    paid = registry.paid_total()
    registry.dispose()
    manifest = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
    assert paid == round(float(manifest["totals"]["payments"]) * 100)


def test_retried_run__reuses_persisted_reads_and_pays_once(
    tmp_path: Path,
    registry_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[str] = []
    real_read = batch_inputs.read_application

    def counting_read(path: Path):  # type: ignore[no-untyped-def]
        reads.append(path.name)
        return real_read(path)

    failures = iter([OSError("磁盘暂时不可用")])
    real_write = publish.write_atomic

    def flaky_write(path: Path, data: bytes) -> str:
        if path.name == "manifest.json" and (problem := next(failures, None)):
            raise problem
        return real_write(path, data)

    monkeypatch.setattr(batch_inputs, "read_application", counting_read)
    monkeypatch.setattr(publish, "write_atomic", flaky_write)
    retried = disburse.with_options(retries=1, retry_delay_seconds=0)
    folder = Path(
        retried(
            inputs=[str(SAMPLES)],
            reference=str(SAMPLES / "reference"),
            out=str(tmp_path),
            as_of=AS_OF,
            technical=Technical(registry=registry_url),
        )
    )
    assert sorted(reads) == sorted(p.name for p in SAMPLES.glob("*.xlsx"))  # read once each
    assert verify(folder / "audit.jsonl") is None
    registry = Registry(registry_url)
    paid = registry.paid_total()
    registry.dispose()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert paid == round(float(manifest["totals"]["payments"]) * 100)


def test_nightly_inbox__a_reviewed_ledger_dropped_in_the_inbox_reruns_its_batch(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for workbook in (ACCEPTANCE / "inputs").glob("*.xlsx"):
        shutil.copy(workbook, inbox)
    out = tmp_path / "out"
    reference = str(ACCEPTANCE / "reference")
    [first] = nightly_inbox(inbox=str(inbox), reference=reference, out=str(out))
    review_ledger(Path(first) / "ledger.xlsx", {14: ("通过", "已核实")}, inbox / "复核台账.xlsx")
    [second] = nightly_inbox(inbox=str(inbox), reference=reference, out=str(out))
    assert second == first  # the same batch, review round 1
    payments = (Path(second) / "payments.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(payments) == 2 and payments[1].endswith(",7500.00")
    reviewed = inbox / "archive" / f"{Path(second).name}.复核"
    assert (reviewed / "第1轮-复核台账.xlsx").exists()
    assert list(inbox.glob("*.xlsx")) == []
    # Round 2 through the inbox too: round 1's verdict stays in force, row 25 is approved now.
    review_ledger(Path(second) / "ledger.xlsx", {25: ("通过", "核实")}, inbox / "复核台账.xlsx")
    [third] = nightly_inbox(inbox=str(inbox), reference=reference, out=str(out))
    manifest = json.loads((Path(third) / "manifest.json").read_text(encoding="utf-8"))
    assert (third, manifest["round"]) == (first, 2)
    decisions = (Path(third) / "decisions.csv").read_text(encoding="utf-8").splitlines()
    approved = {
        (line.split(",")[0], line.split(",")[3]) for line in decisions if ",approved," in line
    }
    assert {("chongqing_labor", "14"), ("stabilization_refund", "25")} <= approved
    payments = (Path(third) / "payments.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(payments) == 2 and "stabilization_refund" in payments[1]
    assert (reviewed / "第2轮-复核台账.xlsx").exists()


def test_run__logs_and_artifacts_hold_no_unmasked_id_or_account(tmp_path: Path) -> None:
    folder = Path(
        disburse(
            inputs=[str(ACCEPTANCE / "inputs")],
            reference=str(ACCEPTANCE / "reference"),
            out=str(tmp_path),
            as_of=AS_OF,
        )
    )
    decisions = (folder / "decisions.csv").read_text(encoding="utf-8")
    secrets = set(re.findall(r"\d{17}[\dX]", decisions))
    payments = (folder / "payments.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    secrets |= {line.split(",")[5] for line in payments}
    assert len(secrets) > 100

    page = run_page(out=str(tmp_path))
    artifacts = page.artifacts.values()
    text = "\n".join(
        [*page.logs, *(str(a.data) for a in artifacts), json.dumps(page.run.parameters)]
    )
    assert "审核结果" in text
    assert [s for s in secrets if s in text] == []
    audit = (folder / "audit.jsonl").read_text(encoding="utf-8")
    assert [s for s in secrets if s in audit] == []
    # The log pins the decisions by their Merkle roots and holds no ID, masked or not.
    assert re.search(r"\d{6}\*{8}[\dX]{4}", audit) is None
    assert '"event":"input_file"' in audit


def test_run_summary__shows_the_figures_the_ledger_charts(tmp_path: Path) -> None:
    folder = Path(
        disburse(
            inputs=[str(SAMPLES)],
            reference=str(SAMPLES / "reference"),
            out=str(tmp_path),
            as_of=AS_OF,
        )
    )

    shown = run_page(out=str(tmp_path)).table("totals-by-city")
    sheet = list(load_workbook(folder / "ledger.xlsx", read_only=True)["地市金额"].values)
    charted = {
        row[0]: {
            title: f"{amount:.2f}" for title, amount in zip(sheet[0][1:], row[1:], strict=True)
        }
        for row in sheet[1 : next(i for i, row in enumerate(sheet) if not any(row))]
    }
    assert {row["地市"]: {k: v for k, v in row.items() if k != "地市"} for row in shown} == charted
    assert len(charted) > 5
