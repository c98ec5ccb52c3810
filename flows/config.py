"""Defaults of the flows' parameters.

In production they come from the environment the deployments are built and run in
(`SUBSIDY_INBOX`, `SUBSIDY_REFERENCE`, `SUBSIDY_OUT`; see docs/production.md): the department's
own folders, never this checkout's. Only the demo (`SUBSIDY_DEMO=1`, set by `make serve` on
127.0.0.1 without a proxy or credential, and by the tests) defaults to `sample_inputs/`, so that
a plain "Run" works there; a production run given the sample folders is refused
(`refuse_samples`).
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from enum import StrEnum
from pathlib import Path

from policy.catalogue import CODES, TITLES
from policy.refusal import Refusal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INPUTS = PROJECT_ROOT / "sample_inputs"


def is_demo() -> bool:
    return os.environ.get("SUBSIDY_DEMO") == "1"


def _folder(variable: str, demo: Path) -> Path:
    """A folder from the environment; in the demo only, the project's own."""
    given = os.environ.get(variable, "").strip()
    return Path(given) if given else (demo if is_demo() else Path(""))


DEFAULT_REFERENCE = _folder("SUBSIDY_REFERENCE", SAMPLE_INPUTS / "reference")
DEFAULT_OUT = _folder("SUBSIDY_OUT", PROJECT_ROOT / "out")
DEFAULT_INBOX = _folder("SUBSIDY_INBOX", PROJECT_ROOT / "inbox")
DEFAULT_INPUTS = [str(SAMPLE_INPUTS)] if is_demo() else []


def reference_folder() -> Path | None:
    """The reference folder of the environment (the demo's samples), None where none is set."""
    return DEFAULT_REFERENCE if Path("") != DEFAULT_REFERENCE else None


class SampleDataRefused(Refusal):
    """A production run given the project's sample folders: nothing is decided."""


def refuse_samples(**folders: object) -> None:
    """Outside the demo, a production run — a deployment's, or any run on a machine whose
    registry is the department's (`SUBSIDY_REGISTRY_URL`) — whose folders lie in this checkout
    (`sample_inputs/` above all) or are not set is refused with a Chinese message: real
    applications are never decided against the demo's reference lists, the demo's applications
    never enter the department's registry, and nothing is written where the next checkout
    would remove it."""
    from prefect.runtime import deployment

    production = deployment.get_id() is not None or bool(os.environ.get("SUBSIDY_REGISTRY_URL"))
    if is_demo() or not production:
        return
    for label, given in folders.items():
        paths = given if isinstance(given, list) else [given]
        for path in paths or [""]:
            text = str(path or "").strip()
            if text in ("", "."):
                raise SampleDataRefused(
                    f"生产运行未设置{label}：请在部署参数或环境变量中填写正式文件夹（见 docs/production.md）"
                )
            where = Path(text).resolve()
            if where.is_relative_to(SAMPLE_INPUTS):
                raise SampleDataRefused(
                    f"拒绝运行：{label} {text} 是本项目的示例数据，正式运行不能使用示例名单或示例申请；"
                    "请在部署参数或环境变量（SUBSIDY_REFERENCE、SUBSIDY_INBOX、SUBSIDY_OUT）中填写正式文件夹"
                )
            if where.is_relative_to(PROJECT_ROOT):
                raise SampleDataRefused(
                    f"拒绝运行：{label} {text} 位于程序目录中（更新或清理程序时会被删除）；"
                    "正式运行请使用程序目录以外的共享文件夹"
                )


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


# The programmes as the UI's multi-select offers them: by their Chinese names (a clerk's words),
# in the catalogue's order; each member's name is the programme's code.
Program = StrEnum("Program", {code: TITLES[code] for code in CODES})  # type: ignore[misc]
ALL_PROGRAMS = list(Program)


def today() -> dt.date:
    """The assessment date when none is given: today in the department's time zone."""
    return dt.datetime.now(SHANGHAI).date()


SAMPLE_RECORDS = DEFAULT_REFERENCE / "records"  # the department's own, beside its lists
DEFAULT_RECORDS = [str(SAMPLE_RECORDS)] if is_demo() else []
DEFAULT_FINDS_OUT = DEFAULT_OUT / "finds"


def default_registry_folder() -> Path:
    """The default output folder, where its SQLite registry is; with no output folder set
    (production without `SUBSIDY_OUT`), a refusal, never a file in whatever folder the worker
    runs in."""
    if str(DEFAULT_OUT) in ("", "."):
        raise SampleDataRefused(
            "未设置支付登记库：请在技术设置中填写，或由运维人员设置 SUBSIDY_REGISTRY_URL "
            "（或 SUBSIDY_OUT）"
        )
    return DEFAULT_OUT
