"""One pandera model per sheet (SPEC §3). The alias is the canonical Chinese header; the
`kind` in each field's metadata tells `cleaning` how to turn raw cells into the typed column.

Attribute names are the English names the rules use; header text lives only here.
Money is integer fen; revenue and assets (万元) are kept ×100 the same way; rates are ppm.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import validators.registered_checks  # noqa: F401  (registers the named checks)

Text = Series[pd.StringDtype]
Whole = Series[pd.Int64Dtype]
Day = Series[pa.typing.DateTime]
Flag = Series[pd.BooleanDtype]


def _field(alias: str, kind: str, required: bool = True, **checks: Any) -> Any:
    return pa.Field(alias=alias, nullable=not required, metadata={"kind": kind}, **checks)


def text(alias: str, required: bool = True) -> Any:
    return _field(alias, "text", required)


def credit_code(alias: str = "统一社会信用代码") -> Any:
    return _field(alias, "code", credit_code=())


def id_number() -> Any:
    return _field("身份证号", "code", resident_id=())


def city() -> Any:
    return _field("所属地市", "city", shandong_city=())


def size() -> Any:
    return _field("企业规模", "choice", enterprise_size=())


def unit_type() -> Any:
    return _field("单位类型", "choice", unit_type=())


def account(alias: str = "银行账号") -> Any:
    return _field(alias, "account", enterprise_account=())


def date(alias: str, required: bool = True) -> Any:
    return _field(alias, "date", required)


def month(alias: str) -> Any:
    return _field(alias, "month")


def money(alias: str, required: bool = True) -> Any:
    return _field(alias, "money", required, ge=0)


def count(alias: str, required: bool = True) -> Any:
    return _field(alias, "count", required, ge=0)


def rate(alias: str) -> Any:
    return _field(alias, "rate", rate_fraction=())


def yes_no(alias: str) -> Any:
    return _field(alias, "yes_no")


class SheetModel(pa.DataFrameModel):
    """A template sheet: its columns are the fields; other columns (the Excel row) pass."""

    class Config:
        strict = False  # the reader adds the Excel row number beside the schema's columns


class _SizeColumns(SheetModel):
    """Optional columns from which the enterprise size is derived (SPEC §2.5)."""

    industry: Text = _field("行业门类", "choice", False, industry=())
    staff: Whole = count("从业人员", False)
    revenue: Whole = money("营业收入（万元）", False)
    assets: Whole = money("资产总额（万元）", False)


def start_headcount(required: bool = True) -> Any:
    return count("上年初参保职工人数", required)


class _RefundBasis(SheetModel):
    """What the job-stabilisation refund is decided on, in an application (SPEC §2.1) and in the
    social-insurance contribution records alike (§7)."""

    credit_code: Text = credit_code()
    name: Text = text("单位名称")
    city: Text = city()
    declared_size: Text = size()
    insured_headcount: Whole = count("上年末参保职工人数")
    insured_months: Whole = count("连续参保缴费月数")
    employer_ui_paid: Whole = money("上年度单位缴纳失业保险费（元）")
    employee_ui_paid: Whole = money("上年度职工缴纳失业保险费（元）")
    bank_name: Text = text("开户银行")
    bank_account: Text = account()


class StabilizationRefundSchema(_SizeColumns, _RefundBasis):
    layoffs: Whole = count("上年度裁员人数")
    # Given by the workbook made from the contribution records (§7), not by the blank template.
    start_headcount: Whole = start_headcount(required=False)


class ContributionRecordSchema(_RefundBasis):
    """参保缴费记录: one enterprise's unemployment-insurance year, from the social-insurance
    system, over which "policy finds people" runs the refund rule (SPEC §7)."""

    start_headcount: Whole = start_headcount()


class EnterpriseSchema(SheetModel):
    """企业信息 of the Spring-Festival production subsidy."""

    credit_code: Text = credit_code()
    name: Text = text("单位名称")
    city: Text = city()
    declared_size: Text = size()
    bank_name: Text = text("开户银行")
    bank_account: Text = account()


class NewHireEnterpriseSchema(EnterpriseSchema):
    resume_date: Day = date("复工复产日期")


class SpringRosterSchema(SheetModel):
    credit_code: Text = credit_code()
    id_number: Text = id_number()
    person_name: Text = text("姓名")
    start_date: Day = date("到岗开始日期")
    end_date: Day = date("到岗结束日期")
    days: Whole = count("出勤天数")


class NewHireRosterSchema(SheetModel):
    credit_code: Text = credit_code()
    id_number: Text = id_number()
    person_name: Text = text("姓名")
    hire_date: Day = date("入职日期")
    contract_signed: Flag = yes_no("是否签订劳动合同")
    insured: Flag = yes_no("是否参加社会保险")


class ChongqingLaborSchema(SheetModel):
    id_number: Text = id_number()
    person_name: Text = text("姓名")
    employer_code: Text = credit_code("用工单位统一社会信用代码")
    employer_name: Text = text("用工单位名称")
    city: Text = city()
    start_date: Day = date("就业开始日期")
    end_date: Day = date("就业结束日期", required=False)
    bank_name: Text = text("开户银行")
    card_number: Text = _field("银行卡号", "account", personal_card=())


class _Contributions(_SizeColumns):
    """Bases and rates shared by the relief declaration and the deferral application."""

    credit_code: Text = credit_code()
    name: Text = text("单位名称")
    city: Text = city()
    declared_size: Text = size()
    unit_type: Text = unit_type()
    pension_base: Whole = money("养老保险缴费基数（元）")
    unemployment_base: Whole = money("失业保险缴费基数（元）")
    injury_base: Whole = money("工伤保险缴费基数（元）")
    injury_rate: Whole = rate("工伤保险费率")
    medical_base: Whole = money("医疗保险缴费基数（元）")
    medical_rate: Whole = rate("医疗保险单位费率")


class ReliefDeclarationSchema(_Contributions):
    month: Day = month("所属期")


class DeferralApplicationSchema(_Contributions):
    insurances: Text = _field("申请缓缴险种", "insurances", insurance_list=())
    first_month: Day = month("缓缴起始所属期")
    last_month: Day = month("缓缴终止所属期")
    hardship: Flag = yes_no("受疫情影响生产经营困难")


class KeyEnterpriseListSchema(SheetModel):
    credit_code: Text = credit_code()
    name: Text = text("单位名称", required=False)


class DishonestListSchema(KeyEnterpriseListSchema):
    pass


class PovertyRegistrySchema(SheetModel):
    id_number: Text = id_number()
    person_name: Text = text("姓名", required=False)


def columns_of(model: type[pa.DataFrameModel]) -> list[tuple[str, str, str, bool]]:
    """(attribute, canonical header, kind, required) per column, in template order."""
    result = []
    for header, (_, info) in model.__fields__.items():
        metadata = info.metadata or {}
        result.append((info.original_name, header, metadata["kind"], not info.nullable))
    return result
