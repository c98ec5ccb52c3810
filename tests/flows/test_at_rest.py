"""Personal data at rest (issue 21, item 14): what a run leaves behind outside its batch folder
(Prefect's result storage) holds no ID or account, and what holds them is the owner's only."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.disburse import disburse
from ledger import publish
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = dt.date(2020, 12, 31)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Path]:
    """Prefect's local result storage for this test only."""
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    where = tmp_path / "prefect-storage"
    with temporary_settings(updates={PREFECT_LOCAL_STORAGE_PATH: where}):
        yield where


def stored_bytes(path: Path) -> bytes:
    """A stored file, with any base64 result inside a JSON result record decoded."""
    data = path.read_bytes()
    try:
        record = json.loads(data)
    except ValueError:
        return data
    if isinstance(record, dict) and isinstance(record.get("result"), str):
        return data + base64.b64decode(record["result"])
    return data


def sample_secrets() -> set[str]:
    """Every full ID number (18 characters) and bank account (16 to 19 digits) in the samples."""
    found: set[str] = set()
    for workbook in SAMPLES.glob("*.xlsx"):
        for sheet in load_workbook(workbook, read_only=True).worksheets:
            for row in sheet.iter_rows(values_only=True):
                for cell in row:
                    if re.fullmatch(r"\d{17}[\dX]|\d{16,19}", str(cell or "").strip()):
                        found.add(str(cell).strip())
    return found


def holding(storage: Path, secrets: set[str]) -> list[Path]:
    """The stored files that hold any of `secrets`."""
    stored = [p for p in storage.rglob("*") if p.is_file()] if storage.exists() else []
    return [p for p in stored if any(s.encode() in stored_bytes(p) for s in secrets)]


def open_to_others(path: Path) -> bool:
    return bool(path.stat().st_mode & 0o077)


def test_run__leaves_no_personal_data_in_prefect_storage_and_the_registry_owner_only(
    tmp_path: Path, storage: Path
) -> None:
    folder = Path(
        disburse(
            inputs=[str(SAMPLES)],
            reference=str(SAMPLES / "reference"),
            out=str(tmp_path / "out"),
            as_of=AS_OF,
        )
    )
    assert (folder / "payments.csv").exists()
    secrets = sample_secrets()
    assert len(secrets) > 50
    assert holding(storage, secrets) == []  # the completed run's reads are gone
    registry = tmp_path / "out" / "registry.sqlite"
    assert registry.exists()
    assert oct(registry.stat().st_mode & 0o777) == oct(0o600)


def test_failed_run__keeps_its_reads_for_a_retry_readable_by_the_owner_only(
    tmp_path: Path, storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = publish.write_atomic

    def failing_write(path: Path, data: bytes) -> str:
        if path.name == "manifest.json":
            raise OSError("磁盘暂时不可用")
        return real_write(path, data)

    monkeypatch.setattr(publish, "write_atomic", failing_write)
    state = disburse(
        inputs=[str(SAMPLES)],
        reference=str(SAMPLES / "reference"),
        out=str(tmp_path / "out"),
        as_of=AS_OF,
        return_state=True,
    )
    assert state.is_failed()
    kept = holding(storage, sample_secrets())
    assert kept  # kept: a retry of the run reads them
    assert [str(p) for p in kept if open_to_others(p) or open_to_others(p.parent)] == []
    assert not open_to_others(tmp_path / "out" / "registry.sqlite")
