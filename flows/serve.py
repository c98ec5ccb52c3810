"""Deployments, declared apart from the flows: `python -m flows.serve` serves them.

- `nightly-inbox`: every night at 02:00 Asia/Shanghai (a cron without a time zone runs in UTC).
- `disburse`: manual runs from the UI; "Custom run" shows the typed parameters.
"""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.disburse import disburse
from flows.inbox import nightly_inbox

NIGHTLY_CRON = "0 2 * * *"
TIME_ZONE = "Asia/Shanghai"


def deployments():  # type: ignore[no-untyped-def]
    return [
        nightly_inbox.to_deployment(
            name="nightly-inbox",
            schedules=[Cron(NIGHTLY_CRON, timezone=TIME_ZONE)],
            description="每晚02:00（北京时间）处理收件箱中的新申请与复核台账",
            tags=["subsidy"],
        ),
        disburse.to_deployment(
            name="disburse",
            description="手动审核：选择申请工作簿、参考名单、审核基准日与项目后运行",
            tags=["subsidy"],
        ),
    ]


if __name__ == "__main__":
    serve(*deployments())
