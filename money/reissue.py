"""Re-issue of failed and reversed payments, and the account corrections they may need (SPEC §8).

A failed or reversed payment is paid again as a `reissue` payment naming it, prepared as a batch
of its own (`reissue-<id>/`, one round) that goes through `subsidy approve` like any other: to
the same account when the bank's reason is not about the account (an outage, a temporary
freeze), otherwise only to a corrected account from an account-correction workbook that a
second person approved first. A payment is not re-issued while another payment to the same
beneficiary, programme and year is at the bank (released or sent, not yet settled), nor twice.
The original turns `reissued` when its re-issue is approved (`money.approval`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bank.outcomes import about_the_account
from ledger.faults import crash_point
from ledger.manifest import BankFile, Decreases, Manifest
from ledger.outputs import file_sha256, payments_csv, write_atomic
from ledger.payments import reissue_payment_id
from money import completion
from money.paying import fund_sources
from policy.money import fen_text
from policy.parameters import load_policy
from policy.refusal import Refusal
from registry import reissues as store
from registry.database import SETTLE_LOCK, Connection, Registry, serialized
from registry.payment_states import first_as_of
from validators.cleaning import LOST_DIGITS_MESSAGE
from workbooks.corrections import COLUMNS as CORRECTION_COLUMNS
from workbooks.corrections import read_corrections
from workbooks.funding_request import FUNDING_REQUEST, funding_request_workbook

REISSUE = store.REISSUE


class ReissueRefused(Refusal):
    """A correction or re-issue that may not happen (message in Chinese)."""


def enter_corrections(registry: Registry, path: Path, entered_by: str) -> int:
    """Record a correction workbook's rows, awaiting a second person; returns the rows entered."""
    try:
        rows = read_corrections(path)
    except ValueError as problem:
        raise ReissueRefused(str(problem)) from problem
    problems = [f"第{row.row}行：{why}" for row in rows.itertuples() for why in _row_problems(row)]
    if problems:
        raise ReissueRefused(f"{path.name} 有误，未登记任何更正：\n" + "\n".join(problems))
    sha, now = file_sha256(path), dt.datetime.now(dt.UTC)
    values = [
        {**row, "source_sha256": sha, "entered_by": entered_by.strip(), "entered_at": now}
        for row in rows.drop(columns=["row", "lost_digits"]).to_dict("records")
    ]
    with registry.engine.begin() as connection:
        return store.add_corrections(connection, values)


def approve_corrections(registry: Registry, path: Path, approver: str) -> int:
    """A second person approves the corrections entered from this workbook (by its sha256)."""
    if not path.is_file():
        raise ReissueRefused(f"找不到账户更正表 {path.name}（{path}）")
    sha = file_sha256(path)
    with registry.engine.begin() as connection:
        people = {p.casefold() for p in store.correction_enterers(connection, sha)}
        if not people:
            raise ReissueRefused(f"{path.name} 中没有待审核的账户更正（未登记，或已审核）")
        if approver.strip().casefold() in people:
            raise ReissueRefused("账户更正须由登记人以外的另一人审核")
        return store.approve_corrections(connection, sha, approver.strip(), dt.datetime.now(dt.UTC))


@dataclass
class Reissue:
    folder: Path | None
    payments: pd.DataFrame
    waiting: list[str] = field(default_factory=list)  # not re-issued now, and why

    def summary(self) -> str:
        lines = []
        if self.folder is None:
            lines.append("没有可以重新支付的款项")
        else:
            total = int(self.payments["amount"].sum())
            lines.append(
                f"已准备重新支付 {len(self.payments)} 笔，{fen_text(total)} 元：{self.folder}"
                "（须经另一人 subsidy approve 批准后写出银行文件）"
            )
        lines += [f"  暂不重新支付：{w}" for w in self.waiting]
        return "\n".join(lines)


def prepare_reissue(registry: Registry, out: Path, prepared_by: str, on: dt.date) -> Reissue:
    """A re-issue batch of every failed or reversed payment that may be paid again now.

    The folder is written before the commit that records it; if anything fails before that
    commit ends, a folder this call created is removed, so none is left the registry does not
    know (and the next call starts afresh)."""
    _complete_earlier(registry, out)
    folder: Path | None = None
    created = False
    try:
        with registry.engine.begin() as connection:
            serialized(connection, SETTLE_LOCK)  # new rounds are numbered one at a time
            candidates = store.candidates(connection)
            corrections = store.approved_corrections(connection)
            chosen, waiting = _choose(candidates, corrections)
            if chosen.empty:
                return Reissue(None, chosen, waiting)
            # An original's earlier re-issues were all sent back (else it is no candidate):
            # each attempt has a batch and payment ids of its own, derived from the originals.
            tokens = [
                o if not a else f"{o}|{a}"
                for o, a in zip(chosen["original_payment_id"], chosen["attempt"], strict=True)
            ]
            digest = hashlib.sha256("|".join(sorted(tokens)).encode()).hexdigest()[:12]
            batch_id = f"reissue-{digest}"
            chosen["payment_id"] = [
                reissue_payment_id(o, int(a))
                for o, a in zip(chosen["original_payment_id"], chosen["attempt"], strict=True)
            ]
            chosen = chosen.drop(columns="attempt")
            folder = out / batch_id
            created = not folder.exists()
            _record(connection, folder, batch_id, chosen, prepared_by, on)
    except BaseException:
        if folder is not None and created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    crash_point("reissue-committed")
    completion.complete(folder, registry, own=(batch_id, None))  # its audit event
    return Reissue(folder, chosen, waiting)


def _record(
    connection: Connection,
    folder: Path,
    batch_id: str,
    chosen: pd.DataFrame,
    prepared_by: str,
    on: dt.date,
) -> None:
    """Write the re-issue batch's folder and record its batch, round, payments and release."""
    # Each re-issue is paid from its original's fund source, as the original's request named it.
    originals = chosen.assign(payment_id=chosen["original_payment_id"])
    first = first_as_of(connection, list(originals["payment_id"].astype(str)))
    funds = fund_sources(originals, first, load_policy())
    sources = dict(zip(chosen["program"], funds, strict=True))
    manifest = _write_folder(folder, batch_id, chosen, on, sources)
    rows = [
        {
            "payment_id": row.payment_id,
            "program": row.program,
            "period": row.period,
            "beneficiary_id": row.beneficiary_id,
            "amount_fen": int(row.amount),
            "bank_name": row.bank_name,
            "bank_account": str(row.bank_account)[:40],
            "original_payment_id": row.original_payment_id,
        }
        for row in chosen.itertuples()
    ]
    store.record_reissue_batch(connection, batch_id, manifest, rows, prepared_by.strip(), on)


def _complete_earlier(registry: Registry, out: Path) -> None:
    """Finish the re-issue batches under `out` whose command was killed after its commit."""
    with registry.engine.connect() as connection:
        folders = [out / batch_id for batch_id in store.reissue_batches(connection)]
    for folder in folders:
        completion.complete(folder, registry)


def _row_problems(row: object) -> list[str]:
    """What is wrong with one correction row, naming the workbook's own headers."""
    headers = {column: header for header, column in CORRECTION_COLUMNS.items()}
    lost = list(getattr(row, "lost_digits", []))
    problems = [f"{header}{LOST_DIGITS_MESSAGE}" for header in lost]
    for column in ("beneficiary_id", "name", "old_account", "new_bank", "new_account", "basis"):
        if headers[column] not in lost and not str(getattr(row, column)).strip():
            problems.append(f"{headers[column]}未填写")
    accounts = [str(getattr(row, c)) for c in ("old_account", "new_account")]
    for column, value in zip(("old_account", "new_account"), accounts, strict=True):
        if value and not (value.isascii() and value.isdigit() and 8 <= len(value) <= 32):
            problems.append(f"{headers[column]}应为8至32位数字")
    if accounts[0] and accounts[0] == accounts[1]:
        problems.append("新银行账号与原银行账号相同")
    return problems


def _choose(
    candidates: pd.DataFrame, corrections: dict[tuple[str, str], tuple[str, str]]
) -> tuple[pd.DataFrame, list[str]]:
    chosen, waiting = [], []
    keys: set[tuple[str, str, str]] = set()
    for row in candidates.itertuples():
        label = f"{row.original_payment_id}（{'退汇' if row.state == 'reversed' else '支付失败'}：{row.reason or '未说明'}）"
        if row.superseded:
            waiting.append(
                f"{label}：其后的补发或复核轮次 {row.superseded} 已按应付金额另行支付，不再重新支付"
            )
            continue
        if row.at_bank:
            waiting.append(f"{label}：同一受益对象另有支付在银行处理中")
            continue
        bank, account = str(row.bank), str(row.account)
        if _about_the_account(row):
            corrected = corrections.get((str(row.beneficiary_id), account))
            if corrected is None:
                waiting.append(f"{label}：原因涉及账户，待账户更正经审核后重新支付")
                continue
            bank, account = corrected
        key = (str(row.program), str(row.period), str(row.beneficiary_id))
        if key in keys:  # one payment per beneficiary, programme and year in a round
            waiting.append(f"{label}：同一受益对象的另一笔已在本次重新支付，待其办结后再重新支付")
            continue
        keys.add(key)
        chosen.append(
            {
                "original_payment_id": row.original_payment_id,
                "program": row.program,
                "period": row.period,
                "beneficiary_id": row.beneficiary_id,
                "beneficiary_name": row.name,
                "city": row.city,
                "bank_name": bank,
                "bank_account": account,
                "amount": int(row.amount),
                "kind": REISSUE,
                "attempt": int(row.attempt),
            }
        )
    return pd.DataFrame(
        chosen,
        columns=[
            "original_payment_id",
            "program",
            "period",
            "beneficiary_id",
            "beneficiary_name",
            "city",
            "bank_name",
            "bank_account",
            "amount",
            "kind",
            "attempt",
        ],
    ), waiting


def _write_folder(
    folder: Path, batch_id: str, chosen: pd.DataFrame, on: dt.date, sources: dict[str, str]
) -> str:
    """payments.csv, the 资金拨付申请表 and a manifest listing both, as a batch's round 0;
    returns the manifest's sha256."""
    kept = folder / "rounds" / "0"
    kept.mkdir(parents=True, exist_ok=True)
    total = int(chosen["amount"].sum())
    manifest = Manifest(
        batch_id=batch_id,
        as_of=on.isoformat(),
        policy_version=REISSUE,
        round=0,
        provisional_parameters=[],
        inputs=[],
        programs={},
        totals={"payments": fen_text(total)},
        bank_file=BankFile(len(chosen), fen_text(total), 0, "0.00"),
        decreases=Decreases(0, "0.00"),
    )
    written = {}
    data = payments_csv(chosen)
    policy = load_policy()
    department = str(policy.value("publication.department", on))
    request = funding_request_workbook(chosen, manifest, department, sources)
    for name, content in (("payments.csv", data), (FUNDING_REQUEST, request)):
        written[name] = write_atomic(folder / name, content)
        written[f"rounds/0/{name}"] = write_atomic(kept / name, content)
    body = manifest.with_outputs(written).to_json()
    write_atomic(kept / "manifest.json", body)
    return write_atomic(folder / "manifest.json", body)


def _about_the_account(row: object) -> bool:
    """As the return's format decided when it was applied; by the shared defaults for a
    failure recorded before formats said so (or settled by hand)."""
    decided = getattr(row, "account_problem", None)
    if decided is not None and not pd.isna(decided):
        return bool(decided)
    return about_the_account(getattr(row, "reason", None))
