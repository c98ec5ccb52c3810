"""What would make a row eligible (SPEC §2): the stated change, applied to the application's
cell and decided again from validation on, flips the row; one step less does not.

Rows come from every policy case (tests/policy/cases) and from generated applications around
each programme's boundaries (hypothesis). Every rule reason is either met by a change some row
states, or is one no single change of the applicant's inputs meets (`policy.qualify.FIXED`).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policy.catalogue import PROGRAMS
from policy.decisions import ProgramDecisions
from policy.outcomes import APPROVED, HELD, REASONS, REJECTED, VALIDATION_CODES
from policy.qualify import FIXED, NO_SINGLE_CHANGE, how_to_qualify
from tests.policy.test_policy_cases import CASES, POLICY, raw_sheet
from validators.validate import combine, validate_sheet

MONTH_COLUMNS = {"first_month", "last_month", "month"}
Rows = dict[str, list[dict[str, Any]]]


def decide_rows(
    program: str, rows: Rows, references: dict[str, list[str]], as_of: dt.date
) -> ProgramDecisions:
    sheets = {}
    for sheet, listed in rows.items():
        validated = validate_sheet(
            raw_sheet(program, sheet, listed), PROGRAMS[program].sheet(sheet)
        )
        sheets[sheet] = combine(sheet, [("case.xlsx", validated)])
    lists = {name: frozenset(keys) for name, keys in references.items()}
    return PROGRAMS[program].decide(sheets, POLICY, as_of, lists)


def cell(column: str, value: Any) -> Any:
    """A rule's typed value written back as an applicant would type it."""
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m}" if column in MONTH_COLUMNS else value.date()
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "是" if value else "否"
    if isinstance(value, str):
        return value
    return int(value)


def steps_back(column: str, new: Any, old: Any) -> list[Any]:
    """The values one step from the stated one towards the row's own (both ways where the
    row's own is blank); none for a yes/no or a size."""
    if isinstance(new, pd.Timestamp):
        step = pd.DateOffset(months=1) if column in MONTH_COLUMNS else pd.Timedelta(days=1)
        ways = [new + step, new - step]
    elif isinstance(new, int | float) and not isinstance(new, bool):
        ways = [int(new) + 1, int(new) - 1]
    else:
        return []
    if pd.isna(old):
        return ways
    return [ways[0] if old > new else ways[1]]


def changed(rows: Rows, sheet: str, position: int, key: str, column: str, value: Any) -> Rows:
    """`rows` with one cell changed: the row's own, or its enterprise's on 企业信息."""
    copy = {name: [dict(row) for row in listed] for name, listed in rows.items()}
    if sheet:
        credit_code = rows[next(n for n in rows if n != sheet)][position]["credit_code"]
        targets = [r for r in copy[sheet] if r["credit_code"] == credit_code]
    else:
        targets = [copy[key][position]]
    for target in targets:
        target[column] = cell(column, value)
    return copy


def check_row_changes(
    program: str, rows: Rows, references: dict[str, list[str]], as_of: dt.date
) -> set[str]:
    """Every stated change flips its row and is the least that does; the codes it met."""
    return checked_decisions(program, rows, references, as_of)[0]


def checked_decisions(
    program: str, rows: Rows, references: dict[str, list[str]], as_of: dt.date
) -> tuple[set[str], ProgramDecisions]:
    """`check_row_changes`, and the decisions it checked."""
    result = decide_rows(program, rows, references, as_of)
    decisions, chosen = result.decisions, result.changes
    assert chosen is not None
    decision_sheet = decisions["sheet"].iloc[0] if len(decisions) else ""
    met = set()
    for index, change in chosen.iterrows():
        before = decisions.loc[index]
        assert before["outcome"] in (REJECTED, HELD)
        assert before["remedy"].endswith(("即符合", "即无须人工复核")), before["remedy"]
        position = int(before["row"]) - 2
        old = rows[decision_sheet][position].get(change["column"]) if not change["sheet"] else None
        after = decide_rows(
            program,
            changed(
                rows, change["sheet"], position, decision_sheet, change["column"], change["value"]
            ),
            references,
            as_of,
        ).decisions.loc[index]
        if before["outcome"] == REJECTED:
            assert after["outcome"] != REJECTED, (before["remedy"], after["reason_codes"])
        else:
            assert after["outcome"] == APPROVED, (before["remedy"], after["reason_codes"])
        backs = steps_back(change["column"], change["value"], _typed(old, change["value"]))
        if backs and not change["sheet"]:
            outcomes = [
                decide_rows(
                    program,
                    changed(rows, "", position, decision_sheet, change["column"], back),
                    references,
                    as_of,
                ).decisions.loc[index, "outcome"]
                for back in backs
            ]
            assert before["outcome"] in outcomes, (before["remedy"], backs)
        met.add(change["code"])
    return met, result


def _typed(old: Any, like: Any) -> Any:
    if old is None:
        return float("nan")
    if isinstance(like, pd.Timestamp):
        return pd.Timestamp(str(old))
    try:
        return float(old)
    except (TypeError, ValueError):
        return float("nan")


def case_rows(suite: dict[str, Any], case: dict[str, Any]) -> Rows:
    return {
        sheet: [{**defaults, **o} for o in case.get("rows", {}).get(sheet, [{}])]
        for sheet, defaults in suite["defaults"].items()
    }


def suite_of(file: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / file).read_text(encoding="utf-8"))


def policy_cases() -> list[Any]:
    return [
        pytest.param(path.name, number, id=f"{path.stem}: {case['name']}")
        for path in sorted(CASES.glob("*.yaml"))
        for number, case in enumerate(suite_of(path.name)["cases"])
    ]


@functools.cache
def met_by_case(file: str, number: int) -> frozenset[str]:
    suite = suite_of(file)
    case = suite["cases"][number]
    references = {**suite.get("references", {}), **case.get("references", {})}
    as_of = case.get("as_of", suite["as_of"])
    return frozenset(check_row_changes(suite["program"], case_rows(suite, case), references, as_of))


@pytest.mark.parametrize(("file", "number"), policy_cases())
def test_qualify__every_stated_change_flips_its_policy_case_row(file, number):
    met_by_case(file, number)


# Rows the policy cases decide for several reasons at once, each reason alone here.
SINGLE_REASONS = [
    ("new_hire.yaml", {"新招用人员": [{"insured": "否"}]}, "NH_NOT_INSURED"),
    ("new_hire.yaml", {"企业信息": [{"resume_date": "2020-03-12"}]}, "NH_RESUME_DATE"),
    ("contribution_deferral.yaml", {"缓缴申请": [{"last_month": "2020-01"}]}, "DF_PERIOD"),
    ("chongqing_labor.yaml", {"鲁渝劳务协作": [{"end_date": None}]}, None),
]


def met_alone(file: str, rows: Rows, code: str | None) -> set[str]:
    suite = suite_of(file)
    as_of = dt.date(2020, 6, 30) if code is None else suite["as_of"]
    return check_row_changes(
        suite["program"], case_rows(suite, {"rows": rows}), suite.get("references", {}), as_of
    )


@pytest.mark.parametrize(("file", "rows", "code"), SINGLE_REASONS)
def test_qualify__a_single_reason_is_met_by_its_change(file, rows, code):
    suite = suite_of(file)
    case = {"rows": rows}
    as_of = dt.date(2020, 6, 30) if code is None else suite["as_of"]
    met = met_alone(file, rows, code)
    if code:
        assert code in met
    else:  # still employed on 30 June since 10 May: a month short until 9 August comes
        decisions = decide_rows(
            suite["program"], case_rows(suite, case), suite["references"], as_of
        ).decisions
        assert decisions["remedy"].iloc[0] == (
            "无单项修改可使其符合：在鲁就业至 2020-08-09 满 3 个月后可再次申请"
        )


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAYS_2020 = st.dates(dt.date(2019, 12, 1), dt.date(2021, 1, 31))


@PROPERTY
@given(
    headcount=st.integers(0, 80),
    layoffs=st.integers(0, 40),
    months=st.integers(0, 24),
    size=st.sampled_from(["大型", "中型", "小型", "微型"]),
)
def test_qualify__stabilisation_changes_flip_and_are_least(headcount, layoffs, months, size):
    suite = suite_of("stabilization_refund.yaml")
    rows = case_rows(
        suite,
        {
            "rows": {
                "稳岗返还": [
                    {
                        "insured_headcount": headcount,
                        "layoffs": layoffs,
                        "insured_months": months,
                        "declared_size": size,
                    }
                ]
            }
        },
    )
    check_row_changes(suite["program"], rows, suite["references"], suite["as_of"])


@PROPERTY
@given(start=DAYS_2020, end=DAYS_2020, days=st.integers(1, 40))
def test_qualify__spring_festival_days_change_flips_and_is_least(start, end, days):
    suite = suite_of("spring_festival_production.yaml")
    rows = case_rows(
        suite, {"rows": {"用工明细": [{"start_date": start, "end_date": end, "days": days}]}}
    )
    check_row_changes(suite["program"], rows, suite["references"], suite["as_of"])


@PROPERTY
@given(resume=DAYS_2020, hire=DAYS_2020, contract=st.booleans(), insured=st.booleans())
def test_qualify__new_hire_changes_flip_and_are_least(resume, hire, contract, insured):
    suite = suite_of("new_hire.yaml")
    rows = case_rows(
        suite,
        {
            "rows": {
                "企业信息": [{"resume_date": resume}],
                "新招用人员": [
                    {
                        "hire_date": hire,
                        "contract_signed": "是" if contract else "否",
                        "insured": "是" if insured else "否",
                    }
                ],
            }
        },
    )
    check_row_changes(suite["program"], rows, {}, suite["as_of"])


@PROPERTY
@example(  # three months from 31 August end on 30 November, not 29 (a short month)
    start=dt.date(2020, 8, 31), end=dt.date(2020, 10, 15), as_of=dt.date(2020, 12, 31)
)
@given(
    start=DAYS_2020,
    end=st.none() | DAYS_2020,
    as_of=st.dates(dt.date(2020, 1, 1), dt.date(2020, 12, 31)),
)
def test_qualify__chongqing_months_change_flips_and_is_least(start, end, as_of):
    suite = suite_of("chongqing_labor.yaml")
    rows = case_rows(suite, {"rows": {"鲁渝劳务协作": [{"start_date": start, "end_date": end}]}})
    _, result = checked_decisions(suite["program"], rows, suite["references"], as_of)
    if result.decisions["reason_codes"].iloc[0] != "CQ_TOO_SHORT":
        return
    # Day by day, the first end date that completes three whole months in 2020: the change
    # stated must be that day wherever it falls inside the year.
    first = max(start, dt.date(2020, 1, 1))
    day = first
    while spec_months(first, day) < 3:
        day += dt.timedelta(days=1)
    day = pd.Timestamp(day)
    chosen = result.changes
    assert chosen is not None
    if day <= min(pd.Timestamp(2020, 12, 31), pd.Timestamp(as_of)):
        assert chosen[["column", "value"]].values.tolist() == [["end_date", day]]
    elif day <= pd.Timestamp(2020, 12, 31):  # that day has not come: a later run may pay
        assert chosen.empty
        assert result.decisions["remedy"].iloc[0].endswith(f"{day:%Y-%m-%d} 满 3 个月后可再次申请")
    else:  # no room left in the year after the start: only an earlier start
        assert chosen.empty or chosen["column"].tolist() == ["start_date"]


def spec_months(first: dt.date, last: dt.date) -> int:
    """SPEC §2.4's whole months of the inclusive span, written out: 05-10…08-09 is 3."""
    after = last + dt.timedelta(days=1)
    months = (after.year - first.year) * 12 + after.month - first.month
    return max(0, months - (after.day < first.day))


MONTHS = st.sampled_from([f"{y}-{m:02d}" for y in (2019, 2020, 2021) for m in range(1, 13)])


@PROPERTY
@given(first=MONTHS, last=MONTHS, hardship=st.booleans())
def test_qualify__deferral_period_changes_flip_and_are_least(first, last, hardship):
    suite = suite_of("contribution_deferral.yaml")
    rows = case_rows(
        suite,
        {
            "rows": {
                "缓缴申请": [
                    {
                        "first_month": first,
                        "last_month": last,
                        "hardship": "是" if hardship else "否",
                    }
                ]
            }
        },
    )
    check_row_changes(suite["program"], rows, {}, suite["as_of"])


def test_qualify__every_rule_reason_is_met_by_a_stated_change_or_is_fixed():
    """Each reason a rule can give that is not `FIXED` is met by a change some policy case's
    row states and its re-decision confirms."""
    changeable = {
        "SR_INSURED_MONTHS",
        "SR_LAYOFF_RATE",
        "SFP_DAYS_EXCEED_WINDOW",
        "NH_RESUME_DATE",
        "NH_HIRE_DATE",
        "NH_NO_CONTRACT",
        "NH_NOT_INSURED",
        "CQ_TOO_SHORT",
        "DF_NO_HARDSHIP",
        "DF_PERIOD",
        "SIZE_MISMATCH",
    }
    rule_codes = {c for c in REASONS if c not in VALIDATION_CODES | {"CR_EXCLUDED_UNIT"}}
    assert rule_codes == changeable | set(FIXED) - {"DUPLICATE_ROW"}
    met = set().union(*(met_by_case(*p.values) for p in policy_cases()))
    met |= set().union(*(met_alone(*p) for p in SINGLE_REASONS))
    assert changeable <= met


def test_how_to_qualify__fixed_reasons_override_and_approved_rows_are_empty():
    decisions = pd.DataFrame(
        {
            "outcome": [APPROVED, REJECTED, REJECTED, HELD, HELD, REJECTED, REJECTED],
            "reason_codes": [
                "",
                "SR_DISHONEST;SR_LAYOFF_RATE",
                "MISSING_VALUE",
                "RISK_DECEASED;SIZE_MISMATCH",
                "",
                "SR_LAYOFF_RATE;DUPLICATE_CLAIM",
                "RISK_DECEASED;REVIEW_REJECTED",
            ],
            "remedy": ["", "x", "", "申报规模…即无须人工复核", "", "裁员人数不超过 3 人即符合", ""],
        }
    )
    assert how_to_qualify(decisions).tolist() == [
        "",
        f"{NO_SINGLE_CHANGE}：企业列入严重失信名单",
        "申报信息有误，须先更正后重新申报，方可按规则测算",
        f"{NO_SINGLE_CHANGE}：风险核查待人工核实",
        "待复核结果，无需修改申报",
        f"{NO_SINGLE_CHANGE}：该对象已在其他申请或批次中申请或享受本项政策",
        f"{NO_SINGLE_CHANGE}：复核未通过",  # the risk behind a refusal is not the applicant's
    ]


def test_qualify__a_change_that_would_lose_to_an_earlier_hire_is_not_offered():
    """The earliest eligible hire of a person wins (SPEC §2.3): moving a late hire into the
    window would only make it the later claim, so no single change is stated."""
    suite = suite_of("new_hire.yaml")
    other = {"credit_code": "913701029GAHH9GDH9", "name": "乙公司"}
    rows = {
        "企业信息": [{**suite["defaults"]["企业信息"]}, {**suite["defaults"]["企业信息"], **other}],
        "新招用人员": [
            {**suite["defaults"]["新招用人员"], "hire_date": "2020-02-15"},
            {
                **suite["defaults"]["新招用人员"],
                "credit_code": other["credit_code"],
                "hire_date": "2020-03-20",
            },
        ],
    }
    result = decide_rows(suite["program"], rows, {}, suite["as_of"])
    late = result.decisions.iloc[1]
    assert (late["outcome"], late["reason_codes"]) == (REJECTED, "NH_HIRE_DATE")
    assert late["remedy"].startswith(NO_SINGLE_CHANGE)
    assert result.changes is not None and result.changes.empty
