"""Operator commands of `subsidy` (docs/production.md): save the two Prefect Secret blocks
without the value ever appearing on a command line or in shell history, and send a test alert."""

from __future__ import annotations

import argparse
import getpass
import sys

from flows.secrets import ALERT_BLOCK, PARTNER_BLOCK, REGISTRY_BLOCK
from policy.paid_hashes import MIN_KEY_BYTES

COMMANDS = ("secret", "alert-test")
BLOCKS = {"registry": REGISTRY_BLOCK, "alert": ALERT_BLOCK, "partner": PARTNER_BLOCK}
PROMPTS = {
    "registry": "支付登记库地址（postgresql+psycopg://用户:密码@主机/库名，输入不回显）：",
    "alert": "告警机器人 Webhook 地址（企业微信或钉钉群机器人，输入不回显）：",
    "partner": f"与合作省份共同持有的核查密钥（至少 {MIN_KEY_BYTES} 字节，输入不回显）：",
}
SCHEMES = {"registry": ("postgresql", "sqlite"), "alert": ("https://", "http://"), "partner": ("",)}


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    secret = commands.add_parser(
        "secret", help="保存 Prefect Secret 块（从键盘或标准输入读取，不回显、不留在命令行）"
    )
    secret.add_argument(
        "which",
        choices=list(BLOCKS),
        help="registry：支付登记库；alert：告警机器人；partner：与合作省份的核查密钥",
    )
    commands.add_parser("alert-test", help="向告警机器人发送一条测试消息，并报告是否送达")


def run(args: argparse.Namespace) -> int:
    if args.command == "secret":
        return _save_secret(args.which)
    return _test_alert()


def _save_secret(which: str) -> int:
    from prefect.blocks.system import Secret

    value = (
        getpass.getpass(PROMPTS[which]) if sys.stdin.isatty() else sys.stdin.readline()
    ).strip()
    if which == "partner" and len(value.encode()) < MIN_KEY_BYTES:
        print(f"未保存：核查密钥至少 {MIN_KEY_BYTES} 字节", file=sys.stderr)
        return 1
    if not value.startswith(SCHEMES[which]):
        print(f"未保存：地址应以 {' 或 '.join(SCHEMES[which])} 开头", file=sys.stderr)
        return 1
    Secret(value=value).save(BLOCKS[which], overwrite=True)
    print(f"已保存 Secret 块 {BLOCKS[which]}")
    return 0


def _test_alert() -> int:
    from flows.alerts import TITLE, post, webhook_url  # Prefect only when it is needed

    url = webhook_url()
    if not url:
        print(
            "未配置告警机器人（SUBSIDY_ALERT_WEBHOOK 或 subsidy secret alert）：运行失败时只记入日志",
            file=sys.stderr,
        )
        return 1
    problem = post(url, f"{TITLE}测试消息：告警机器人已接通，运行失败时将在此通知")
    if problem:
        print(f"测试消息未能送达：{problem}", file=sys.stderr)
        return 1
    print("测试消息已送达告警机器人")
    return 0
