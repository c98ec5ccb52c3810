"""Individuals through their 社会保障卡 (SPEC §8): each card state of the 社保卡持卡库, a person
without a card (the application's account only where the dated parameter allows it), a list
that cannot be used, and the list read as a reference list is read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from money.card_channel import through_cards
from policy.parameters import load_policy
from workbooks.fast_writer import write_sheets
from workbooks.social_cards import SHEET, read_social_cards

PEOPLE = {  # id → (name, card account, 金融功能, 卡状态)
    "500101199001010011": ("甲", "6230000000000000011", "已激活", "正常"),
    "500101199001010022": ("乙", "6230000000000000022", "未激活", "正常"),
    "500101199001010033": ("丙", "6230000000000000033", "已激活", "挂失"),
    "500101199001010044": ("丁", "6230000000000000044", "已激活", "注销"),
    "500101199001010055": ("戊己", "6230000000000000055", "已激活", "正常"),  # name differs
}


def card_list(folder: Path, rows: list[list[object]] | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    table = (
        rows
        if rows is not None
        else [
            [pid, name, account, "重庆农村商业银行", active, status]
            for pid, (name, account, active, status) in PEOPLE.items()
        ]
    )
    columns = ["证件号码", "姓名", "社保卡银行账号", "开户银行", "金融功能", "卡状态"]
    write_sheets(folder / "社保卡持卡库.xlsx", {SHEET: pd.DataFrame(table, columns=columns)})
    return folder


def payments() -> pd.DataFrame:
    ids = [*PEOPLE, "500101199001010066"]  # the last has no card
    names = ["甲", "乙", "丙", "丁", "戊", "庚"]
    return pd.DataFrame(
        {
            "payment_id": [f"P{i}" for i in range(6)] + ["E1"],
            "program": ["chongqing_labor"] * 6 + ["stabilization_refund"],
            "beneficiary_id": [*ids, "91370100MA3C000001"],
            "beneficiary_name": [*names, "某某公司"],
            "bank_name": ["中国银行"] * 7,
            "bank_account": ["6217000000000000000"] * 6 + ["1602000000000001"],
            "amount": [150_000] * 7,
        }
    )


def test_card_channel__each_card_state_and_a_person_without_a_card(tmp_path: Path) -> None:
    cards = read_social_cards(card_list(tmp_path / "reference"))
    assert cards.usable and len(cards.cards) == 5
    strict = through_cards(payments(), cards.cards, cards.missing, application_allowed=False)
    reasons = dict(zip(strict.held["payment_id"], strict.held["reason"], strict=True))
    assert sorted(reasons) == ["P1", "P2", "P3", "P4", "P5"]
    assert "未激活" in reasons["P1"] and "挂失" in reasons["P2"] and "注销" in reasons["P3"]
    assert "姓名" in reasons["P4"] and "没有该人员的社保卡" in reasons["P5"]
    assert all(r.endswith("待核查") for r in reasons.values())
    paid = strict.payments.set_index("payment_id")
    # 甲 is paid to the card at the card's bank; the enterprise as it applied
    assert paid.loc["P0", "bank_account"] == "6230000000000000011"
    assert paid.loc["P0", "bank_name"] == "重庆农村商业银行"
    assert paid.loc["E1", "bank_account"] == "1602000000000001"
    assert (strict.by_card, strict.by_application) == (1, 0)
    # Where the parameter allows it, 庚 (no card) is paid to the application's account.
    allowed = through_cards(payments(), cards.cards, cards.missing, application_allowed=True)
    assert "P5" not in set(allowed.held["payment_id"]) and allowed.by_application == 1
    assert (
        allowed.payments.set_index("payment_id").loc["P5", "bank_account"] == "6217000000000000000"
    )


def test_card_channel__a_reissue_keeps_the_account_its_preparation_chose(tmp_path: Path) -> None:
    cards = read_social_cards(card_list(tmp_path / "reference"))
    again = payments().assign(original=["PORIG0", "", "", "", "", "", ""])
    again.loc[0, "bank_account"] = "6217999999999999999"  # a correction a second person approved
    done = through_cards(again, cards.cards, cards.missing, application_allowed=False)
    assert done.payments.loc[0, "bank_account"] == "6217999999999999999"
    assert "P0" not in set(done.held["payment_id"])
    assert "社保卡持卡库.xlsx sha256 " in cards.source  # what the approval names


def test_card_channel__the_dated_parameter_ends_application_accounts_in_october_2024() -> None:
    policy = load_policy()
    assert policy.value("payment.application_account_allowed", dt.date(2024, 9, 30)) is True
    assert policy.value("payment.application_account_allowed", dt.date(2024, 10, 1)) is False


@pytest.mark.parametrize("how", ["absent", "twice", "lost digits", "two cards"])
def test_card_channel__a_list_that_cannot_be_used_holds_every_person(
    tmp_path: Path, how: str
) -> None:
    folder = tmp_path / "reference"
    folder.mkdir()
    if how == "twice":
        card_list(folder)
        (folder / "副本.xlsx").write_bytes((folder / "社保卡持卡库.xlsx").read_bytes())
    if how == "lost digits":
        card_list(
            folder, [["500101199001010011", "甲", 6.23e18, "重庆农村商业银行", "已激活", "正常"]]
        )
    if how == "two cards":
        row = [
            "500101199001010011",
            "甲",
            "6230000000000000011",
            "重庆农村商业银行",
            "已激活",
            "正常",
        ]
        card_list(folder, [row, [*row[:2], "6230000000000000099", *row[3:]]])
    cards = read_social_cards(folder)
    done = through_cards(payments(), cards.cards, cards.missing, application_allowed=True)
    held = dict(zip(done.held["payment_id"], done.held["reason"], strict=True))
    if how == "two cards":  # usable, but which card is not guessed
        assert cards.usable and "2 条记录" in held["P0"]
        return
    assert not cards.usable
    assert sorted(held) == [f"P{i}" for i in range(6)]  # every person, never the enterprise
    assert {"absent": "没有找到", "twice": "2 个工作簿", "lost digits": "丢失"}[how] in held["P0"]
