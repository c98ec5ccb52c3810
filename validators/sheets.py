"""The sheets of each application template and each reference list (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

from validators import schemas

SIZE_COLUMNS = ("industry", "staff", "revenue", "assets")


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: its name, its schema, and the key whose repeats are `DUPLICATE_ROW`."""

    name: str
    schema: type[pa.DataFrameModel]
    duplicate_key: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()  # attributes that open the template, in this order
    # Columns only a workbook this system writes carries: read when present, not offered on
    # the blank template (a standard application keeps SPEC §2.1's end-of-year base).
    system_only: tuple[str, ...] = ()

    def columns(self) -> list[tuple[str, str, str, bool]]:
        """(attribute, header, kind, required) in template order: lead, the rest, size last."""
        columns = schemas.columns_of(self.schema)
        rank = {name: i for i, name in enumerate(self.lead)}
        return sorted(
            columns,
            key=lambda c: (c[0] in SIZE_COLUMNS, rank.get(c[0], len(rank))),
        )

    def template_columns(self) -> list[tuple[str, str, str, bool]]:
        """The columns of the blank template: all but the system-only ones."""
        return [c for c in self.columns() if c[0] not in self.system_only]


@dataclass(frozen=True)
class Template:
    """An application workbook: its file name, its sheets, and which sheet's rows are decided.
    Which programme it belongs to is the catalogue's business (`policy.catalogue`)."""

    file_name: str
    sheets: tuple[SheetSpec, ...]
    decision_sheet: str

    def sheet(self, name: str) -> SheetSpec:
        return next(s for s in self.sheets if s.name == name)


ENTERPRISE_KEY = ("credit_code",)
UNIT_LEAD = ("credit_code", "name", "city", "declared_size", "unit_type")
ROSTER_KEY = ("credit_code", "id_number")
# 上年初参保职工人数 is the base of the layoff rate wherever it is given (policy.stabilization).
REFUND_SHEET = SheetSpec(
    "稳岗返还",
    schemas.StabilizationRefundSchema,
    ENTERPRISE_KEY,
    lead=(*UNIT_LEAD[:4], "insured_headcount", "layoffs"),
    system_only=("start_headcount",),
)
# The contribution records of "policy finds people" (SPEC §7): read like a programme's sheet,
# but a reference of the department's own, not an application.
RECORDS_SHEET = SheetSpec(
    "参保缴费记录",
    schemas.ContributionRecordSchema,
    ENTERPRISE_KEY,
    lead=(*UNIT_LEAD[:4], "start_headcount", "insured_headcount"),
)

REFUND = Template("稳岗返还申请.xlsx", (REFUND_SHEET,), "稳岗返还")
SPRING_FESTIVAL = Template(
    "春节防疫物资生产用工补贴.xlsx",
    (
        SheetSpec("企业信息", schemas.EnterpriseSchema, ENTERPRISE_KEY),
        SheetSpec("用工明细", schemas.SpringRosterSchema, ROSTER_KEY),
    ),
    "用工明细",
)
NEW_HIRE = Template(
    "吸纳就业补贴申请.xlsx",
    (
        SheetSpec(
            "企业信息",
            schemas.NewHireEnterpriseSchema,
            ENTERPRISE_KEY,
            lead=(*UNIT_LEAD[:4], "resume_date"),
        ),
        SheetSpec("新招用人员", schemas.NewHireRosterSchema, ROSTER_KEY),
    ),
    "新招用人员",
)
CHONGQING = Template(
    "鲁渝劳务协作补贴.xlsx",
    (SheetSpec("鲁渝劳务协作", schemas.ChongqingLaborSchema, ("id_number",)),),
    "鲁渝劳务协作",
)
RELIEF = Template(
    "社保费减免申报.xlsx",
    (
        SheetSpec(
            "缴费申报",
            schemas.ReliefDeclarationSchema,
            ("credit_code", "month"),
            lead=(*UNIT_LEAD, "month"),
        ),
    ),
    "缴费申报",
)
DEFERRAL = Template(
    "社保费缓缴申请.xlsx",
    (
        SheetSpec(
            "缓缴申请",
            schemas.DeferralApplicationSchema,
            ENTERPRISE_KEY,
            lead=(*UNIT_LEAD, "insurances", "first_month", "last_month", "hardship"),
        ),
    ),
    "缓缴申请",
)

REFERENCE_SHEETS: dict[str, SheetSpec] = {
    spec.name: spec
    for spec in (
        SheetSpec("重点企业名单", schemas.KeyEnterpriseListSchema),
        SheetSpec("建档立卡名单", schemas.PovertyRegistrySchema),
        SheetSpec("严重失信名单", schemas.DishonestListSchema),
    )
}
