"""Screening before payment (SPEC §2): risk holds, decided after eligibility.

An otherwise eligible row (approved or held) is screened against dated lists and held — never
rejected — with every risk that applies, each with a Chinese reason naming its evidence (the
list, its row and date, the other party):

- `RISK_DECEASED`: a person paid who died before the assessment date, or a worker counted for
  days after death (a row's last day counted after the date of death; a person listed twice,
  the earliest date);
- `RISK_IN_CUSTODY`: a worker counted for days in custody (入监 to 出监, both days included,
  open while not released) — a roster row's days, a 鲁渝 worker's employment in the year; a
  row that counts no days (a new hire) is not screened for it;
- `RISK_ENTITY_CLOSED`: an enterprise 注销/吊销 on or before the assessment date;
- `RISK_SHARED_ACCOUNT`: one bank account given for different beneficiaries, in this batch or in
  any earlier one the registry holds: every party in the batch is held;
- `RISK_PAID_ELSEWHERE`: a 鲁渝 worker whose keyed hash of 证件号码 and policy year is in the
  partner province's list (`policy.paid_hashes`).

A missing list (`lists.rows(...)` is None) stops only the checks that need it; `missing_checks`
names them for the run's summary (`REFERENCE_MISSING`). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from policy.catalogue import CHONGQING, PROGRAMS
from policy.claims import with_code
from policy.masking import mask_account, mask_id
from policy.outcomes import APPROVED, HELD, REASONS
from policy.paid_hashes import paid_hash
from policy.screening_lists import CLOSED, CUSTODY, DECEASED, PAID_ELSEWHERE, ScreeningLists

# Each risk and its short name on a page that counts them (the 拨付审批单).
RISK_NAMES = {
    "RISK_DECEASED": "死亡",
    "RISK_IN_CUSTODY": "服刑",
    "RISK_ENTITY_CLOSED": "注销吊销",
    "RISK_SHARED_ACCOUNT": "共用账户",
    "RISK_PAID_ELSEWHERE": "外省已发放",
}
RISKS = tuple(RISK_NAMES)
NEEDS = {
    "RISK_DECEASED": DECEASED,
    "RISK_IN_CUSTODY": CUSTODY,
    "RISK_ENTITY_CLOSED": CLOSED,
    "RISK_PAID_ELSEWHERE": PAID_ELSEWHERE,
}
FLAG_COLUMNS = ["index", "code", "evidence"]
PAID_ELSEWHERE_PROGRAMME = CHONGQING.code


@dataclass(frozen=True)
class Screening:
    """What screening reads: the lists, the assessment date, the accounts earlier batches gave
    (beneficiary_id, bank_account, batch_id), and the key shared with the partner province
    (None: the paid-elsewhere check cannot run)."""

    lists: ScreeningLists
    as_of: dt.date
    earlier_accounts: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["beneficiary_id", "bank_account", "batch_id"])
    )
    partner_key: bytes | None = field(default=None, repr=False)


def missing_checks(screening: Screening) -> dict[str, str]:
    """Each check that could not run, and why (SPEC §2: `REFERENCE_MISSING`)."""
    missing = screening.lists.missing
    found = {
        code: f"“{sheet}”：{missing[sheet]}" for code, sheet in NEEDS.items() if sheet in missing
    }
    if "RISK_PAID_ELSEWHERE" not in found and screening.partner_key is None:
        found["RISK_PAID_ELSEWHERE"] = "未配置与合作省份共同持有的核查密钥"
    return found


def risk_flags(decisions: pd.DataFrame, screening: Screening) -> pd.DataFrame:
    """One line per (row, risk): the decisions' index, the code, the evidence in Chinese.
    `decisions` as `ledger.settlement.combined` gives them (with `start`/`end` where a row
    counts days worked)."""
    open_rows = decisions[decisions["outcome"].isin([APPROVED, HELD])]
    frames = [
        _deceased(open_rows, screening),
        _in_custody(open_rows, screening),
        _closed(open_rows, screening),
        _shared_account(open_rows, screening),
        _paid_elsewhere(open_rows, screening),
    ]
    found = [f for f in frames if not f.empty]
    if not found:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    return pd.concat(found, ignore_index=True).sort_values(["index", "code"], kind="stable")


def _flags(rows: list[tuple[object, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


def _people(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["id_number"].astype(str) != ""]


def _days(row: pd.Series, as_of: dt.date) -> tuple[dt.date | None, dt.date | None]:
    start, end = row.get("start"), row.get("end")
    if start is None or pd.isna(start) or end is None or pd.isna(end):
        return None, None
    return pd.Timestamp(start).date(), pd.Timestamp(end).date()


def _deceased(rows: pd.DataFrame, screening: Screening) -> pd.DataFrame:
    listed = screening.lists.rows(DECEASED)
    if listed is None or listed.empty:
        return _flags([])
    by_id: dict[str, Any] = {}  # a person listed twice: the earliest date counts
    for r in listed.sort_values("died", kind="stable").itertuples(index=False):
        by_id.setdefault(str(r.id_number), r)
    found = []
    listed_people = _people(rows)
    for index, row in listed_people[listed_people["id_number"].isin(by_id)].iterrows():
        entry = by_id.get(str(row["id_number"]))
        if entry is None:
            continue
        died: dt.date = entry.died
        _, end = _days(row, screening.as_of)
        if PROGRAMS[str(row["program"])].pays_person:  # the person paid
            if died >= screening.as_of:
                continue
            after = f"早于审核基准日{screening.as_of}"
        elif end is not None and died < end:  # a worker counted for days after death
            after = f"本行计算至{end}"
        else:
            continue
        said = f"{DECEASED}第{entry.row}行：{entry.name}于{died}死亡，{after}"
        found.append((index, "RISK_DECEASED", said))
    return _flags(found)


def _in_custody(rows: pd.DataFrame, screening: Screening) -> pd.DataFrame:
    listed = screening.lists.rows(CUSTODY)
    if listed is None or listed.empty:
        return _flags([])
    spells: dict[str, list[tuple[dt.date, dt.date | None, int]]] = {}
    for r in listed.itertuples(index=False):
        spells.setdefault(str(r.id_number), []).append((r.entered, r.left, int(r.row)))
    found = []
    people = _people(rows)
    for index, row in people[people["id_number"].isin(spells)].iterrows():
        start, end = _days(row, screening.as_of)
        if start is None or end is None:  # a row that counts no days (SPEC: "counted for days")
            continue
        for entered, left, number in spells.get(str(row["id_number"]), []):
            if entered <= end and (left is None or start <= left):
                released = f"{left}出监" if left else "尚未出监"
                found.append(
                    (
                        index,
                        "RISK_IN_CUSTODY",
                        f"{CUSTODY}第{number}行：{entered}入监、{released}，"
                        f"与本行计算期间{start}至{end}重叠",
                    )
                )
                break
    return _flags(found)


def _closed(rows: pd.DataFrame, screening: Screening) -> pd.DataFrame:
    listed = screening.lists.rows(CLOSED)
    if listed is None or listed.empty:
        return _flags([])
    by_code = {}
    for r in listed.itertuples(index=False):
        if r.date <= screening.as_of:
            by_code.setdefault(str(r.credit_code), r)
    found = []
    # The enterprise paid or relieved (a roster row's too): a 鲁渝 worker's employer is not
    # the one paid.
    paid = rows[rows["credit_code"].astype(str) == rows["beneficiary_id"].astype(str)]
    paid = paid[paid["credit_code"].isin(by_code)]  # a province batch: only the listed
    for index, code in paid["credit_code"].astype(str).items():
        entry = by_code.get(code)
        if entry is not None:
            found.append(
                (
                    index,
                    "RISK_ENTITY_CLOSED",
                    f"{CLOSED}第{entry.row}行：{entry.name}于{entry.date}"
                    f"{entry.status}，不晚于审核基准日{screening.as_of}",
                )
            )
    return _flags(found)


def _shared_account(rows: pd.DataFrame, screening: Screening) -> pd.DataFrame:
    mine = rows[
        (rows["bank_account"].astype(str) != "") & (rows["beneficiary_id"].astype(str) != "")
    ]
    if mine.empty:
        return _flags([])
    here = pd.DataFrame(
        {
            "beneficiary_id": mine["beneficiary_id"].astype(str),
            "bank_account": mine["bank_account"].astype(str),
            "batch_id": "",
        }
    )
    earlier = screening.earlier_accounts.astype(str)
    together = pd.concat([here, earlier], ignore_index=True).drop_duplicates()
    parties = together.groupby("bank_account")["beneficiary_id"].nunique()
    shared = set(parties[parties > 1].index)
    found = []
    for index, row in mine[mine["bank_account"].astype(str).isin(shared)].iterrows():
        account = str(row["bank_account"])
        others = together[
            (together["bank_account"] == account)
            & (together["beneficiary_id"] != str(row["beneficiary_id"]))
        ]
        said = "、".join(
            f"{_party(o.beneficiary_id)}（{'批次 ' + o.batch_id if o.batch_id else '本批次'}）"
            for o in others.drop_duplicates("beneficiary_id").head(3).itertuples(index=False)
        )
        parties = others["beneficiary_id"].nunique()
        more = f"等 {parties} 个对象" if parties > 3 else ""
        found.append(
            (
                index,
                "RISK_SHARED_ACCOUNT",
                f"银行账号 {mask_account(account)} 同时为 {said}{more} 所填",
            )
        )
    return _flags(found)


def _party(beneficiary_id: str) -> str:
    return (
        mask_id(beneficiary_id)
        if len(beneficiary_id) == 18 and beneficiary_id[:17].isdigit()
        else beneficiary_id
    )


def _paid_elsewhere(rows: pd.DataFrame, screening: Screening) -> pd.DataFrame:
    listed = screening.lists.rows(PAID_ELSEWHERE)
    if listed is None or listed.empty or screening.partner_key is None:
        return _flags([])
    digests = dict(zip(listed["digest"], listed["row"], strict=True))
    workers = _people(rows[rows["program"] == PAID_ELSEWHERE_PROGRAMME])
    found = []
    key = screening.partner_key
    for index, person, period in zip(
        workers.index, workers["id_number"], workers["period"], strict=True
    ):
        digest = paid_hash(key, str(person), str(period))
        if digest in digests:
            found.append(
                (
                    index,
                    "RISK_PAID_ELSEWHERE",
                    f"{PAID_ELSEWHERE}第{digests[digest]}行：该证件号码"
                    f"与政策年度 {period} 的核查哈希已在合作省份发放名单中",
                )
            )
    return _flags(found)


def held_for_risks(decisions: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """The decisions with each flagged row held (an approved one: its amount waits for the
    reviewer, `proposed` keeps it) and its risks added to its codes and its message; `risks`
    holds each row's lines `CODE<TAB>evidence` for the 风险核查 sheet ("" for the others)."""
    result = decisions.assign(risks="")
    for index, mine in flags.groupby("index", sort=False):
        result.at[index, "risks"] = "\n".join(
            f"{c}\t{e}" for c, e in zip(mine["code"], mine["evidence"], strict=True)
        )
        if result.at[index, "outcome"] == APPROVED:
            result.at[index, "outcome"] = HELD
            result.at[index, "amount"] = 0
            result.at[index, "message"] = ""
        codes = result.at[index, "reason_codes"]
        for code in mine["code"]:
            codes = with_code(pd.Series([codes]), code).iloc[0]
        result.at[index, "reason_codes"] = codes
        said = "；".join(
            f"{REASONS[c]}（{e}）" for c, e in zip(mine["code"], mine["evidence"], strict=True)
        )
        message = str(result.at[index, "message"] or "")
        result.at[index, "message"] = f"{message}；{said}" if message else said
    return result
