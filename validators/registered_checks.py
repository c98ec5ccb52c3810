"""pandera check methods registered once, used by name in every schema.

The name of each check is what a failure carries, so it also decides the reason code:
see `CHECK_REASONS`. Checks that are not listed there map to `INVALID_VALUE`.
"""

from __future__ import annotations

import pandas as pd
from pandera import extensions

from validators import checks
from validators.cleaning import RATE_SCALE

ENTERPRISE_SIZES = ("大型", "中型", "小型", "微型")
UNIT_TYPES = ("企业", "个体工商户", "社会组织", "机关事业单位")
INSURANCES = ("养老", "失业", "工伤", "医疗")
# The sectors of the national SME classification standard (工信部联企业〔2011〕300号).
INDUSTRIES = (
    "农、林、牧、渔业",
    "工业",
    "建筑业",
    "批发业",
    "零售业",
    "交通运输业",
    "仓储业",
    "邮政业",
    "住宿业",
    "餐饮业",
    "信息传输业",
    "软件和信息技术服务业",
    "房地产开发经营",
    "物业管理",
    "租赁和商务服务业",
    "其他未列明行业",
)

CHECK_REASONS = {
    "credit_code": "INVALID_CREDIT_CODE",
    "resident_id": "INVALID_ID_NUMBER",
    "shandong_city": "INVALID_CITY",
}

CHECK_MESSAGES = {
    "credit_code": "应为18位且校验位正确（GB 32100）",
    "resident_id": "应为18位、校验位正确且出生日期真实（GB 11643）",
    "shandong_city": "应为山东省16个设区市之一（如“济南”或“济南市”）",
    "enterprise_account": "应为8至32位数字",
    "personal_card": "应为16至19位数字",
    "enterprise_size": "应为大型、中型、小型或微型",
    "unit_type": "应为企业、个体工商户、社会组织或机关事业单位",
    "industry": "应为中小企业划型标准中的行业（如工业、零售业、其他未列明行业）",
    "insurance_list": "应为养老、失业、工伤、医疗中的一项或多项",
    "rate_fraction": "费率应在0至100%之间",
}


@extensions.register_check_method()
def credit_code(values: pd.Series) -> pd.Series:
    return checks.credit_code_valid(values)


@extensions.register_check_method()
def resident_id(values: pd.Series) -> pd.Series:
    return checks.resident_id_valid(values)


@extensions.register_check_method()
def shandong_city(values: pd.Series) -> pd.Series:
    return checks.is_shandong_city(values)


@extensions.register_check_method()
def enterprise_account(values: pd.Series) -> pd.Series:
    return checks.digits_between(values, 8, 32)


@extensions.register_check_method()
def personal_card(values: pd.Series) -> pd.Series:
    return checks.digits_between(values, 16, 19)


@extensions.register_check_method()
def enterprise_size(values: pd.Series) -> pd.Series:
    return values.isin(ENTERPRISE_SIZES)


@extensions.register_check_method()
def unit_type(values: pd.Series) -> pd.Series:
    return values.isin(UNIT_TYPES)


@extensions.register_check_method()
def industry(values: pd.Series) -> pd.Series:
    return values.isin(INDUSTRIES)


@extensions.register_check_method()
def insurance_list(values: pd.Series) -> pd.Series:
    tokens = values.str.split(",").explode()
    return tokens.isin(INSURANCES).groupby(level=0).all().reindex(values.index, fill_value=False)


@extensions.register_check_method()
def rate_fraction(values: pd.Series) -> pd.Series:
    return (values >= 0) & (values <= RATE_SCALE)
