"""A receipt for one decision row (SPEC §4): the row, its Merkle path and the root the batch's
audit log recorded, so that an applicant or an auditor can check that row alone; and the check
of a receipt against an audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger.audit import AUDIT, batch_of
from ledger.decision_roots import ReceiptError, check_receipt, known_secret, receipt
from registry.opening import opened_if, registry_url

__all__ = ["ReceiptError", "issue_receipt", "receipt_check"]


def issue_receipt(
    folder: Path, row: str, round_: int | None, address: str | None
) -> dict[str, Any]:
    """The receipt of `row` (文件:工作表:行号) of the batch in `folder`; `ReceiptError` says why
    none can be made."""
    try:
        file, sheet, number = row.rsplit(":", 2)
        line = int(number)
    except ValueError as problem:
        raise ReceiptError(f"--row 应为 文件:工作表:行号，收到 {row}") from problem
    if not (folder / AUDIT).exists():
        raise ReceiptError(f"{folder} 中没有审计日志 {AUDIT}：不是批次输出目录")
    batch_id = batch_of(folder / AUDIT)
    with opened_if(registry_url(address, beside=folder)) as registry:
        secret = known_secret(batch_id, folder, registry)
    if secret is None:
        raise ReceiptError(f"登记库中没有批次 {batch_id} 的审计密钥，无法出具回执")
    try:
        return receipt(folder, file, sheet, line, secret, round_)
    except ReceiptError as problem:
        raise ReceiptError(f"无法出具回执：{problem}") from problem


def receipt_check(path: Path, audit: Path) -> tuple[str, list[str]]:
    """What the receipt at `path` proves against `audit`, and what does not hold."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise ReceiptError(f"回执无法读取：{problem}") from problem
    return check_receipt(found, audit)
