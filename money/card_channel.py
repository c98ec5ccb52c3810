"""Individuals are paid through their 社会保障卡 (SPEC §8; 财办〔2020〕37号 "一卡通"): at approval,
each payment to a person goes to the financial account of the person's card in the reference
list 社保卡持卡库, and its bank file to the card's issuing bank. It is held (待核查, a reason in
Chinese) when the list cannot be used, the person has no card or more than one, the card's
financial function is not activated, the card is lost (挂失) or cancelled (注销), or the holder's
name differs from the application's. The account an application gives is used only where the
list has no card for the person and the dated parameter `payment.application_account_allowed`
allows it on the approval date. Payments to enterprises are left as they are, and so is a
re-issue (the original's account, or a correction a second person approved).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from policy.catalogue import PROGRAMS

ACTIVATED, NORMAL = "已激活", "正常"
PENDING_CHECK = "待核查"


@dataclass(frozen=True)
class CardChannel:
    payments: pd.DataFrame  # the payments, persons' accounts and banks from their cards
    held: pd.DataFrame  # payment_id, reason
    by_card: int  # persons paid to their card
    by_application: int  # persons paid to the application's account (no card, allowed)


def through_cards(
    payments: pd.DataFrame, cards: pd.DataFrame, missing: str, application_allowed: bool
) -> CardChannel:
    """`payments`: payment_id, program, beneficiary_id, beneficiary_name, bank_name,
    bank_account; `cards` as `workbooks.social_cards` reads them (`missing`: why the list
    cannot be used, or "")."""
    found = payments.copy()
    by_id: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for card in cards.to_dict("records"):
        by_id.setdefault(str(card["id_number"]), []).append(card)
    held: list[tuple[str, str]] = []
    by_card = by_application = 0
    for index, row in found.iterrows():
        if not PROGRAMS[str(row["program"])].pays_person:
            continue
        if str(row.get("original", "") or ""):
            # A re-issue keeps the account its preparation chose: the original's, or the
            # correction a second person approved — never the card that just failed.
            continue
        pid, person = str(row["payment_id"]), str(row["beneficiary_id"])
        if missing:
            held.append(
                (pid, f"社保卡持卡库不可用（{missing}），个人补贴须发放至社保卡，{PENDING_CHECK}")
            )
            continue
        mine = by_id.get(person, [])
        if not mine:
            if application_allowed:
                by_application += 1
                continue
            held.append((pid, f"社保卡持卡库中没有该人员的社保卡，{PENDING_CHECK}"))
            continue
        why = _why_not(mine, str(row["beneficiary_name"]))
        if why:
            held.append((pid, f"{why}，{PENDING_CHECK}"))
            continue
        found.at[index, "bank_account"] = str(mine[0]["account"])
        found.at[index, "bank_name"] = str(mine[0]["bank"])
        by_card += 1
    return CardChannel(
        found, pd.DataFrame(held, columns=["payment_id", "reason"]), by_card, by_application
    )


def _why_not(cards: list[dict], name: str) -> str:  # type: ignore[type-arg]
    if len(cards) > 1:
        rows = "、".join(str(c["row"]) for c in cards)
        return f"社保卡持卡库中该证件号码有 {len(cards)} 条记录（第{rows}行），无法确定发放账户"
    card = cards[0]
    if card["status"] != NORMAL:
        return f"社保卡状态为“{card['status'] or '空'}”（须为正常）"
    if card["activation"] != ACTIVATED:
        return f"社保卡金融功能“{card['activation'] or '空'}”（须已激活）"
    if "".join(name.split()) != card["name"]:
        return f"社保卡持卡人姓名“{card['name']}”与申请姓名“{name}”不符"
    if not str(card["account"]).isdigit():
        return "社保卡银行账号为空或不是数字"
    return ""
