"""A failed or crashed run tells the department (issue 13): every flow carries these hooks,
which post a Chinese text message to a group robot's webhook (企业微信 and 钉钉 robots both take
`{"msgtype": "text", "text": {"content": ...}}`).

The webhook's address is a secret: it comes from the environment variable
`SUBSIDY_ALERT_WEBHOOK` or the Prefect `Secret` block `subsidy-alert-webhook` (`make serve` saves
the variable into it), never from a flow parameter. Without one, the run's log says that nobody was told.
"""

from __future__ import annotations

import os

import httpx
from prefect.logging.loggers import flow_run_logger

from flows.secrets import ALERT_BLOCK, configured

ALERT_ENV = "SUBSIDY_ALERT_WEBHOOK"
TITLE = "【稳就业补贴审核系统】"


def webhook_url() -> str:
    """The robot's address: the environment, else the Secret block; empty when not set up."""
    return configured(ALERT_ENV, ALERT_BLOCK)


def message(flow_name: str, run_name: str, state_name: str, why: str) -> str:
    return (
        f"{TITLE}{flow_name} 运行未成功（{state_name}）\n"
        f"运行：{run_name}\n原因：{why or '未知'}\n请在 Prefect 界面查看该运行的日志"
    )


def post(url: str, text: str) -> str:
    """Send `text` to the robot; why it did not arrive, or "" when it did. The robot's key (the
    URL's query) never appears in what is said: it is a secret."""
    shown = url.split("?")[0]
    try:
        response = httpx.post(url, json={"msgtype": "text", "text": {"content": text}}, timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as problem:
        return f"{shown}：{str(problem).replace(url, shown)}"
    # 企业微信 and 钉钉 answer 200 with an errcode for a wrong key or a missing keyword.
    try:
        answer = response.json()
    except ValueError:
        return ""
    code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if code not in (0, "0", None):
        return f"{shown}：机器人拒收（errcode {code}：{answer.get('errmsg', '')}）"
    return ""


def alert(flow, flow_run, state) -> None:  # type: ignore[no-untyped-def]
    """Flow hook (`on_failure`, `on_crashed`): post the run's failure to the robot; whether
    nobody was told goes into the run's own log, where the person reading it looks."""
    if flow_run.parent_task_run_id is not None:
        return  # a subflow: the run that called it reports (one message per failure)
    logger = flow_run_logger(flow_run, flow)
    url = webhook_url()
    if not url:
        logger.error(
            "运行 %s 失败，但未配置告警机器人（%s），未通知任何人", flow_run.name, ALERT_ENV
        )
        return
    problem = post(url, message(flow.name, flow_run.name, state.name, state.message or ""))
    if problem:
        logger.error("运行 %s 失败的告警未能送达（%s）", flow_run.name, problem)


HOOKS = {"on_failure": [alert], "on_crashed": [alert]}


def register_from_environment() -> str:
    """Save `SUBSIDY_ALERT_WEBHOOK` as the Secret block the hooks read (`make serve`)."""
    from prefect.blocks.system import Secret

    url = os.environ.get(ALERT_ENV, "")
    if not url:
        return "未设置 SUBSIDY_ALERT_WEBHOOK：运行失败时只记入日志，不通知"
    Secret(value=url).save(ALERT_BLOCK, overwrite=True)
    return f"运行失败时将通知告警机器人（已保存为 Secret 块 {ALERT_BLOCK}）"


if __name__ == "__main__":
    print(register_from_environment())
