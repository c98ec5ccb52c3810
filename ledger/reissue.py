"""Re-issue of failed and reversed payments, and the account corrections they may need (SPEC §8).

A failed or reversed payment is paid again as a `reissue` payment naming it, prepared as a batch
of its own (`reissue-<id>/`, one round) that goes through `subsidy approve` like any other: to
the same account when the bank's reason is not about the account (an outage, a temporary
freeze), otherwise only to a corrected account from an account-correction workbook that a
second person approved first. A payment is not re-issued while another payment to the same
beneficiary, programme and year is at the bank (released or sent, not yet settled), nor twice.
The original turns `reissued` when its re-issue is approved (`ledger.release`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, func, insert, select, update

from ledger import completion
from ledger.faults import crash_point
from ledger.manifest import BankFile, Decreases, Manifest
from ledger.outputs import file_sha256, payments_csv, write_atomic
from ledger.payments import reissue_payment_id
from ledger.registry import SETTLE_LOCK, Registry, serialized
from ledger.registry_tables import (
    account_corrections,
    batches,
    payment_events,
    payment_states,
    payments,
    releases,
    rounds,
)
from policy.money import fen_text
from policy.parameters import load_policy
from policy.refusal import Refusal
from validators.cleaning import LOST_DIGITS_MESSAGE
from workbooks.corrections import COLUMNS as CORRECTION_COLUMNS
from workbooks.corrections import read_corrections
from workbooks.funding_request import FUNDING_REQUEST, funding_request_workbook

REISSUE = completion.REISSUE
ACCOUNT_WORDS = ("账号", "户名", "销户", "注销", "不存在", "无此", "不符", "开户行", "挂失")


class ReissueRefused(Refusal):
    """A correction or re-issue that may not happen (message in Chinese)."""


def about_the_account(reason: str | None) -> bool:
    """Whether a bank's reason says the account itself is wrong (then a correction is needed)."""
    return any(word in (reason or "") for word in ACCOUNT_WORDS)


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
        before = _count(connection)
        if values:
            connection.execute(
                registry._insert(account_corrections).on_conflict_do_nothing(), values
            )
        return _count(connection) - before


def approve_corrections(registry: Registry, path: Path, approver: str) -> int:
    """A second person approves the corrections entered from this workbook (by its sha256)."""
    if not path.is_file():
        raise ReissueRefused(f"找不到账户更正表 {path.name}（{path}）")
    sha = file_sha256(path)
    with registry.engine.begin() as connection:
        entered = connection.execute(
            select(account_corrections.c.entered_by).where(
                account_corrections.c.source_sha256 == sha,
                account_corrections.c.approved_by.is_(None),
            )
        ).scalars()
        people = {str(p).casefold() for p in entered}
        if not people:
            raise ReissueRefused(f"{path.name} 中没有待审核的账户更正（未登记，或已审核）")
        if approver.strip().casefold() in people:
            raise ReissueRefused("账户更正须由登记人以外的另一人审核")
        done = connection.execute(
            update(account_corrections)
            .where(
                account_corrections.c.source_sha256 == sha,
                account_corrections.c.approved_by.is_(None),
            )
            .values(approved_by=approver.strip(), approved_at=dt.datetime.now(dt.UTC))
        )
        return int(done.rowcount)


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
            candidates = _candidates(connection)
            corrections = _approved_corrections(connection)
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
    manifest = _write_folder(folder, batch_id, chosen, on)
    seq = int(connection.execute(select(func.coalesce(func.max(rounds.c.seq), 0))).scalar())
    now = dt.datetime.now(dt.UTC)
    connection.execute(
        insert(batches).values(
            batch_id=batch_id,
            lineage=batch_id,
            as_of=on,
            policy_version=REISSUE,
            recorded_at=now,
            manifest_sha256=manifest,
            seq=seq + 1,
        )
    )
    connection.execute(
        insert(rounds).values(
            batch_id=batch_id, round=0, seq=seq + 1, manifest_sha256=manifest, recorded_at=now
        )
    )
    connection.execute(
        insert(payments),
        [
            {
                "payment_id": row.payment_id,
                "batch_id": batch_id,
                "program": row.program,
                "period": row.period,
                "beneficiary_id": row.beneficiary_id,
                "amount_fen": int(row.amount),
                "bank_name": row.bank_name,
                "kind": REISSUE,
                "original_payment_id": row.original_payment_id,
                "round": 0,
                "seq": seq + 1,
            }
            for row in chosen.itertuples()
        ],
    )
    connection.execute(
        insert(releases).values(
            batch_id=batch_id, round=0, prepared_by=prepared_by.strip(), prepared_at=now
        )
    )


def _complete_earlier(registry: Registry, out: Path) -> None:
    """Finish the re-issue batches under `out` whose command was killed after its commit."""
    with registry.engine.connect() as connection:
        earlier = connection.execute(
            select(batches.c.batch_id).where(batches.c.policy_version == REISSUE)
        ).scalars()
        folders = [out / str(batch_id) for batch_id in earlier]
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


def _count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(account_corrections)).scalar())


def _candidates(connection: Connection) -> pd.DataFrame:
    """Failed or reversed payments, with what was sent, and whether anything blocks them."""
    reissued = (
        select(payments.c.original_payment_id)
        .outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
        .where(
            payments.c.kind == REISSUE,
            func.coalesce(payment_states.c.state, "prepared") != "sent_back",
        )
    )
    frame = pd.DataFrame(
        connection.execute(
            select(
                payments.c.payment_id,
                payments.c.program,
                payments.c.period,
                payments.c.beneficiary_id,
                payments.c.amount_fen,
                payment_states.c.state,
                payment_states.c.city,
                payment_states.c.sent_name,
                payment_states.c.sent_bank,
                payment_states.c.sent_account,
                payment_states.c.bank_reason,
            )
            .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(
                payment_states.c.state.in_(["failed", "reversed"]),
                payments.c.payment_id.not_in(reissued),
            )
        ).all(),
        columns=[
            "original_payment_id",
            "program",
            "period",
            "beneficiary_id",
            "amount",
            "state",
            "city",
            "name",
            "bank",
            "account",
            "reason",
        ],
    )
    at_bank = set(
        connection.execute(
            select(payments.c.program, payments.c.period, payments.c.beneficiary_id)
            .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payment_states.c.state.in_(["released", "sent"]))
        ).all()
    )
    frame["at_bank"] = [
        (p, d, b) in at_bank
        for p, d, b in zip(frame["program"], frame["period"], frame["beneficiary_id"], strict=True)
    ]
    attempts = dict(
        connection.execute(
            select(payments.c.original_payment_id, func.count())
            .where(payments.c.kind == REISSUE)
            .group_by(payments.c.original_payment_id)
        ).all()
    )
    frame["attempt"] = frame["original_payment_id"].map(attempts).fillna(0).astype("int64")
    failed = frame[frame["state"] == "failed"]["original_payment_id"]
    replaced = superseded(connection, [str(p) for p in failed])
    frame["superseded"] = frame["original_payment_id"].map(replaced).astype(object).fillna("")
    return frame.sort_values("original_payment_id", ignore_index=True)


def superseded(connection: Connection, failed: list[str]) -> dict[str, str]:
    """Of these failed payments, each one a later payment of the same applications has already
    paid in its place (a top-up recorded after it failed counts a failed payment not re-issued
    as never granted, SPEC §8): failed id → that later payment. Re-issuing one would pay its
    claims beyond what they are owed."""
    if not failed:
        return {}
    failed_at: dict[str, dt.datetime] = {}
    for start in range(0, len(failed), 500):
        failed_at.update(
            connection.execute(
                select(payment_events.c.payment_id, func.max(payment_events.c.at))
                .where(
                    payment_events.c.payment_id.in_(failed[start : start + 500]),
                    payment_events.c.to_state == "failed",
                )
                .group_by(payment_events.c.payment_id)
            ).all()
        )
    found = _payments_of(connection, failed)
    if found.empty:
        return {}
    known = found.set_index("payment_id")
    result = {}
    for pid in failed:
        if pid not in known.index or pid not in failed_at:
            continue
        root = pid
        while known.at[root, "kind"] == REISSUE and known.at[root, "original"] in known.index:
            root = str(known.at[root, "original"])
        mine = known.loc[root]
        later = found[
            (found["lineage"] == mine["lineage"])
            # A later review round of the failed payment's own batch pays only what is owed
            # beyond it (`rounds.paid_before`): it leaves the failed amount to re-issue.
            & (found["batch_id"] != mine["batch_id"])
            & (found["program"] == mine["program"])
            & (found["period"] == mine["period"])
            & (found["beneficiary_id"] == mine["beneficiary_id"])
            & (found["kind"] != REISSUE)
            & (found["state"] != "sent_back")
            & (found["recorded_at"] > _naive(failed_at[pid]))
        ]
        if len(later):
            result[pid] = str(later.sort_values("recorded_at")["payment_id"].iloc[0])
    return result


def _payments_of(connection: Connection, ids: list[str]) -> pd.DataFrame:
    """Every payment to the beneficiaries of these payments, with its applications (lineage),
    when its round was recorded, and its state."""
    beneficiaries: set[str] = set()
    for start in range(0, len(ids), 500):
        beneficiaries.update(
            connection.execute(
                select(payments.c.beneficiary_id).where(
                    payments.c.payment_id.in_(ids[start : start + 500])
                )
            ).scalars()
        )
    listed = sorted(beneficiaries)
    rows = []
    for start in range(0, len(listed), 500):
        rows += connection.execute(
            select(
                payments.c.payment_id,
                payments.c.kind,
                payments.c.original_payment_id,
                batches.c.lineage,
                payments.c.batch_id,
                payments.c.program,
                payments.c.period,
                payments.c.beneficiary_id,
                rounds.c.recorded_at,
                func.coalesce(payment_states.c.state, "prepared"),
            )
            .join(batches, batches.c.batch_id == payments.c.batch_id)
            .join(
                rounds,
                (rounds.c.batch_id == payments.c.batch_id) & (rounds.c.round == payments.c.round),
            )
            .outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payments.c.beneficiary_id.in_(listed[start : start + 500]))
        ).all()
    columns = ["payment_id", "kind", "original", "lineage", "batch_id", "program", "period"]
    columns += ["beneficiary_id", "recorded_at", "state"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["recorded_at"] = [_naive(t) for t in frame["recorded_at"]]
    return frame.fillna({"kind": "payment", "original": ""})


def _naive(moment: dt.datetime) -> dt.datetime:
    """A recorded time in UTC without its zone (SQLite returns it so; PostgreSQL with it)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _approved_corrections(connection: Connection) -> dict[tuple[str, str], tuple[str, str]]:
    rows = connection.execute(
        select(
            account_corrections.c.beneficiary_id,
            account_corrections.c.old_account,
            account_corrections.c.new_bank,
            account_corrections.c.new_account,
        ).where(account_corrections.c.approved_by.is_not(None))
    ).all()
    return {(str(b), str(old)): (str(bank), str(new)) for b, old, bank, new in rows}


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
        if about_the_account(row.reason):
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


def _write_folder(folder: Path, batch_id: str, chosen: pd.DataFrame, on: dt.date) -> str:
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
    department = str(load_policy().value("publication.department", on))
    request = funding_request_workbook(chosen, manifest, department)
    for name, content in (("payments.csv", data), (FUNDING_REQUEST, request)):
        written[name] = write_atomic(folder / name, content)
        written[f"rounds/0/{name}"] = write_atomic(kept / name, content)
    body = manifest.with_outputs(written).to_json()
    write_atomic(kept / "manifest.json", body)
    return write_atomic(folder / "manifest.json", body)
