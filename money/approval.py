"""Approval of a review round (SPEC §8): maker-checker, budget, bank files written once.

A run *prepares* a round's payments (`payments.csv`, the ledger, the 资金拨付申请表); nothing
leaves until a person other than the preparer and the round's reviewers approves it (批准) or
sends it back (退回, with a reason). Approval, under one lock across all batches:

- checks the round's files against the registry (its manifest is the one the round committed,
  its `payments.csv` the one that manifest lists, the payments the registry holds);
- checks every programme's budget for the policy year (and city, where one is set): the total
  already released (failed payments count until re-issued) plus this release;
- stages the bank files (`bank.files`) and the round's 拨付审批单 and records their sha256;
  payments the files cannot carry are held, not released;
- marks the payments released and records the decision; once that commits, moves the files
  into `bank/` and appends the decision to the audit log (`money.completion`: a kill in
  between is finished by the next command on the batch).

`mark_sent` records the upload to the bank, then its `round_sent` event in the batch's audit
log (`money.audit_steps`, which also completes what an earlier command left missing).

The approver names the round (the one looked at), and it must be awaiting approval: a round
not named, already decided or unknown is refused with the rounds that are awaiting approval.
Sending back releases nothing and frees the round's claims for a corrected batch. Either
decision is final for the round.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bank.files import BankFile, BankRelease, bank_release, banks_of, holds
from bank.formats import BankFormat, load_formats
from bank.layouts import LAYOUTS
from bank.payers import Payer, load_payers
from ledger.faults import crash_point
from ledger.manifest import MANIFEST, Manifest
from ledger.outputs import file_sha256, write_atomic
from money import audit_steps as money_audit
from money import completion, recovery, release_states
from money.budget import BudgetLine, OverBudget, budget_lines
from money.card_channel import through_cards
from money.completion import APPROVE, BANK, SEND_BACK
from money.paying import fund_sources, paying_banks
from money.round_files import ApprovalRefused, RoundFiles, round_files
from policy.money import fen_grouped
from policy.parameters import PolicySet
from registry import releases as store
from registry.database import Connection, Registry, serialized
from registry.payment_states import first_as_of
from workbooks.approval_sheet import ApprovalFacts, FileLine, approval_file_name, approval_workbook
from workbooks.social_cards import SocialCards, no_card_list

NO_CARD_LIST = no_card_list("审批时未提供参考名单文件夹")

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
RELEASE_LOCK = 0x5B51D2  # PostgreSQL advisory lock: approvals run one at a time


@dataclass(frozen=True)
class Approval:
    batch_id: str
    round: int
    decision: str
    approver: str
    held: list[tuple[str, str]] = field(default_factory=list)  # payment id, why
    files: list[tuple[str, int, int]] = field(default_factory=list)  # name, rows, fen
    netted_fen: int = 0  # owed back to the fund (追回), netted off this round's payments
    budgets: list[BudgetLine] = field(default_factory=list)
    by_card: int = 0  # persons paid to their 社保卡
    by_application: int = 0  # persons paid to the application's account (no card, allowed)
    card_list: str = ""  # the 社保卡持卡库 read, with its sha256

    @property
    def released(self) -> int:
        """Payments written to bank files."""
        return sum(rows for _, rows, _ in self.files)

    @property
    def released_fen(self) -> int:
        return sum(fen for _, _, fen in self.files)

    def summary(self) -> str:
        if self.decision == SEND_BACK:
            return f"批次 {self.batch_id} 第 {self.round} 轮已退回，未拨付任何款项，该轮占用的申领资格已释放"
        lines = [
            f"批次 {self.batch_id} 第 {self.round} 轮已由 {self.approver} 批准：拨付 "
            f"{self.released} 笔，{fen_grouped(self.released_fen)} 元，银行文件 {len(self.files)} 个"
        ]
        lines += [f"  {name}：{rows} 笔，{fen_grouped(fen)} 元" for name, rows, fen in self.files]
        if self.by_card or self.by_application:
            lines.append(
                f"  个人补贴：发放至社保卡 {self.by_card} 笔；持卡库无社保卡、按申请账户发放 "
                f"{self.by_application} 笔（社保卡持卡库：{self.card_list}）"
            )
        if self.netted_fen:
            lines.append(
                f"  抵扣待追回款项 {fen_grouped(self.netted_fen)} 元（银行文件为抵扣后金额）"
            )
        lines += [f"  暂缓支付 {pid}：{why}" for pid, why in self.held]
        provisional = [b.label for b in self.budgets if b.provisional]
        if provisional:
            lines.append("  注意：预算为暂定值（" + "、".join(provisional) + "）")
        return "\n".join(lines)


def approve(
    folder: Path,
    approver: str,
    registry: Registry,
    policy: PolicySet,
    on: dt.date,
    *,
    round_: int,
    send_back: str | None = None,
    identity: str = "typed",
    formats: dict[str, BankFormat] | None = None,
    cards: SocialCards | None = None,
    payers: dict[str, Payer] | None = None,
) -> Approval:
    """批准 (or, with `send_back`, 退回) round `round_` of the batch in `folder`: the round the
    approver names, which must be awaiting approval (SPEC §8 settled points). `cards`: the
    社保卡持卡库 persons are paid through; without it every payment to a person is held.
    `payers`: each fund source's payer account (`bank/payers.yaml` when not given)."""
    approver = approver.strip()
    if not approver:
        raise ApprovalRefused("请填写审批人姓名")
    if send_back is not None and not send_back.strip():
        raise ApprovalRefused("退回须填写退回原因")
    finished = completion.complete(folder, registry)
    try:
        decision = _decide(
            folder,
            approver,
            registry,
            policy,
            on,
            send_back,
            identity,
            round_,
            formats,
            cards or NO_CARD_LIST,
            payers,
        )
    except ApprovalRefused as refused:
        if finished:
            raise ApprovalRefused("\n".join([*finished, str(refused)])) from refused
        raise
    crash_point("approve-committed")
    # The staged files into bank/, the decision's audit event, and any event of a later step
    # (sent, a return, a settlement) an earlier command left missing.
    completion.complete(folder, registry, own=(decision.batch_id, decision.round))
    money_audit.complete(registry, decision.batch_id, folder, "approve")
    return decision


def _decide(
    folder: Path,
    approver: str,
    registry: Registry,
    policy: PolicySet,
    on: dt.date,
    send_back: str | None,
    identity: str,
    round_: int,
    formats: dict[str, BankFormat] | None,
    cards: SocialCards,
    payers: dict[str, Payer] | None,
) -> Approval:
    """The decision, committed to the registry with the approval's files staged."""
    try:
        files = round_files(folder, round_)
    except ApprovalRefused as refused:
        raise ApprovalRefused(f"{refused}；{awaiting_text(folder, registry)}") from refused
    manifest = files.manifest
    risk_held = files.risk_holds  # rows held for a risk: said on the 拨付审批单
    batch_id, number = manifest.batch_id, manifest.round
    with registry.engine.begin() as connection:
        serialized(connection, RELEASE_LOCK)
        try:
            release = _release_row(connection, batch_id, number)
        except ApprovalRefused as refused:
            raise ApprovalRefused(f"{refused}；{_awaiting(connection, batch_id)}") from refused
        listed = _check_round(connection, files)
        _check_people(connection, release, approver, batch_id, number)
        now = dt.datetime.now(dt.UTC)
        sheet: tuple[str | None, str | None] = (None, None)
        if send_back is not None:
            release_states.set_states(
                connection, listed, "prepared", "sent_back", approver, send_back
            )
            _free_claims(connection, batch_id, number)
            decision = Approval(batch_id, number, SEND_BACK, approver)
            reason: str | None = send_back.strip()
        else:
            formats = formats or load_formats()
            # Persons are paid through their 社保卡 (or held); each payment is debited from its
            # fund source's payer account and goes to its paying bank (held when no account is
            # entered); payments a bank file cannot carry are held; the others must fit the
            # budget, carry what is owed back to the fund netted off, and one netted to
            # nothing writes no bank row.
            allowed = bool(policy.value("payment.application_account_allowed", on))
            channel = through_cards(listed, cards.cards, cards.missing, allowed)
            prepared_on = first_as_of(connection, list(channel.payments["payment_id"].astype(str)))
            sources = fund_sources(channel.payments, prepared_on, policy)
            paying = paying_banks(channel.payments, sources, payers or load_payers())
            listed = paying.payments
            first = pd.concat([channel.held, paying.held], ignore_index=True)
            first = first.drop_duplicates("payment_id")  # the card's reason first
            unheld = listed[~listed["payment_id"].isin(first["payment_id"])]
            held = pd.concat([first, holds(unheld, formats)], ignore_index=True)
            payable = listed[~listed["payment_id"].isin(held["payment_id"])]
            netted = recovery.net(connection, payable)  # undone with the refusal's rollback
            sent = payable.assign(
                amount=payable["amount"]
                - payable["payment_id"].map(netted).fillna(0).astype("int64")
            )
            try:  # net of the offsets: only what goes to the bank counts (SPEC §8 Budget)
                budgets = budget_lines(connection, sent, policy, on)
            except OverBudget as over:
                raise ApprovalRefused(str(over)) from over
            counting = [n for n, f in formats.items() if LAYOUTS[f.layout].by_line]
            files = bank_release(
                sent[sent["amount"] > 0],
                formats,
                batch_id,
                number,
                on,
                store.counted_today(connection, counting, on),
            ).files
            bank = BankRelease(files, held)
            decision = Approval(
                batch_id,
                number,
                APPROVE,
                approver,
                held=list(zip(held["payment_id"], held["reason"], strict=True)),
                files=[(f.name, f.rows, f.amount_fen) for f in files],
                netted_fen=sum(netted.values()),
                budgets=budgets,
                by_card=channel.by_card,
                by_application=channel.by_application,
                card_list=cards.source,
            )
            sheet_name = approval_file_name(batch_id, number)
            pending = _pending(folder, [f.name for f in files] + [sheet_name], number)
            for item, sha in _write_bank_files(pending, bank):
                store.add_bank_file(
                    connection,
                    batch_id=batch_id,
                    round=number,
                    file_name=item.name,
                    bank_format=item.bank_format,
                    account_type=item.account_type,
                    rows=item.rows,
                    amount_fen=item.amount_fen,
                    sha256=sha,
                    business_date=item.business_date,
                    fund_source=item.fund_source or None,
                    payer_account=item.payer_account or None,
                )
            facts = ApprovalFacts(
                batch_id,
                number,
                str(release["prepared_by"]),
                approver,
                _local(now),
                decision.released,
                decision.released_fen,
                decision.netted_fen,
                [
                    FileLine(
                        f.name,
                        f.rows,
                        f.amount_fen,
                        banks_of(f, sent),
                        f.account_type,
                        f.fund_source,
                        f.payer_account,  # the department's own account, shown whole
                        banks_of(f, sent, "paying_bank"),
                    )
                    for f in files
                ],
                decision.held,
                risk_held,
            )
            sheet = (
                sheet_name,
                write_atomic(pending / sheet_name, approval_workbook(facts, budgets)),
            )
            try:
                release_states.record_release(
                    connection, listed, bank, approver, batch_id, number, netted
                )
                release_states.mark_reissued(connection, listed, bank, approver)
            except ApprovalRefused:
                # Refused after staging (the round is ours under the lock): its staged files,
                # which hold accounts, go with the rolled-back decision.
                shutil.rmtree(pending, ignore_errors=True)
                raise
            reason = None
        store.set_release(
            connection,
            batch_id,
            number,
            decision=decision.decision,
            decided_by=approver,
            identity=identity,
            reason=reason,
            decided_at=now,
            approval_file=sheet[0],
            approval_sha256=sheet[1],
            folder=str(folder.resolve()),
        )
    return decision


def _awaiting(connection: Connection, batch_id: str) -> str:
    numbers = store.awaiting_rounds(connection, batch_id)
    if not numbers:
        return f"批次 {batch_id} 没有待审批的轮次"
    return "待审批的轮次：" + "、".join(f"第 {n} 轮" for n in numbers)


def awaiting_text(folder: Path, registry: Registry) -> str:
    """The rounds of the batch in `folder` awaiting approval, as the approver reads them."""
    if not (folder / MANIFEST).exists():
        return f"{folder} 不是批次输出目录"
    batch_id = Manifest.read(folder).batch_id
    with registry.engine.connect() as connection:
        return _awaiting(connection, batch_id)


def name_the_round(folder: Path, registry: Registry, how: str) -> ApprovalRefused:
    """An approval that names no round releases nothing: the approver names the round looked
    at (`how` says where), from those awaiting approval."""
    return ApprovalRefused(f"{how}指明审批的复核轮次；{awaiting_text(folder, registry)}")


def mark_sent(folder: Path, by: str, registry: Registry, round_: int | None = None) -> int:
    """Record that the round's bank files were uploaded to the bank; returns the payments sent.
    Every file the approval wrote under `bank/` must be there as recorded: a file edited or
    deleted since is not what was approved, and its upload is not recorded."""
    completion.complete(folder, registry)
    files = round_files(folder, round_, shown=False)  # what was approved: the bank files below
    batch_id, number = files.manifest.batch_id, files.manifest.round
    money_audit.complete(registry, batch_id, folder, "sent")  # what an earlier command left
    with registry.engine.begin() as connection:
        serialized(connection, RELEASE_LOCK)
        release = _release_row(connection, batch_id, number)
        if release["decision"] != APPROVE:
            raise ApprovalRefused(f"批次 {batch_id} 第 {number} 轮未经批准，不能登记为已报送银行")
        if release["sent_at"] is not None:
            raise ApprovalRefused(
                f"批次 {batch_id} 第 {number} 轮已于 {_local(release['sent_at'])} "
                f"由 {release['sent_by']} 登记为已报送银行"
            )
        changed = [
            name
            for name, (at, sha) in sorted(store.recorded_files(connection, batch_id).items())
            if at == number
            and (
                not (folder / BANK / name).is_file()
                or sha is None
                or file_sha256(folder / BANK / name) != sha
            )
        ]
        if changed:
            raise ApprovalRefused(
                f"批次 {batch_id} 第 {number} 轮的 bank/{'、'.join(changed)} 缺失或与审批时记录的 "
                "sha256 不符（被修改、替换或删除），不是批准的文件，不能登记为已报送银行"
            )
        sent = release_states.set_states(
            connection, files.payments, "released", "sent", by.strip(), "报送银行"
        )
        store.set_release(
            connection, batch_id, number, sent_by=by.strip(), sent_at=dt.datetime.now(dt.UTC)
        )
    crash_point("sent-committed")
    money_audit.complete(registry, batch_id, folder, "sent")
    return sent


def _local(moment: dt.datetime) -> str:
    """A recorded time as the department reads it (Beijing time)."""
    if moment.tzinfo is None:  # SQLite returns the UTC time without its zone
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _release_row(connection: Connection, batch_id: str, number: int) -> dict:  # type: ignore[type-arg]
    row = store.release_row(connection, batch_id, number)
    if row is None:
        raise ApprovalRefused(
            f"登记库中没有批次 {batch_id} 第 {number} 轮的经办记录（试运行不登记；或登记库地址不对）"
        )
    return row


def _check_round(connection: Connection, files: RoundFiles) -> pd.DataFrame:
    """The round's payments as listed, once they agree with the registry, with what the registry
    adds: period, seq, bank name, and the payment a re-issue replaces."""
    batch_id, number = files.manifest.batch_id, files.manifest.round
    if store.committed_manifest(connection, batch_id, number) != files.manifest_sha256:
        raise ApprovalRefused(
            f"批次 {batch_id} 第 {number} 轮的清单与登记库提交时记录的不一致（文件被修改或替换），不能拨付"
        )
    recorded = store.round_payments(connection, batch_id, number)
    listed = dict(zip(files.payments["payment_id"], files.payments["amount"], strict=True))
    if recorded["amount"].astype("int64").to_dict() != listed:
        raise ApprovalRefused(
            f"批次 {batch_id} 第 {number} 轮的 payments.csv 与登记库中的支付不一致，不能拨付"
        )
    # A re-issue names the failed or reversed payment it replaces (a top-up names one too, but
    # adds to it).
    recorded["original"] = recorded["original"].where(recorded["kind"] == "reissue", None)
    added = recorded[["period", "seq", "bank_name", "original"]].fillna(
        {"bank_name": "", "original": ""}
    )
    return files.payments.merge(
        added.astype({"period": str, "seq": "int64"}), left_on="payment_id", right_index=True
    )


def _check_people(
    connection: Connection,
    release: dict,  # type: ignore[type-arg]
    approver: str,
    batch_id: str,
    number: int,
) -> None:
    if release["decision"] is not None:
        raise ApprovalRefused(
            f"批次 {batch_id} 第 {number} 轮已于 {_local(release['decided_at'])} 由 "
            f"{release['decided_by']} {release['decision']}，不能再次审批；"
            + _awaiting(connection, batch_id)
        )
    same = approver.casefold()
    if same == str(release["prepared_by"]).strip().casefold():
        raise ApprovalRefused(
            f"审批人 {approver} 是本轮的经办人，不能审批自己经办的拨付（须由另一人审批）"
        )
    reviewers = store.reviewers(connection, batch_id, number)
    if same in {r.strip().casefold() for r in reviewers}:
        raise ApprovalRefused(
            f"审批人 {approver} 复核过本轮的申请，不能审批本轮拨付（须由另一人审批）"
        )


def _pending(folder: Path, names: list[str], number: int) -> Path:
    """An empty folder to stage the approval's files in until its commit. The round is
    undecided (checked under the lock), so what an earlier approval of it staged was never
    committed, and goes; a file of the same name already in `bank/` is not the registry's
    (left by a version that wrote there before its commit, or put there by hand): it is never
    replaced, and the approval waits until a person has seen to it."""
    there = [name for name in names if (folder / BANK / name).exists()]
    if there:
        raise ApprovalRefused(
            f"bank/ 中已有文件 {'、'.join(there)}，不是登记库记录的银行文件（可能是中断的审批"
            "留下的）：请核实未报送银行后移出 bank/，再审批"
        )
    pending = completion.pending_folder(folder, number)
    if pending.exists():
        shutil.rmtree(pending)
    pending.mkdir(mode=0o750)
    return pending


def _write_bank_files(pending: Path, bank: BankRelease) -> list[tuple[BankFile, str]]:
    """Each bank file staged, with its sha256."""
    return [(item, write_atomic(pending / item.name, item.data)) for item in bank.files]


def _free_claims(connection: Connection, batch_id: str, number: int) -> None:
    """A round sent back gives up the claims it granted, for a corrected batch (SPEC §8)."""
    store.free_claims(connection, batch_id, number)
