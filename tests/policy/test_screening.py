"""SPEC §2 Screening before payment: each risk on both sides of its date boundary, the holds it
makes (never a rejection), the evidence each names, and a missing list that stops only its
own check."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from policy.outcomes import APPROVED, HELD, REJECTED
from policy.paid_hashes import KeyTooShort, paid_hash
from policy.screening import Screening, held_for_risks, missing_checks, risk_flags
from policy.screening_lists import CLOSED, CUSTODY, DECEASED, PAID_ELSEWHERE, ScreeningLists
from workbooks.screening_lists import LISTS

AS_OF = dt.date(2020, 12, 31)
KEY = b"k" * 32
WORKER, PERSON = "370102199001011237", "500101199001010018"
FIRM, OTHER_FIRM = "91370102MA3C00001X", "91370102MA3C00002X"


def row(index: int, program: str, **values: object) -> dict[str, object]:
    base = {
        "program": program,
        "file": "a.xlsx",
        "sheet": "s",
        "row": index + 2,
        "credit_code": FIRM,
        "id_number": "",
        "name": "某公司",
        "bank_account": "",
        "beneficiary_id": FIRM,
        "period": "2020",
        "outcome": APPROVED,
        "reason_codes": "",
        "message": "",
        "proposed": 100_000,
        "amount": 100_000,
        "start": pd.NaT,
        "end": pd.NaT,
    }
    return base | values


def lists(**rows: list[dict[str, object]]) -> ScreeningLists:
    """The lists named (each a list of rows), the others missing."""
    sheets = {"deceased": DECEASED, "custody": CUSTODY, "closed": CLOSED, "paid": PAID_ELSEWHERE}
    tables = {
        sheet: pd.DataFrame(rows[name], columns=[*LISTS[sheet].headers.values(), "row"])
        for name, sheet in sheets.items()
        if name in rows
    }
    missing = {
        sheet: f"在参考名单文件夹中没有找到“{sheet}”工作表"
        for name, sheet in sheets.items()
        if name not in rows
    }
    return ScreeningLists(tables, missing)


def flags_of(decisions: list[dict[str, object]], screening: Screening) -> list[tuple[int, str]]:
    found = risk_flags(pd.DataFrame(decisions), screening)
    return list(zip(found["index"], found["code"], strict=True))


@pytest.mark.parametrize(
    ("died", "flagged"),
    [(dt.date(2020, 12, 30), True), (AS_OF, False)],
)
def test_deceased__a_person_paid_who_died_before_the_assessment_date(
    died: dt.date, flagged: bool
) -> None:
    found = flags_of(
        [row(0, "chongqing_labor", id_number=PERSON, beneficiary_id=PERSON, credit_code=FIRM)],
        Screening(
            lists(deceased=[{"id_number": PERSON, "name": "张三", "died": died, "row": 2}]), AS_OF
        ),
    )
    assert found == ([(0, "RISK_DECEASED")] if flagged else [])


@pytest.mark.parametrize(
    ("died", "flagged"), [(dt.date(2020, 2, 9), True), (dt.date(2020, 2, 10), False)]
)
def test_deceased__a_worker_counted_for_days_after_death(died: dt.date, flagged: bool) -> None:
    worker = row(
        0,
        "spring_festival_production",
        id_number=WORKER,
        start=pd.Timestamp("2020-01-25"),
        end=pd.Timestamp("2020-02-10"),
    )
    found = flags_of(
        [worker],
        Screening(
            lists(deceased=[{"id_number": WORKER, "name": "李四", "died": died, "row": 5}]), AS_OF
        ),
    )
    assert found == ([(0, "RISK_DECEASED")] if flagged else [])


@pytest.mark.parametrize(
    ("entered", "left", "flagged"),
    [
        (dt.date(2020, 2, 10), None, True),  # the last day counted, still inside
        (dt.date(2020, 2, 11), None, False),  # the day after
        (dt.date(2019, 5, 1), dt.date(2020, 1, 25), True),  # released on the first day counted
        (dt.date(2019, 5, 1), dt.date(2020, 1, 24), False),  # released the day before
    ],
)
def test_in_custody__a_worker_counted_for_days_in_custody(
    entered: dt.date, left: dt.date | None, flagged: bool
) -> None:
    worker = row(
        0,
        "spring_festival_production",
        id_number=WORKER,
        start=pd.Timestamp("2020-01-25"),
        end=pd.Timestamp("2020-02-10"),
    )
    custody = [{"id_number": WORKER, "entered": entered, "left": left, "row": 3}]
    found = flags_of([worker], Screening(lists(custody=custody), AS_OF))
    assert found == ([(0, "RISK_IN_CUSTODY")] if flagged else [])


@pytest.mark.parametrize(
    ("closed", "flagged"), [(AS_OF, True), (AS_OF + dt.timedelta(days=1), False)]
)
def test_entity_closed__on_or_before_the_assessment_date(closed: dt.date, flagged: bool) -> None:
    closures = [{"credit_code": FIRM, "name": "某公司", "status": "注销", "date": closed, "row": 2}]
    found = flags_of([row(0, "stabilization_refund")], Screening(lists(closed=closures), AS_OF))
    assert found == ([(0, "RISK_ENTITY_CLOSED")] if flagged else [])


def test_shared_account__every_party_in_the_batch_and_one_an_earlier_batch_gave() -> None:
    decisions = [
        row(0, "stabilization_refund", bank_account="6222000000000001"),
        row(1, "new_hire", bank_account="6222000000000001"),  # the same enterprise: fine
        row(
            2,
            "stabilization_refund",
            credit_code=OTHER_FIRM,
            beneficiary_id=OTHER_FIRM,
            bank_account="6222000000000001",
        ),
        row(
            3,
            "stabilization_refund",
            credit_code="X",
            beneficiary_id="X",
            bank_account="8600000000000009",
        ),
        row(
            4,
            "stabilization_refund",
            credit_code="Y",
            beneficiary_id="Y",
            bank_account="8600000000000010",
            outcome=REJECTED,
        ),
    ]
    earlier = pd.DataFrame(
        [("Z", "8600000000000009", "b-earlier"), ("Y2", "8600000000000010", "b-earlier")],
        columns=["beneficiary_id", "bank_account", "batch_id"],
    )
    screening = Screening(lists(), AS_OF, earlier)
    found = risk_flags(pd.DataFrame(decisions), screening)
    assert sorted(found["index"]) == [0, 1, 2, 3]  # a rejected row is not screened
    [evidence] = found.loc[found["index"] == 3, "evidence"]
    assert "批次 b-earlier" in evidence and "8600000000000009" not in evidence  # masked


def test_paid_elsewhere__the_keyed_hash_matches_a_wrong_key_matches_nothing() -> None:
    digest = paid_hash(KEY, PERSON, "2020")
    assert len(digest) == 64 and PERSON not in digest
    person = row(0, "chongqing_labor", id_number=PERSON, beneficiary_id=PERSON)
    listed = lists(paid=[{"digest": digest, "row": 7}])
    assert flags_of([person], Screening(listed, AS_OF, partner_key=KEY)) == [
        (0, "RISK_PAID_ELSEWHERE")
    ]
    assert flags_of([person], Screening(listed, AS_OF, partner_key=b"w" * 32)) == []
    other_year = row(0, "chongqing_labor", id_number=PERSON, beneficiary_id=PERSON, period="2021")
    assert flags_of([other_year], Screening(listed, AS_OF, partner_key=KEY)) == []
    with pytest.raises(KeyTooShort):
        paid_hash(b"short", PERSON, "2020")


def test_missing_list__stops_only_its_check_and_is_named() -> None:
    screening = Screening(lists(closed=[]), AS_OF)
    missing = missing_checks(screening)
    assert set(missing) == {"RISK_DECEASED", "RISK_IN_CUSTODY", "RISK_PAID_ELSEWHERE"}
    assert "死亡人员名单" in missing["RISK_DECEASED"]
    decisions = [
        row(0, "stabilization_refund", bank_account="1"),
        row(1, "new_hire", credit_code="Q", beneficiary_id="Q", bank_account="1"),
    ]
    found = flags_of(decisions, screening)
    assert found == [(0, "RISK_SHARED_ACCOUNT"), (1, "RISK_SHARED_ACCOUNT")]  # no list needed


def test_held_for_risks__an_approved_row_waits_with_its_amount_proposed_and_every_risk_named() -> (
    None
):
    employed = {"start": pd.Timestamp("2020-03-01"), "end": pd.Timestamp("2020-12-31")}
    decisions = pd.DataFrame(
        [
            row(0, "chongqing_labor", id_number=PERSON, beneficiary_id=PERSON, **employed),
            row(1, "new_hire"),
        ]
    )
    deceased = [{"id_number": PERSON, "name": "张三", "died": dt.date(2020, 6, 1), "row": 2}]
    custody = [{"id_number": PERSON, "entered": dt.date(2020, 1, 1), "left": None, "row": 4}]
    screening = Screening(lists(deceased=deceased, custody=custody), AS_OF)
    held = held_for_risks(decisions, risk_flags(decisions, screening))
    first = held.iloc[0]
    assert (first["outcome"], first["amount"], first["proposed"]) == (HELD, 0, 100_000)
    assert first["reason_codes"] == "RISK_DECEASED;RISK_IN_CUSTODY"
    assert "死亡人员名单第2行" in first["message"] and "服刑人员名单第4行" in first["message"]
    assert held.iloc[1]["outcome"] == APPROVED and held.iloc[1]["risks"] == ""


def test_deceased_and_custody__a_row_counting_no_days_is_not_a_worker_counted() -> None:
    """SPEC §2: "a worker counted for days" — a new hire's row counts none; a person listed
    twice in the death list has the earliest date."""
    hire = row(0, "new_hire", id_number=WORKER)
    person = row(1, "chongqing_labor", id_number=PERSON, beneficiary_id=PERSON)
    deceased = [
        {"id_number": WORKER, "name": "李四", "died": dt.date(2020, 6, 1), "row": 2},
        {"id_number": PERSON, "name": "张三", "died": dt.date(2021, 3, 1), "row": 3},
        {"id_number": PERSON, "name": "张三", "died": dt.date(2020, 6, 1), "row": 4},
    ]
    custody = [{"id_number": WORKER, "entered": dt.date(2020, 1, 1), "left": None, "row": 2}]
    found = risk_flags(
        pd.DataFrame([hire, person]), Screening(lists(deceased=deceased, custody=custody), AS_OF)
    )
    assert list(zip(found["index"], found["code"], strict=True)) == [(1, "RISK_DECEASED")]
    assert "第4行" in found["evidence"].iloc[0]


def test_an_earlier_batchs_approval_does_not_release_a_row_now_held_for_a_risk() -> None:
    """A top-up inherits its original's verdicts; a 通过 given before a risk was found (the
    reviewer never saw its evidence) leaves the row held; a 驳回 still stands."""
    from ledger.rounds import _not_over_risks

    decisions = pd.DataFrame(
        [row(0, "chongqing_labor"), row(1, "chongqing_labor"), row(2, "chongqing_labor")]
    ).assign(risks=["RISK_DECEASED\t死亡人员名单第2行", "", "RISK_IN_CUSTODY\t服刑人员名单第3行"])
    verdicts = pd.DataFrame(
        [
            ("chongqing_labor", "a.xlsx", "s", 2, "通过", "卡号已核实"),
            ("chongqing_labor", "a.xlsx", "s", 3, "通过", "卡号已核实"),
            ("chongqing_labor", "a.xlsx", "s", 4, "驳回", "不符合"),
        ],
        columns=["program", "file", "sheet", "row", "verdict", "comment"],
    )
    kept = _not_over_risks(verdicts, decisions)
    assert list(zip(kept["row"], kept["verdict"], strict=True)) == [(3, "通过"), (4, "驳回")]
