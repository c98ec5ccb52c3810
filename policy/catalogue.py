"""The programmes this system runs, one line each, in the order every document lists them.

Adding a programme is one rule module (a `decide` with the `policy.programme.Rule` signature),
one parameter file, one policy-cases file and one line here (`tests/test_catalogue.py` checks
it). Nothing else in the code names a programme: the reader, the flows, the registry and the
writers take what they need from `CATALOGUE`.
"""

from __future__ import annotations

from policy import chongqing, deferral, new_hire, relief, spring_festival, stabilization
from policy.programme import Kind, Programme
from validators import sheets as templates

REFUND = Programme(
    "stabilization_refund",
    "失业保险稳岗返还",
    templates.REFUND,
    Kind.CASH,
    stabilization.decide,
    claim_key="统一社会信用代码",
    references=("严重失信名单",),
)
SPRING_FESTIVAL = Programme(
    "spring_festival_production",
    "春节期间防疫物资生产企业一次性用工补贴",
    templates.SPRING_FESTIVAL,
    Kind.CASH,
    spring_festival.decide,
    claim_key="统一社会信用代码 + 职工身份证号",
    references=("重点企业名单",),
    names_worker=True,
)
NEW_HIRE = Programme(
    "new_hire",
    "一次性吸纳就业补贴",
    templates.NEW_HIRE,
    Kind.CASH,
    new_hire.decide,
    claim_key="新招用人员身份证号",
)
CHONGQING = Programme(
    "chongqing_labor",
    "鲁渝劳务协作（重庆籍建档立卡贫困劳动力）",
    templates.CHONGQING,
    Kind.CASH,
    chongqing.decide,
    claim_key="劳动力身份证号",
    references=("建档立卡名单",),
    pays_person=True,
)
RELIEF = Programme(
    "contribution_relief",
    "社会保险费阶段性减免",
    templates.RELIEF,
    Kind.RELIEF,
    relief.decide,
    claim_key="统一社会信用代码 + 所属期",
    parameters="contributions",
)
DEFERRAL = Programme(
    "contribution_deferral",
    "社会保险费缓缴",
    templates.DEFERRAL,
    Kind.DEFERRAL,
    deferral.decide,
    claim_key="统一社会信用代码",
    parameters="contributions",
)

CATALOGUE: tuple[Programme, ...] = (
    REFUND,
    SPRING_FESTIVAL,
    NEW_HIRE,
    CHONGQING,
    RELIEF,
    DEFERRAL,
)

PROGRAMS: dict[str, Programme] = {p.code: p for p in CATALOGUE}
CODES: tuple[str, ...] = tuple(PROGRAMS)
TITLES: dict[str, str] = {p.code: p.title for p in CATALOGUE}
CASH: frozenset[str] = frozenset(p.code for p in CATALOGUE if p.is_cash)
WORKER_CLAIMS: frozenset[str] = frozenset(p.code for p in CATALOGUE if p.names_worker)


def of_kind(kind: Kind) -> tuple[Programme, ...]:
    return tuple(p for p in CATALOGUE if p.kind is kind)


def for_sheets(sheet_names: list[str]) -> Programme | None:
    """The programme whose sheets all appear among a workbook's sheet names."""
    present = set(sheet_names)
    matches = [p for p in CATALOGUE if {s.name for s in p.sheets} <= present]
    # 企业信息 alone matches nothing; both roster programmes need their own second sheet.
    return matches[0] if len(matches) == 1 else None
