"""How the flows' parameters appear in the Prefect UI's "Custom run" form (issue 13).

Prefect titles each field with the parameter's Python name and shows an optional `str | None`
as a choice between a text and a `None` ("Property is type None"). Here each parameter gets a
Chinese title, an optional path or number is one plain text box (left empty, the flow receives
`None`), a date is typed as YYYY-MM-DD text (the date picker opens at today in US format), and the
settings a clerk never touches sit in one group, 技术设置, after the clerk's fields.
The descriptions stay in the flows' docstrings, where Prefect reads them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from flows.config import Program

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def titled(title: str) -> Any:
    """The field's title in the form (Prefect's own title, the parameter's name, yields to it)."""
    return Field(json_schema_extra={"title": title})


def optional(title: str, empty: object = "") -> Any:
    """The title of a field whose default is None, and the form's default: an empty box (the form
    checks a `None` default against the field's type and refuses to submit)."""
    return Field(json_schema_extra={"title": title, "default": empty})


def _none_if_empty(value: object) -> object:
    return None if value in ("", []) else value


# An optional text: a single text box in the form; left empty, the flow receives None.
PLAIN_TEXT = (WithJsonSchema({"type": "string"}), BeforeValidator(_none_if_empty))
# A date typed as text (or left empty), checked against the pattern by the form and by Prefect.
DATE_TEXT = (
    WithJsonSchema({"type": "string", "pattern": f"^({DATE_PATTERN[1:-1]})?$"}),
    BeforeValidator(_none_if_empty),
)

Inputs = Annotated[list[str], titled("申请工作簿或文件夹")]
Programs = Annotated[list[Program], titled("项目（可多选）")]
Records = Annotated[list[str], titled("参保缴费记录工作簿或文件夹")]
AsOf = Annotated[dt.date | None, *DATE_TEXT, optional("审核基准日")]
FindAsOf = Annotated[dt.date | None, *DATE_TEXT, optional("测算基准日")]
Reference = Annotated[str | None, *PLAIN_TEXT, titled("参考名单文件夹")]
Out = Annotated[str, titled("输出目录")]
OptionalOut = Annotated[str | None, *PLAIN_TEXT, optional("输出目录")]
Inbox = Annotated[str, titled("收件箱文件夹")]
ReviewedLedger = Annotated[str | None, *PLAIN_TEXT, optional("复核后的台账（复核后重新运行）")]
TopupOf = Annotated[str | None, *PLAIN_TEXT, optional("补发：已支付批次的批次号")]
Policy = Annotated[str | None, *PLAIN_TEXT, optional("政策参数文件夹")]
# The approval's reference folder (the 社保卡持卡库), left empty for the deployment's own.
ApprovalReference = Annotated[str | None, *PLAIN_TEXT, optional("参考名单文件夹")]
DryRun = Annotated[bool, titled("试运行（只审核，不登记、不支付）")]
PreparedBy = Annotated[str | None, *PLAIN_TEXT, optional("经办人")]
Batch = Annotated[str, titled("已运行批次的输出目录")]
NewPolicy = Annotated[str, titled("拟采用的政策参数文件夹")]
BaselinePolicy = Annotated[str | None, *PLAIN_TEXT, optional("批次当时的政策参数文件夹")]
OptionalInputs = Annotated[
    list[str] | None,
    WithJsonSchema({"type": "array", "items": {"type": "string"}}),
    BeforeValidator(_none_if_empty),
    optional("申请工作簿或文件夹（留空按审计日志查找）", empty=[]),
]


BatchFolder = Annotated[str, titled("批次输出目录")]
Approver = Annotated[str, titled("审批人")]
# No default: the approver types 批准 or 退回 (a default 批准 would approve a round by
# omission; the form's drop-down of Prefect 3.9 does not open for such a field). Left empty,
# the run refuses.
Decision = Annotated[
    Literal["批准", "退回"] | None,
    WithJsonSchema({"type": "string", "pattern": "^(批准|退回)?$"}),
    BeforeValidator(_none_if_empty),
    optional("审批结论"),
]
# The round the approver looked at, typed (a form cannot list the rounds awaiting approval:
# left empty, the run lists them and approves nothing).
ApprovalRound = Annotated[
    int | None,
    WithJsonSchema({"type": "string", "pattern": r"^\d*$"}),
    BeforeValidator(_none_if_empty),
    optional("审批的复核轮次"),
]
Reason = Annotated[str | None, *PLAIN_TEXT, optional("退回原因或审批意见")]
ReturnFiles = Annotated[list[str], titled("银行回盘文件")]
Person = Annotated[str, titled("经办人")]


# Where the payments registry is: a technical setting, grouped apart from a clerk's fields. (No
# docstring: it would become the group's description in the form, in English.)
class Storage(BaseModel):
    model_config = ConfigDict(title="技术设置")

    registry: str = Field(
        "",
        title="支付登记库地址",
        description="留空为输出目录中的 SQLite 文件；PostgreSQL 的地址含密码时请用 Secret 块 "
        "subsidy-registry-url 或环境变量 SUBSIDY_REGISTRY_URL，不要填在这里",
    )


# The registry and where the workbooks are read.
class Technical(Storage):
    dask_address: str = Field(
        "",
        title="Dask 调度器地址",
        description="如 tcp://10.0.0.5:8786；填 local 为本机临时集群；留空为本机多线程",
    )


TechnicalField = Annotated[Technical, titled("技术设置（信息科填写，一般留空）")]
StorageField = Annotated[Storage, titled("技术设置（信息科填写，一般留空）")]
