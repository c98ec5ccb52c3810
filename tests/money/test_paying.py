"""SPEC §8 Fund sources: each payment's fund source, payer account and paying bank; a payment
whose fund source has no payer account entered is held, never sent from a guessed account."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from bank.formats import BankFormatError, format_for, load_formats
from bank.payers import PAYERS_FILE, load_payers
from money.paying import NO_FUND_SOURCE, fund_sources, paying_banks
from policy.parameters import load_policy

SOURCES = {"stabilization_refund": "失业保险基金", "new_hire": "就业补助资金"}
PAYMENTS = pd.DataFrame(
    {
        "payment_id": ["E1", "E2", "W1", "X1"],
        "program": ["stabilization_refund", "new_hire", "chongqing_labor", "chongqing_labor"],
        "bank_name": ["齐鲁银行", "中国农业银行", "重庆农村商业银行", "中国银行"],
    }
)


def test_paying_bank__an_enterprise_the_payer_accounts_bank_a_person_the_accounts_own() -> None:
    payers = load_payers()  # the tests run with SUBSIDY_DEMO=1: the made-up accounts
    sources = {**SOURCES, "chongqing_labor": "就业补助资金"}
    found = paying_banks(PAYMENTS, [sources[p] for p in PAYMENTS["program"]], payers)
    assert found.held.empty
    rows = found.payments.set_index("payment_id")
    assert rows.loc["E1", "paying_bank"] == payers["失业保险基金"].bank  # not 齐鲁银行
    assert rows.loc["E2", "paying_bank"] == payers["就业补助资金"].bank
    assert rows.loc["W1", "paying_bank"] == "重庆农村商业银行"  # the card's bank
    assert list(rows["payer"]) == ["uif", "esf", "esf", "esf"]
    assert rows.loc["E1", "payer_account"] == payers["失业保险基金"].account


def test_paying_bank__no_account_entered_or_no_fund_source_holds_the_payment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUBSIDY_DEMO", "0")  # production: the shipped file's accounts are empty
    payers = load_payers()
    assert not any(p.entered for p in payers.values())
    # chongqing_labor names no fund source here
    found = paying_banks(PAYMENTS, [SOURCES.get(p, "") for p in PAYMENTS["program"]], payers)
    held = dict(zip(found.held["payment_id"], found.held["reason"], strict=True))
    assert set(held) == {"E1", "E2", "W1", "X1"}
    assert "失业保险基金" in held["E1"] and "bank/payers.yaml" in held["E1"]
    assert held["W1"] == NO_FUND_SOURCE


def test_payers__the_departments_own_file_and_a_bad_code_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "payers.yaml"
    own.write_text(
        PAYERS_FILE.read_text(encoding="utf-8").replace(
            'account: ""', 'account: "9558800000000000001"', 1
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("SUBSIDY_DEMO", "0")
    monkeypatch.setenv("SUBSIDY_PAYERS", str(own))
    assert load_payers()["失业保险基金"].account == "9558800000000000001"
    own.write_text("payers:\n  失业保险基金: {code: 失业}\n", encoding="utf-8")
    with pytest.raises(BankFormatError, match="code"):
        load_payers()


def test_formats__the_longest_matching_bank_name_wins_and_the_departments_folder_adds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = (Path(__file__).parents[2] / "bank" / "formats" / "rural_core.yaml").read_text(
        encoding="utf-8"
    )
    (tmp_path / "jinan.yaml").write_text(
        shipped.replace("name: rural_core", "name: rural_core_jinan").replace(
            "banks: [农商银行, 农村商业银行, 农村信用社, 农信社]", "banks: [济南农村商业银行]"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("SUBSIDY_BANK_FORMATS", str(tmp_path))
    formats = load_formats()
    assert format_for("济南农村商业银行历下支行", formats).name == "rural_core_jinan"
    assert format_for("重庆农村商业银行", formats).name == "rural_core"
    monkeypatch.setenv("SUBSIDY_BANK_FORMATS", str(tmp_path / "不存在"))
    with pytest.raises(BankFormatError, match="不存在"):
        load_formats()


def test_fund_source__as_the_first_preparation_named_it_whatever_the_approval_date() -> None:
    """A re-issue keeps its original's fund source; a payment with no recorded preparation
    has none (and is held)."""
    policy = load_policy()
    found = fund_sources(PAYMENTS, {"E1": dt.date(2020, 12, 31), "W1": dt.date(2021, 3, 1)}, policy)
    assert found == ["失业保险基金", "", "就业补助资金", ""]


def test_payers__an_account_that_is_not_8_to_32_digits_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "payers.yaml"
    own.write_text("payers:\n  失业保险基金: {code: uif, account: 待填}\n", encoding="utf-8")
    monkeypatch.setenv("SUBSIDY_PAYERS", str(own))
    with pytest.raises(BankFormatError, match="8至32位数字"):
        load_payers()
