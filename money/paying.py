"""Each payment's fund source, payer account and paying bank at approval (SPEC §8 Fund sources).

A cash programme names its fund source (the dated `payment.fund_source`, read on the payment's
first assessment date, as its 资金拨付申请表 named it; a re-issue keeps its original's); the
fund source's payer account (`bank/payers.yaml`) is debited. The *paying bank* executes
the payment: for an enterprise, the bank of the payer account (its 代理银行); for a person, the
bank of the account paid — the 社保卡's issuing cooperating bank (set by `money.card_channel`),
or the application's bank where that is allowed. A payment whose programme names no fund source,
or whose fund source has no payer account entered, is held: nothing is sent from a guessed
account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from bank.payers import Payer, payer_of
from policy.catalogue import PROGRAMS
from policy.parameters import PolicySet

NO_FUND_SOURCE = "项目未在政策参数 payment.fund_source 中指定资金来源，未写入银行文件"


def fund_sources(
    payments: pd.DataFrame, as_of: Mapping[str, dt.date], policy: PolicySet
) -> list[str]:
    """Each payment's fund source: the `payment.fund_source` in force on its first
    preparation's assessment date (`as_of`, by payment id: `registry.payment_states.
    first_as_of`), as its 资金拨付申请表 named it; a re-issue keeps its original's. "" where
    none is named."""
    mappings: dict[dt.date, dict[str, str]] = {}
    found = []
    for pid, program in zip(payments["payment_id"], payments["program"], strict=True):
        day = as_of.get(str(pid))
        if day is None:
            found.append("")
            continue
        if day not in mappings:
            mappings[day] = {
                str(k): str(v) for k, v in (policy.value("payment.fund_source", day) or {}).items()
            }
        found.append(mappings[day].get(str(program), ""))
    return found


@dataclass(frozen=True)
class PayingBanks:
    payments: pd.DataFrame  # + fund_source, payer (code), payer_account, paying_bank
    held: pd.DataFrame  # payment_id, reason


def paying_banks(
    payments: pd.DataFrame, sources: list[str], payers: Mapping[str, Payer]
) -> PayingBanks:
    """`payments`: payment_id, program, bank_name (the account's bank, after the card channel);
    `sources`: each payment's fund source (`fund_sources`), in order."""
    rows, held = [], []
    for pid, program, bank, source in zip(
        payments["payment_id"], payments["program"], payments["bank_name"], sources, strict=True
    ):
        payer = payer_of(source, dict(payers))
        if not source:
            held.append((str(pid), NO_FUND_SOURCE))
        elif not payer.entered:
            held.append((str(pid), payer.why_unpaid()))
        own_bank = str(bank or "") if PROGRAMS[str(program)].pays_person else payer.bank
        rows.append((source, payer.code, payer.account, own_bank))
    found = payments.assign(
        **{
            column: [row[i] for row in rows]
            for i, column in enumerate(("fund_source", "payer", "payer_account", "paying_bank"))
        }
    )
    return PayingBanks(found, pd.DataFrame(held, columns=["payment_id", "reason"]))
