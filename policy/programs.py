"""Dispatch a programme's validated sheets to its rules, with the reference list it needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from policy import chongqing, deferral, new_hire, relief, spring_festival, stabilization
from policy.decisions import ProgramDecisions
from policy.parameters import ParameterReads, PolicySet
from validators.validate import ValidatedSheet

CASH_PROGRAMS = {
    stabilization.PROGRAM,
    spring_festival.PROGRAM,
    new_hire.PROGRAM,
    chongqing.PROGRAM,
}
# The reference list (by sheet name, SPEC §3) each programme's rules consult.
REFERENCE_NEEDS = {
    stabilization.PROGRAM: "严重失信名单",
    spring_festival.PROGRAM: "重点企业名单",
    chongqing.PROGRAM: "建档立卡名单",
}


def decide_program(
    program: str,
    sheets: dict[str, ValidatedSheet],
    policy: PolicySet,
    as_of: dt.date,
    references: Mapping[str, frozenset[str]],
) -> ProgramDecisions:
    """Run one programme's rules over its sheets (rows of every file of the batch together)."""
    reads = ParameterReads(policy)
    if program == stabilization.PROGRAM:
        return stabilization.decide(sheets, reads, as_of, references["严重失信名单"])
    if program == spring_festival.PROGRAM:
        return spring_festival.decide(sheets, reads, as_of, references["重点企业名单"])
    if program == new_hire.PROGRAM:
        return new_hire.decide(sheets, reads, as_of)
    if program == chongqing.PROGRAM:
        return chongqing.decide(sheets, reads, as_of, references["建档立卡名单"])
    if program == relief.PROGRAM:
        return relief.decide(sheets, reads, as_of)
    if program == deferral.PROGRAM:
        return deferral.decide(sheets, reads, as_of)
    raise ValueError(f"unknown programme {program}")
