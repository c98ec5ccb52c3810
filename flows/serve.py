"""Deployments, declared apart from the flows: `python -m flows.serve` serves them.

- `nightly-inbox`: every night at 02:00 Asia/Shanghai (a cron without a time zone runs in UTC).
- `disburse`: manual runs from the UI; "Custom run" shows the typed parameters. A rerun of
  paid applications with a new `policy` folder pays the top-ups (补发).
- `find-people`: policy finds people (免申即享) from the contribution records.
- `whatif`: a recorded batch priced under another parameter folder (nothing paid).
- `approve`, `record-sent`, `bank-return`: the money loop (SPEC §8): approve or send back a
  round, record the upload to the bank, reconcile the bank's returns.
"""

from __future__ import annotations

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.alerts import register_from_environment
from flows.disburse import disburse
from flows.exclusive import ensure_limit, turn_of
from flows.find import find_eligible_enterprises
from flows.inbox import nightly_inbox
from flows.money_loop import approve_round, bank_return, record_sent
from flows.whatif import whatif

NIGHTLY_CRON = "0 2 * * *"
TIME_ZONE = "Asia/Shanghai"
# One run at a time per deployment; a run asked for meanwhile waits its turn (never skipped).
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)


def deployments():  # type: ignore[no-untyped-def]
    return [
        nightly_inbox.to_deployment(
            name="nightly-inbox",
            schedules=[Cron(NIGHTLY_CRON, timezone=TIME_ZONE)],
            description="每晚02:00（北京时间）处理收件箱中的新申请与复核台账",
            tags=["subsidy"],
            concurrency_limit=ONE_AT_A_TIME,
        ),
        disburse.to_deployment(
            name="disburse",
            description="手动审核：选择申请工作簿、参考名单、审核基准日与项目后运行；"
            "用新参数重跑已支付的申请即补发差额",
            tags=["subsidy"],
            concurrency_limit=ONE_AT_A_TIME,
        ),
        find_eligible_enterprises.to_deployment(
            name="find-people",
            description="免申即享：按参保缴费记录测算未申领企业的稳岗返还，生成公示名单",
            tags=["subsidy"],
        ),
        whatif.to_deployment(
            name="whatif",
            description="政策测算：已运行批次按另一套参数重新审核并对比，不登记、不支付",
            tags=["subsidy"],
        ),
        approve_round.to_deployment(
            name="approve",
            description="审批一轮拨付：批准后按银行格式写出银行文件；退回则不拨付、释放申领资格。"
            "审批人须是经办人、复核人以外的人；须填写所审阅的待审批轮次（留空则列出待审批的轮次）",
            tags=["subsidy", "money"],
        ),
        record_sent.to_deployment(
            name="record-sent",
            description="登记已批准的银行文件已报送银行",
            tags=["subsidy", "money"],
        ),
        bank_return.to_deployment(
            name="bank-return",
            description="银行回盘对账：标记支付成功、失败或退汇（也可将回盘文件放入收件箱的“回盘”文件夹，每晚对账）",
            tags=["subsidy", "money"],
        ),
    ]


def banner(served: list) -> str:  # type: ignore[type-arg]
    """What `make serve` says it serves: the real count and names."""
    return f"提供 {len(served)} 个部署：" + "、".join(d.name for d in served)


if __name__ == "__main__":
    print(register_from_environment())
    ensure_limit(turn_of({}))  # the department registry's turn, before the first run needs it
    served = deployments()
    print(banner(served), flush=True)
    serve(*served)
