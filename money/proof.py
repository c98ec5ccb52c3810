"""The proof of the money loop (SPEC §8), per batch and round:

    released = paid + failed-not-re-issued + reversed-not-re-issued + unreconciled

in fen, gross (a discrepancy's bank amount shown apart); every row of every bank file recorded
for the round is a released payment of that round with the same amount, and the file on disk is
the one recorded (sha256); no beneficiary is paid beyond what the registry says it is owed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bank.files import rows_of
from bank.formats import load_formats
from bank.layout import line_key
from ledger.outputs import file_sha256
from policy.money import fen_grouped
from registry.database import Registry
from registry.payment_states import batch_states, owed_and_paid
from registry.releases import batch_files, round_decisions, sent_days

STATES = ("released", "sent", "paid", "failed", "reversed", "reissued", "netted")
STATE_NAMES = {
    "prepared": "待审批",
    "held": "暂缓支付",
    "sent_back": "已退回",
    "released": "已批准未报送",
    "sent": "已报送未对账",
    "paid": "支付成功",
    "failed": "支付失败",
    "reversed": "退汇",
    "reissued": "已重发",
    "netted": "全额抵扣追回",
}


@dataclass
class RoundProof:
    batch_id: str
    round: int
    decision: str
    released: int = 0
    paid: int = 0
    failed: int = 0
    reversed: int = 0
    reissued: int = 0
    netted: int = 0  # settled by netting against amounts owed back (追回), no bank row
    offsets: int = 0  # netted off payments that still went to the bank (shown apart)
    unreconciled: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    discrepancies: list[str] = field(default_factory=list)  # paid, differing: for a person
    at_bank: list[str] = field(default_factory=list)  # 转下批/处理中, 发送超时/状态未知, with age
    problems: list[str] = field(default_factory=list)

    @property
    def balances(self) -> bool:
        return self.released == (
            self.paid
            + self.failed
            + self.reversed
            + self.reissued
            + self.netted
            + self.unreconciled
        )

    def lines(self) -> list[str]:
        head = f"批次 {self.batch_id} 第 {self.round} 轮（{self.decision or '待审批'}）"
        if self.decision != "批准":
            return [head + "：未拨付"]
        return [
            head,
            f"  拨付 {fen_grouped(self.released)} = 支付成功 {fen_grouped(self.paid)}"
            f" + 失败未重发 {fen_grouped(self.failed)} + 退汇未重发 {fen_grouped(self.reversed)}"
            f" + 已重发 {fen_grouped(self.reissued)} + 全额抵扣 {fen_grouped(self.netted)}"
            f" + 未对账 {fen_grouped(self.unreconciled)}  {'平衡' if self.balances else '不平衡'}",
            f"  （以上为应付金额；其中抵扣待追回款项 {fen_grouped(self.offsets)} 元，银行文件为抵扣后金额）",
            *[f"  支付成功但与银行文件不符（须人工核对）：{d}" for d in self.discrepancies],
            *[f"  {line}" for line in self.at_bank],
            "  笔数："
            + "，".join(f"{STATE_NAMES.get(k, k)} {v}" for k, v in sorted(self.counts.items())),
        ]


def prove(
    registry: Registry, batch_id: str, folder: Path | None, today: dt.date | None = None
) -> list[RoundProof]:
    """The proof of each round of a batch that has a release record (`today`: the day the
    ages of payments still at the bank are counted to, Beijing time)."""
    with registry.engine.connect() as connection:
        decided = round_decisions(connection, batch_id)
        sent_on = sent_days(connection, batch_id)
        states = batch_states(connection, batch_id)
        files = batch_files(connection, batch_id)
    states["state"] = states["state"].fillna("prepared")
    proofs = []
    for number, decision, sheet, sheet_name in decided:
        mine = states[states["round"] == number]
        proof = RoundProof(batch_id, int(number), str(decision or ""))
        proof.counts = {str(k): int(v) for k, v in mine["state"].value_counts().items()}
        differing = mine[mine["discrepancy"].notna() & (mine["state"] == "paid")]
        proof.discrepancies = [
            f"{p}：{d}"
            for p, d in zip(differing["payment_id"], differing["discrepancy"], strict=True)
        ]

        def total(*names: str, frame: pd.DataFrame = mine) -> int:
            return int(frame[frame["state"].isin(names)]["amount"].sum())

        proof.released = total(*STATES)
        proof.paid = total("paid")
        proof.failed = total("failed")
        proof.reversed = total("reversed")
        proof.reissued = total("reissued")
        proof.netted = total("netted")
        proof.unreconciled = total("released", "sent")
        proof.at_bank = still_at_bank(mine, sent_on.get(int(number)), today or beijing_today())
        in_files = mine[mine["bank_file"].notna()]
        proof.offsets = int(
            (in_files["amount"] - in_files["sent"].fillna(in_files["amount"])).sum()
        )
        if not proof.balances:
            proof.problems.append(f"批次 {batch_id} 第 {number} 轮拨付金额与各状态之和不平衡")
        proof.problems += _bank_file_problems(mine, files[files["round"] == number], folder)
        proof.problems += _approval_sheet_problems(int(number), (sheet, sheet_name), folder)
        proofs.append(proof)
    return proofs


AT_BANK = {
    "pending": "银行处理中（转下批/处理中），仍为已报送",
    "unknown": "银行状态未知（发送超时/状态未知），结清前不得重发",
}


def still_at_bank(mine: pd.DataFrame, sent_on: dt.date | None, today: dt.date) -> list[str]:
    """Each payment the bank still holds (SPEC §8: listed with its age), oldest first."""
    waiting = mine[(mine["state"] == "sent") & mine["bank_status"].isin(list(AT_BANK))]
    age = f"已报送 {(today - sent_on).days} 天（{sent_on} 报送）" if sent_on else "报送日期未登记"
    return [
        f"{AT_BANK[str(status)]}：付款 {pid}，{fen_grouped(int(fen))} 元，{age}"
        for pid, status, fen in zip(
            waiting["payment_id"],
            waiting["bank_status"],
            waiting["sent"].fillna(waiting["amount"]),
            strict=True,
        )
    ]


def beijing_today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def _bank_file_problems(mine: pd.DataFrame, files: pd.DataFrame, folder: Path | None) -> list[str]:
    """Every released payment is in exactly one recorded bank file, with its amount; each file
    on disk is the recorded one and holds exactly those rows."""
    problems = []
    released = mine[mine["state"].isin(STATES) & mine["bank_file"].notna()]
    carried = released["sent"].fillna(released["amount"]).astype("int64")
    recorded_total = int(files["amount"].sum())
    if recorded_total != int(carried.sum()):
        problems.append(
            f"银行文件合计 {fen_grouped(recorded_total)} 元与拨付（抵扣后）合计 "
            f"{fen_grouped(int(carried.sum()))} 元不符"
        )
    if folder is None:
        return problems
    formats = load_formats()
    expected = dict(zip(released["payment_id"], carried, strict=True))
    # A layout without a payment id (a bank core's) tells its lines apart by account and
    # 当日次数: each payment is found under that key in its own file.
    keyed = released[released["day_count"].notna()]
    by_line = {
        line_key(str(a), c): p
        for p, a, c in zip(
            keyed["payment_id"], keyed["sent_account"], keyed["day_count"], strict=True
        )
    }
    seen: dict[str, int] = {}
    for item in files.itertuples():
        path = folder / "bank" / str(item.file_name)
        if not path.exists():
            problems.append(f"缺少银行文件 {path.name}")
            continue
        if file_sha256(path) != item.sha256:
            problems.append(f"银行文件 {path.name} 与登记库记录的 sha256 不符（被修改或替换）")
            continue
        for key, fen in rows_of(path.read_bytes(), formats[str(item.bank_format)]):
            payment_id = by_line.get(key, key)
            if payment_id in seen:
                problems.append(f"付款 {payment_id} 出现在多个银行文件行中")
            seen[payment_id] = fen
            if expected.get(payment_id) != fen:
                problems.append(f"银行文件 {path.name} 中的付款 {payment_id} 不是本轮拨付的金额")
    for payment_id in sorted(expected.keys() - seen.keys()):
        problems.append(f"已拨付的付款 {payment_id} 不在任何银行文件中")
    return problems


def _approval_sheet_problems(
    number: int, recorded: tuple[str | None, str | None], folder: Path | None
) -> list[str]:
    """The round's 拨付审批单 is the file its approval wrote (`recorded`: its sha256 and name;
    rounds approved before these were recorded have none to compare)."""
    sha, name = recorded
    if folder is None or sha is None or name is None:
        return []
    path = folder / "bank" / name
    if not path.exists():
        return [f"缺少第 {number} 轮的拨付审批单 {path.name}"]
    if file_sha256(path) != sha:
        return [f"拨付审批单 {path.name} 与登记库记录的 sha256 不符（被修改或替换）"]
    return []


def overpaid(registry: Registry) -> list[str]:
    """Beneficiaries the bank paid more (net of reversals) than the registry says they are owed
    (every payment prepared for them and not sent back)."""
    with registry.engine.connect() as connection:
        frame = owed_and_paid(connection)
    if frame.empty:
        return []
    frame["state"] = frame["state"].fillna("prepared")
    frame["owed"] = frame["owed"].where(~frame["state"].isin(["sent_back"]), 0)
    frame["paid"] = frame["bank"].fillna(0).where(frame["state"] == "paid", 0)
    sums = frame.groupby(["program", "period", "beneficiary"])[["owed", "paid"]].sum()
    over = sums[sums["paid"] > sums["owed"]]
    return [
        f"{program} {period} {beneficiary[:6]}…：已支付 {fen_grouped(int(r.paid))} 元，超过应付 "
        f"{fen_grouped(int(r.owed))} 元"
        for (program, period, beneficiary), r in zip(over.index, over.itertuples(), strict=True)
    ]
