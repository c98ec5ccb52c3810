"""The files of a review round an approver is shown (SPEC §8): its manifest under `rounds/<n>/`,
its `payments.csv`, and every file that manifest lists, each as recorded, or the approval is
refused."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ledger.manifest import MANIFEST, Manifest, RiskHolds
from ledger.outputs import file_sha256, read_payments_csv
from policy.refusal import Refusal

ROUNDS_DIR = "rounds"


class ApprovalRefused(Refusal):
    """An approval that may not happen: the message says why, in Chinese."""


@dataclass(frozen=True)
class RoundFiles:
    manifest: Manifest
    manifest_sha256: str
    payments: pd.DataFrame  # payments.csv of the round, amounts in fen

    @property
    def risk_holds(self) -> RiskHolds:
        """The rows the round holds for a risk (SPEC §2), as its manifest records them."""
        return self.manifest.risk_holds


def round_files(folder: Path, round_: int | None = None, shown: bool = True) -> RoundFiles:
    """The round's manifest and payments, as kept under `rounds/<n>/` (the latest by default);
    with `shown`, every file of the round an approver is shown must be as recorded."""
    if not (folder / MANIFEST).exists():
        raise ApprovalRefused(f"{folder} 不是批次输出目录（没有 {MANIFEST}）")
    latest = Manifest.read(folder)
    number = latest.round if round_ is None else round_
    kept = folder / ROUNDS_DIR / str(number)
    if not (kept / MANIFEST).exists():
        raise ApprovalRefused(f"批次 {latest.batch_id} 没有第 {number} 轮（{kept} 不存在）")
    manifest = Manifest.read(kept)
    manifest_sha256 = file_sha256(kept / MANIFEST)
    path = kept / "payments.csv"
    if f"{ROUNDS_DIR}/{number}/payments.csv" not in manifest.outputs:
        raise ApprovalRefused(f"{kept / MANIFEST} 没有列出该轮的 payments.csv，不能据此拨付")
    listed = shown_files(folder, number, manifest, manifest_sha256) if shown else {}
    changed = [
        name
        for name, sha in listed.items()
        if not (folder / name).is_file() or file_sha256(folder / name) != sha
    ]
    if changed:
        raise ApprovalRefused(
            f"批次 {manifest.batch_id} 第 {number} 轮的文件 {'、'.join(changed)} "
            "缺失或与该轮清单记录的 sha256 不符（文件被修改或替换），不能据此拨付"
        )
    frame = read_payments_csv(path.read_bytes())
    return RoundFiles(manifest, manifest_sha256, frame)


def shown_files(folder: Path, number: int, manifest: Manifest, sha256: str) -> dict[str, str]:
    """Every file of a round an approver is shown, with the sha256 its manifest records: the
    round's own copies under `rounds/<n>/`, and the batch's files while the round is the latest
    (its manifest is the batch's)."""
    own = f"{ROUNDS_DIR}/{number}/"
    latest = (folder / MANIFEST).is_file() and file_sha256(folder / MANIFEST) == sha256
    return {
        name: sha
        for name, sha in manifest.outputs.items()
        if name.startswith(own) or (latest and not name.startswith(NOT_SHOWN))
    }


# The batch's ledger.xlsx is the reviewers' to fill in (SPEC §6; the round's own copy under
# rounds/<n>/ is checked), and the returned workbooks go to applicants, not to the approver.
NOT_SHOWN = ("ledger.xlsx", "returned/")
