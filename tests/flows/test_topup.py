"""Retroactive top-up (补发, SPEC §7): the SME refund share rises from 50% to 100% after the
refunds were paid; rerunning the paid batch under the new parameters pays only the difference,
once, as `topup` payments naming the original ones; a decrease is listed for review and becomes
an amount owed back (追回, SPEC §8), netted off a later payment, never taken from an account."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from batch.run import TopupNotAsked
from flows.disburse import disburse
from policy.parameters import DEFAULT_POLICY_DIR
from registry.database import Registry
from registry.tables import payments
from tests.conftest import SAMPLES, cards_for_tests

CARDS = cards_for_tests()
pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = dt.date(2020, 12, 31)
APPLICATIONS = SAMPLES / "稳岗返还申请.xlsx"
FULL_SHARE = "{大型: 0.5, 中型: 1, 小型: 1, 微型: 1}"


def policy_with_shares(folder: Path, shares: str) -> Path:
    shutil.copytree(DEFAULT_POLICY_DIR, folder)
    path = folder / "stabilization_refund.yaml"
    text = path.read_text(encoding="utf-8")
    assert FULL_SHARE in text
    path.write_text(text.replace(FULL_SHARE, shares), encoding="utf-8")
    return folder


def run(out: Path, policy: Path | None, **options: object) -> Path:
    return Path(
        disburse(
            inputs=[str(APPLICATIONS)],
            reference=str(SAMPLES / "reference"),
            out=str(out),
            as_of=AS_OF,
            policy=str(policy) if policy else None,
            **options,
        )
    )


def bank_file(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "payments.csv").open(encoding="utf-8-sig") as handle:
        return {row["beneficiary_id"]: row for row in csv.DictReader(handle)}


def owed(folder: Path) -> dict[str, int]:
    """Approved refund per enterprise, in fen, from the batch's decisions."""
    with (folder / "decisions.csv").open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["outcome"] == "approved"]
    return {r["credit_code"]: round(float(r["amount"]) * 100) for r in rows}


def recorded(out: Path) -> list[tuple]:
    registry = Registry(f"sqlite:///{out / 'registry.sqlite'}")
    try:
        with registry.engine.connect() as connection:
            columns = (
                payments.c.payment_id,
                payments.c.batch_id,
                payments.c.beneficiary_id,
                payments.c.amount_fen,
                payments.c.kind,
                payments.c.original_payment_id,
            )
            return sorted(connection.execute(payments.select().with_only_columns(*columns)))
    finally:
        registry.dispose()


def test_topup__50_to_100_percent_pays_the_difference_once_naming_the_original(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    half = policy_with_shares(tmp_path / "half", "{大型: 0.5, 中型: 0.5, 小型: 0.5, 微型: 0.5}")
    first = run(out, half)
    paid_first = {code: round(float(r["amount"]) * 100) for code, r in bank_file(first).items()}
    first_ids = {code: r["payment_id"] for code, r in bank_file(first).items()}
    assert paid_first, "the sample batch pays refunds"

    # The packaged parameters (SMEs 100%) alone never pay: a top-up names the paid batch.
    with pytest.raises(TopupNotAsked, match=f"topup_of={first.name}"):
        run(out, None)
    assert {r[1] for r in recorded(out)} == {first.name}
    second = run(out, None, topup_of=first.name)
    assert second != first
    full = owed(second)
    topups = bank_file(second)
    sizes = _sizes()
    smes = {code for code in full if sizes[code] != "大型"}
    assert smes and set(full) - smes, "the sample has SMEs and a large enterprise"
    # 100% is the contributions themselves; 50% was half-up to the fen; the top-up is the rest.
    for code in smes:
        contributions = full[code]
        assert paid_first[code] == (contributions + 1) // 2
        assert round(float(topups[code]["amount"]) * 100) == contributions - paid_first[code]
    assert set(topups) == smes  # large enterprises: 50% both times, nothing more to pay

    rows = {(r[2], r[4]): r for r in recorded(out)}
    for code in smes:
        topup = rows[(code, "topup")]
        assert topup[5] == first_ids[code]  # names the original payment
        assert topup[3] == full[code] - paid_first[code]
    total = sum(r[3] for r in recorded(out))
    assert total == sum(full.values())  # each paid exactly what it is owed, in all

    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["bank_file"]["topups"] == len(smes)
    cities = list(load_workbook(second / "ledger.xlsx", read_only=True)["地市金额"].values)
    column = cities[0].index("失业保险稳岗返还")
    city_rows = cities[1 : next(i for i, row in enumerate(cities) if not any(row))]
    in_cities = round(sum(row[column] for row in city_rows) * 100)
    assert in_cities == sum(full.values())  # owed in all, as the programme total says
    assert manifest["programs"]["stabilization_refund"]["amount"] == f"{in_cities / 100:.2f}"
    sheet = list(load_workbook(second / "ledger.xlsx", read_only=True)["支付明细"].values)
    kind, original = sheet[0].index("支付类型"), sheet[0].index("原支付编号")
    rows = sheet[1 : next(i for i, row in enumerate(sheet) if not any(row))]  # 合计 after
    assert sorted((row[kind], row[original]) for row in rows) == sorted(
        ("补发", first_ids[code]) for code in smes
    )

    # A second rerun under the same new parameters: same bank file, nothing paid again.
    before = recorded(out)
    again = run(out, None)
    assert again == second
    assert (again / "payments.csv").read_bytes() == (second / "payments.csv").read_bytes()
    assert recorded(out) == before
    # A dry run of the same applications writes beside the batch, never over its bank file.
    bank = (second / "payments.csv").read_bytes()
    dry = run(out, None, dry_run=True)
    assert dry.name == f"{second.name}.dry-run"
    assert (second / "payments.csv").read_bytes() == bank
    assert (dry / "payments.csv").read_bytes() != bank  # gross amounts: no registry to net
    # Rerunning the first batch now still writes its own bank file, and pays nothing new.
    assert (run(out, half) / "payments.csv").read_bytes() == (first / "payments.csv").read_bytes()
    assert recorded(out) == before


def test_topup__a_decrease_is_listed_for_review_and_nothing_is_paid(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run(out, None)
    paid = recorded(out)
    lower = policy_with_shares(tmp_path / "lower", "{大型: 0.25, 中型: 1, 小型: 1, 微型: 1}")
    folder = run(out, lower, topup_of=first.name)
    assert bank_file(folder) == {}
    assert recorded(out) == paid
    large = {code for code, size in _sizes().items() if size == "大型"}
    paid_large = {r[2]: r[3] for r in paid if r[2] in large}
    now = owed(folder)
    assert paid_large and set(paid_large) <= set(now)
    for code, amount in paid_large.items():
        assert abs(2 * now[code] - amount) <= 1  # 25% is half of 50%, give or take a fen
    decrease = sum(amount - now[code] for code, amount in paid_large.items())
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["decreases"] == {
        "beneficiaries": len(paid_large),
        "amount": f"{decrease / 100:.2f}",
    }
    sheet = list(load_workbook(folder / "ledger.xlsx", read_only=True)["核减待复核"].values)
    assert {row[1] for row in sheet[1:]} == set(paid_large)
    assert {row[8] for row in sheet[1:]} == {"已登记待追回：此后对其支付先行抵扣，或追回后登记"}


def _sizes() -> dict[str, str]:
    """Declared size per credit code in the sample applications."""
    from tests.pipeline import decide

    files, _ = decide(SAMPLES, SAMPLES / "reference")
    [refunds] = [f for f in files if f.program == "stabilization_refund"]
    frame = refunds.sheets["稳岗返还"].frame
    return dict(zip(frame["credit_code"], frame["declared_size"], strict=True))


def test_topup_of__continues_the_paid_batch_even_with_a_new_as_of_default_and_reference_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main

    out = tmp_path / "out"
    half = policy_with_shares(tmp_path / "half", "{大型: 0.5, 中型: 0.5, 小型: 0.5, 微型: 0.5}")
    first = run(out, half)
    reference = tmp_path / "reference"
    shutil.copytree(SAMPLES / "reference", reference)
    resaved = load_workbook(reference / "严重失信名单.xlsx")
    resaved.save(reference / "严重失信名单.xlsx")  # same list, other bytes: another lineage
    command = ["run", str(APPLICATIONS), "--out", str(out), "--reference", str(reference)]
    command += ["--no-progress"]  # no --as-of: today, unless the top-up takes the batch's
    assert main([*command, "--topup-of", "0000000000000000"]) == 1
    assert "支付登记库中没有批次 0000000000000000" in capsys.readouterr().err
    capsys.readouterr()
    assert main([*command, "--topup-of", first.name]) == 0
    second = Path(capsys.readouterr().out.strip().splitlines()[-1])
    paid = recorded(out)
    kinds = {r[4] for r in paid if r[1] == second.name}
    assert kinds == {"topup"}  # only differences, nothing paid twice, no DUPLICATE_CLAIM
    assert sum(r[3] for r in paid) == sum(owed(second).values())
    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == AS_OF.isoformat()


def test_topup__a_decrease_becomes_an_amount_owed_back_and_is_netted_off_a_later_top_up(
    tmp_path: Path,
) -> None:
    """SPEC §8: the decrease is a recovery item (待追回), recorded once; a later payment to the
    same beneficiary carries it off first and the bank row only the rest; paid, it is 已抵扣."""
    from money import recovery
    from money.approval import approve, mark_sent
    from money.reconcile import reconcile
    from policy.parameters import load_policy

    out = tmp_path / "out"
    url = f"sqlite:///{out / 'registry.sqlite'}"
    on = dt.date(2021, 1, 5)
    first = run(out, None, prepared_by="经办员")
    lower = policy_with_shares(tmp_path / "lower", "{大型: 0.25, 中型: 1, 小型: 1, 微型: 1}")
    run(out, lower, topup_of=first.name, prepared_by="经办员")
    run(out, lower, topup_of=first.name, prepared_by="经办员")  # a rerun records nothing new
    with Registry(url) as registry:
        approve(first, "审批员", registry, load_policy(), on, round_=0, cards=CARDS)
        items = recovery.items_frame(registry)
        large = {code for code, size in _sizes().items() if size == "大型"}
        assert set(items["beneficiary_id"]) == large and (items["status"] == "待追回").all()
        owed_back = dict(zip(items["beneficiary_id"], items["amount_fen"], strict=True))
    # Back to the full share: each large enterprise is owed a top-up of the 25 points again.
    higher = policy_with_shares(tmp_path / "higher", "{大型: 0.75, 中型: 1, 小型: 1, 微型: 1}")
    topup = run(out, higher, topup_of=first.name, prepared_by="经办员")
    gross = {code: int(Decimal(r["amount"]) * 100) for code, r in bank_file(topup).items()}
    assert set(gross) == large
    with Registry(url) as registry:
        done = approve(topup, "审批员", registry, load_policy(higher), on, round_=0, cards=CARDS)
        assert done.netted_fen == sum(min(gross[c], owed_back[c]) for c in large)
        assert done.released_fen == sum(max(gross[c] - owed_back[c], 0) for c in large)
        mark_sent(topup, "经办员", registry)
        listed = bank_file(topup)
        back = tmp_path / "回盘.csv"
        lines = [
            [
                row["payment_id"],
                row["bank_account"],
                row["beneficiary_name"],
                f"{(gross[code] - min(gross[code], owed_back[code])) / 100:.2f}",
                "成功",
                "",
            ]
            for code, row in listed.items()
            if gross[code] > owed_back[code]
        ]
        if lines:  # netted to nothing: settled at approval, nothing comes back from the bank
            with back.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["付款编号", "账号", "户名", "金额", "结果", "失败原因"])
                writer.writerows(lines)
            reconcile(back, registry, "对账员")
        items = recovery.items_frame(registry)
        left = {c: max(owed_back[c] - gross[c], 0) for c in large}  # rounding: a fen, maybe
        assert dict(zip(items["beneficiary_id"], items["open"], strict=True)) == left
        expected = {c: "待追回" if left[c] else "已抵扣" for c in large}
        assert dict(zip(items["beneficiary_id"], items["status"], strict=True)) == expected
        from money.proof import prove

        [proof] = prove(registry, topup.name, topup)
        assert proof.balances and proof.problems == [] and proof.offsets + proof.netted > 0


def test_topup__a_failed_payment_not_re_issued_is_not_granted_and_a_re_issue_is_named(
    tmp_path: Path,
) -> None:
    """SPEC §8 Top-ups: what a claim is owed now beyond what it was granted, failed payments
    not re-issued excluded, naming the latest payment that was not failed. A failed payment the
    top-up paid in full is never re-issued after it (nothing paid beyond what is owed)."""
    from money.approval import approve, mark_sent
    from money.proof import overpaid
    from money.reconcile import reconcile
    from money.reissue import prepare_reissue
    from policy.parameters import load_policy

    out = tmp_path / "out"
    url = f"sqlite:///{out / 'registry.sqlite'}"
    on = dt.date(2021, 1, 5)
    half = policy_with_shares(tmp_path / "half", "{大型: 0.5, 中型: 0.5, 小型: 0.5, 微型: 0.5}")
    first = run(out, half, prepared_by="经办员")
    listed = bank_file(first)
    sizes = _sizes()
    smes = sorted(code for code in listed if sizes[code] != "大型")
    assert len(smes) >= 3, "the sample pays at least three SMEs"
    failed, reissued = smes[0], smes[1]

    def returned(name: str, rows: dict[str, tuple[str, str]]) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["付款编号", "账号", "户名", "金额", "结果", "失败原因"])
            for code, (result, reason) in rows.items():
                row = listed[code]
                writer.writerow(
                    [
                        row["payment_id"],
                        row["bank_account"],
                        row["beneficiary_name"],
                        row["amount"],
                        result,
                        reason,
                    ]
                )
        return path

    with Registry(url) as registry:
        approve(first, "审批员", registry, load_policy(half), on, round_=0, cards=CARDS)
        mark_sent(first, "经办员", registry)
        others = {c: ("成功", "") for c in listed if c not in (failed, reissued)}
        reconcile(
            returned("回盘-1.csv", {reissued: ("失败", "系统故障"), **others}), registry, "对账员"
        )
        redo = prepare_reissue(registry, out, "经办员", on)
        assert redo.folder is not None and len(redo.payments) == 1
        approve(redo.folder, "审批员", registry, load_policy(), on, round_=0, cards=CARDS)
        reissue_id = str(redo.payments["payment_id"].iloc[0])
        # The other SME's payment fails after its neighbour's re-issue: never re-issued.
        reconcile(returned("回盘-2.csv", {failed: ("失败", "系统故障")}), registry, "对账员")
    second = run(out, None, topup_of=first.name, prepared_by="经办员")
    full = owed(second)
    topups = bank_file(second)
    rows = {r[2]: r for r in recorded(out) if r[1] == second.name}
    paid_first = {code: int(Decimal(r["amount"]) * 100) for code, r in listed.items()}
    # The failed payment was never granted: the claim is owed in full, as a payment of its own.
    assert int(Decimal(topups[failed]["amount"]) * 100) == full[failed]
    assert rows[failed][3] == full[failed] and rows[failed][4] == "payment"
    assert rows[failed][5] is None
    # The re-issued one counts once, and the top-up names the re-issue (latest not failed).
    assert rows[reissued][3] == full[reissued] - paid_first[reissued]
    assert rows[reissued][4] == "topup" and rows[reissued][5] == reissue_id
    for code in smes[2:]:
        assert rows[code][3] == full[code] - paid_first[code]
        assert rows[code][5] == listed[code]["payment_id"]
    with Registry(url) as registry:
        again = prepare_reissue(registry, out, "经办员", on)
        assert again.folder is None
        assert any(listed[failed]["payment_id"] in w and "补发" in w for w in again.waiting)
        assert overpaid(registry) == []
