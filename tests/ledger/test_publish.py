"""Recovering what a killed run left staged: publish what its registry committed, drop what it
did not, and leave alone what another registry's run staged."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ledger.publish import recover, stage, staging_folder, staging_for

A, B = "sqlite:///a.sqlite", "postgresql+psycopg://db/registry"


def staged(out: Path, batch: str, registry: str | None) -> tuple[Path, str]:
    folder = out / batch
    with staging_for(folder, registry) as staging:
        stage(staging, "payments.csv", b"payment_id,amount\n")
        sha = stage(staging, "manifest.json", b'{"batch_id": "%s"}' % batch.encode())
    return folder, sha


def test_recover__publishes_a_committed_staging_and_drops_an_uncommitted_one(
    tmp_path: Path,
) -> None:
    committed, sha = staged(tmp_path, "b1", A)
    dropped, _ = staged(tmp_path, "b2", A)
    done = recover(tmp_path, {"b1": sha}.get, A)
    assert (committed / "payments.csv").exists()
    assert hashlib.sha256((committed / "manifest.json").read_bytes()).hexdigest() == sha
    assert not (committed / ".registry").exists()
    assert not staging_folder(committed).exists() and not staging_folder(dropped).exists()
    assert not dropped.exists()
    assert len(done) == 2


def test_recover__leaves_another_registrys_staging_alone(tmp_path: Path) -> None:
    folder, sha = staged(tmp_path, "b1", B)
    done = recover(tmp_path, lambda batch: None, A)  # a run on registry A knows nothing of it
    assert staging_folder(folder).exists() and not folder.exists()
    assert done == ["批次 b1：暂存目录属于另一个支付登记库的运行，本次未处理"]
    recover(tmp_path, {"b1": sha}.get, B)
    assert (folder / "manifest.json").exists()


def test_recover__a_dry_runs_staging_is_always_dropped(tmp_path: Path) -> None:
    folder, _ = staged(tmp_path, "b1.dry-run", None)
    recover(tmp_path, lambda batch: None, A)
    assert not staging_folder(folder).exists() and not folder.exists()
