"""What a run says about itself (issue 13): it is named after its batch, refuses to guess the
assessment date, says so in its final state when every row was rejected, and the command sends
no telemetry."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from batch.run import AsOfRequired
from flows.disburse import disburse
from flows.form import Technical
from tests.conftest import ROOT, SAMPLES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = dt.date(2020, 12, 31)


def flow_run_of(state) -> object:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client

    async def read() -> object:
        async with get_client() as client:
            return await client.read_flow_run(state.state_details.flow_run_id)

    return asyncio.run(read())


def test_run__named_after_its_batch(tmp_path: Path) -> None:
    state = disburse(
        inputs=[str(SAMPLES / "稳岗返还申请.xlsx")],
        reference=str(SAMPLES / "reference"),
        out=str(tmp_path),
        as_of=AS_OF,
        dry_run=True,
        return_state=True,
    )
    folder = Path(state.result())
    assert flow_run_of(state).name == f"disburse-{folder.name.removesuffix('.dry-run')}"


def test_run__a_new_batch_without_its_assessment_date_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AsOfRequired, match="请填写审核基准日"):
        disburse(inputs=[str(SAMPLES)], reference=str(SAMPLES / "reference"), out=str(tmp_path))
    assert list(tmp_path.iterdir()) in ([], [tmp_path / "registry.sqlite"])


def test_run__every_row_rejected_is_said_in_the_final_state_and_summary(tmp_path: Path) -> None:
    book = load_workbook(SAMPLES / "稳岗返还申请.xlsx")
    sheet = book["稳岗返还"]
    header = next(r for r in range(1, 12) if any(c.value == "统一社会信用代码" for c in sheet[r]))
    column = next(c.column for c in sheet[header] if c.value == "统一社会信用代码")
    for row in range(header + 1, sheet.max_row + 1):
        if sheet.cell(row, column).value:
            sheet.cell(row, column).value = "91370000000000000X"  # a wrong check character
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    book.save(inputs / "稳岗返还申请.xlsx")
    state = disburse(
        inputs=[str(inputs)],
        reference=str(SAMPLES / "reference"),
        out=str(tmp_path / "out"),
        as_of=AS_OF,
        dry_run=True,
        return_state=True,
    )
    assert state.is_completed()
    assert "全部不予受理，没有支付" in state.message
    run = flow_run_of(state)
    assert "全部不予受理" in run.state.message


def test_cli__sends_no_telemetry_even_when_started_directly() -> None:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("PREFECT_SERVER_ANALYTICS_ENABLED",)
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, flows.cli;"
            "print(os.environ['PREFECT_SERVER_ANALYTICS_ENABLED'], os.environ['DO_NOT_TRACK'])",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=environment,
    ).stdout.split()
    assert shown == ["false", "1"]


def test_registry_address__a_password_is_never_a_parameter_and_comes_from_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.system import Secret

    from flows.secrets import REGISTRY_BLOCK, SecretInParameter, registry_address

    with pytest.raises(SecretInParameter, match="SUBSIDY_REGISTRY_URL"):
        disburse(
            inputs=[str(SAMPLES)],
            out=str(tmp_path),
            as_of=AS_OF,
            technical=Technical(registry="postgresql+psycopg://subsidy:s3cret@127.0.0.1:5432/test"),
        )
    assert registry_address("postgresql+psycopg://postgres@127.0.0.1:5432/test").endswith("/test")
    monkeypatch.delenv("SUBSIDY_REGISTRY_URL", raising=False)
    assert registry_address(None) is None  # the output folder's SQLite file
    Secret(value="postgresql+psycopg://subsidy:s3cret@db/registry").save(
        REGISTRY_BLOCK, overwrite=True
    )
    try:
        assert registry_address(None) == "postgresql+psycopg://subsidy:s3cret@db/registry"
        monkeypatch.setenv("SUBSIDY_REGISTRY_URL", "sqlite:////srv/subsidy/registry.sqlite")
        assert registry_address(None) == "sqlite:////srv/subsidy/registry.sqlite"
    finally:
        Secret.delete(REGISTRY_BLOCK)


def test_run__programmes_are_chosen_by_their_chinese_names_in_the_form(tmp_path: Path) -> None:
    from flows.config import Program
    from flows.disburse import disburse as flow
    from ledger.manifest import Manifest

    assert Program.stabilization_refund.value == "失业保险稳岗返还"
    schema = flow.parameters.model_dump()["definitions"]["Program"]
    assert schema["enum"][0] == "失业保险稳岗返还"  # what the form's multi-select shows
    folder = Path(
        flow(
            inputs=[str(SAMPLES)],
            reference=str(SAMPLES / "reference"),
            out=str(tmp_path),
            as_of=AS_OF,
            dry_run=True,
            programs=["失业保险稳岗返还"],  # as the form sends it
        )
    )
    errors = {i.file: i.error for i in Manifest.read(folder).inputs}
    assert errors.pop("稳岗返还申请.xlsx") is None
    assert set(errors.values()) == {"NOT_SELECTED"}
