"""Re-issue (SPEC §8) when one beneficiary has two failed payments of one programme and year:
each failed payment gets a re-issue id of its own, derived from it; nothing crashes, and a
re-issue that fails to be recorded leaves no folder the registry does not know."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from money import reissue
from money.approval import approve
from policy.catalogue import CODES
from policy.parameters import load_policy
from registry import reissues as reissue_store
from registry.database import Registry
from registry.tables import batches, payment_states, payments, releases, rounds
from tests.registry.test_registry import registry_url  # noqa: F401  (the fixture)

ON = dt.date(2021, 1, 5)
PROGRAM = CODES[0]
BENEFICIARY = "91370100MA3C000001"


def two_failed_payments(registry: Registry, count: int = 2) -> list[str]:
    """A batch whose rounds 0 and 1 each paid the same beneficiary; both payments failed."""
    now = dt.datetime.now(dt.UTC)
    ids = ["PAAAAAAAAAAAAAA1", "PAAAAAAAAAAAAAA2"]
    with registry.engine.begin() as connection:
        connection.execute(
            insert(batches).values(
                batch_id="b1", lineage="L1", as_of=ON, policy_version="v", recorded_at=now, seq=1
            )
        )
        for number in range(count):
            connection.execute(
                insert(rounds).values(batch_id="b1", round=number, seq=number + 1, recorded_at=now)
            )
            connection.execute(
                insert(payments).values(
                    payment_id=ids[number],
                    batch_id="b1",
                    program=PROGRAM,
                    period="2020",
                    beneficiary_id=BENEFICIARY,
                    amount_fen=10000 * (number + 1),
                    bank_name="中国工商银行济南分行",
                    kind="payment",
                    round=number,
                    seq=number + 1,
                )
            )
            connection.execute(
                insert(payment_states).values(
                    payment_id=ids[number],
                    state="failed",
                    city="济南市",
                    sent_name="某某有限公司",
                    sent_account="6222000000000001",
                    sent_bank="中国工商银行济南分行",
                    bank_reason="系统故障",
                    updated_at=now,
                )
            )
    return ids


def test_reissue__two_failed_payments_of_one_beneficiary_each_get_their_own_id(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    with Registry(registry_url) as registry:
        ids = two_failed_payments(registry)
        first = reissue.prepare_reissue(registry, tmp_path / "out", "经办员", ON)
        assert first.folder is not None and first.folder.exists()
        # One payment per beneficiary, programme and year in a round: the other waits.
        assert list(first.payments["original_payment_id"]) == [ids[0]]
        assert any(ids[1] in w and "另一笔已在本次重新支付" in w for w in first.waiting)
        # Sent back, the original is failed again: a new attempt, a new batch and new ids.
        approve(first.folder, "审批员", registry, load_policy(), ON, round_=0, send_back="金额待核")
        second = reissue.prepare_reissue(registry, tmp_path / "out", "经办员", ON)
        assert second.folder is not None and second.folder != first.folder
        assert list(second.payments["original_payment_id"]) == [ids[0]]
        assert not set(second.payments["payment_id"]) & set(first.payments["payment_id"])
        approve(second.folder, "审批员", registry, load_policy(), ON, round_=0, send_back="再核")
        with registry.engine.connect() as connection:
            reissues = connection.execute(
                select(payments.c.payment_id, payments.c.original_payment_id).where(
                    payments.c.kind == "reissue"
                )
            ).all()
        assert len({pid for pid, _ in reissues}) == 2 == len(reissues)


def test_reissue__a_failure_before_the_commit_leaves_no_folder_and_the_next_run_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    out = tmp_path / "out"
    with Registry(url) as registry:
        two_failed_payments(registry, count=1)

        def insert_failing_at_the_release(table: object) -> object:
            if table is releases:
                raise RuntimeError("登记库连接中断")
            return insert(table)  # type: ignore[arg-type]

        monkeypatch.setattr(reissue_store, "insert", insert_failing_at_the_release)
        with pytest.raises(RuntimeError):
            reissue.prepare_reissue(registry, out, "经办员", ON)
        assert not out.exists() or list(out.iterdir()) == []
        with registry.engine.connect() as connection:
            assert connection.execute(select(releases)).all() == []
        monkeypatch.setattr(reissue_store, "insert", insert)
        done = reissue.prepare_reissue(registry, out, "经办员", ON)
        assert done.folder is not None and [p.name for p in out.iterdir()] == [done.folder.name]
