"""一次性困难生活补助（示例） — an example programme, used only by `tests/test_catalogue.py`.

It is what a new programme brings: its template's sheet, and a rule with the one signature
every rule has. Each worker listed gets `per_person`, once per policy year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from policy import money
from policy.decisions import ProgramDecisions, assemble
from policy.outcomes import settle
from policy.parameters import ParameterReads
from policy.programme import Programme, References
from validators import schemas
from validators.schemas import Text
from validators.sheets import SheetSpec, Template
from validators.validate import ValidatedSheet


class HardshipSchema(schemas.SheetModel):
    id_number: Text = schemas.id_number()
    person_name: Text = schemas.text("姓名")
    city: Text = schemas.city()
    bank_name: Text = schemas.text("开户银行")
    bank_account: Text = schemas.account()


TEMPLATE = Template(
    "困难生活补助申请.xlsx",
    (SheetSpec("困难生活补助", HardshipSchema, ("id_number",)),),
    "困难生活补助",
)


def decide(
    programme: Programme,
    sheets: dict[str, ValidatedSheet],
    reads: ParameterReads,
    as_of: dt.date,
    references: References,
) -> ProgramDecisions:
    sheet = sheets["困难生活补助"]
    frame = sheet.frame
    value = reads.scoped(programme.namespace, as_of)
    settled = settle(frame.index, sheet.reasons, {})
    proposed = pd.Series(money.yuan_to_fen(value("per_person")), index=frame.index)
    decisions = assemble(
        programme.code,
        sheet,
        settled,
        proposed,
        beneficiary_id=frame["id_number"],
        claim_key=frame["id_number"],
        period=str(as_of.year),
        basis=reads.parameter(f"{programme.namespace}.per_person").reference,
        extra={"name": frame["person_name"], "credit_code": pd.Series("", index=frame.index)},
    )
    return ProgramDecisions(programme.code, decisions, reads)
