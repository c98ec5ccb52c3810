"""The money loop's commands (SPEC §8): approve or send back a round, record the upload to the
bank, reconcile bank returns, settle a lost return by hand. Each prints a Chinese summary and
exits 0, or prints why it was refused and exits 1."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from policy.refusal import Refusal

if TYPE_CHECKING:
    from ledger.registry import Registry

COMMANDS = (
    "approve",
    "sent",
    "bank-return",
    "settle",
    "reissue",
    "approve-corrections",
    "recover",
    "recovered",
    "recoveries",
)
# No password on a command line (`ps` and the shell's history show it): the address of a
# PostgreSQL registry with a password is set once in SUBSIDY_REGISTRY_URL.
REGISTRY_HELP = "支付登记库 URL（默认环境变量 SUBSIDY_REGISTRY_URL；不可含密码）"
FOLDER_REGISTRY_HELP = (
    "支付登记库 URL（默认环境变量 SUBSIDY_REGISTRY_URL，再默认批次目录旁的 registry.sqlite；"
    "不可含密码）"
)
OUT_REGISTRY_HELP = (
    "支付登记库 URL（默认环境变量 SUBSIDY_REGISTRY_URL，再默认 --out 目录中的 registry.sqlite；"
    "不可含密码）"
)


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    approve = commands.add_parser(
        "approve",
        help="审批一轮拨付：批准则写出银行文件，--send-back 退回（须由经办人、复核人以外的人）",
    )
    approve.add_argument("folder", type=Path, help="批次输出目录（OUT/<批次号>）")
    approve.add_argument("--approver", required=True, help="审批人姓名")
    approve.add_argument(
        "--send-back", metavar="REASON", help="退回并写明原因（不拨付，释放申领资格）"
    )
    approve.add_argument(
        "--round", type=int, help="审批的复核轮次（必填，须为待审批的轮次；不填则列出待审批的轮次）"
    )
    approve.add_argument("--registry", help=FOLDER_REGISTRY_HELP)
    approve.add_argument("--policy", type=Path, help="政策参数目录（预算；默认内置参数）")
    sent = commands.add_parser("sent", help="登记一轮已批准的银行文件已报送银行")
    sent.add_argument("folder", type=Path, help="批次输出目录（OUT/<批次号>）")
    sent.add_argument("--by", default=getpass.getuser(), help="报送人（默认当前登录用户）")
    sent.add_argument("--round", type=int, help="复核轮次（默认最新一轮）")
    sent.add_argument("--registry", help=FOLDER_REGISTRY_HELP)
    back = commands.add_parser("bank-return", help="银行回盘对账：标记支付成功、失败或退汇")
    back.add_argument("files", nargs="+", type=Path, help="回盘文件（CSV、定长文本或 Excel）")
    back.add_argument("--registry", help=REGISTRY_HELP)
    back.add_argument("--by", default=getpass.getuser(), help="对账人（默认当前登录用户）")
    settle = commands.add_parser(
        "settle", help="回盘缺失时手工确认一笔支付（须写明依据并由另一人复核）"
    )
    settle.add_argument("payment_id", help="付款编号")
    settle.add_argument("--result", required=True, choices=["成功", "失败"])
    _two_people(settle, "依据（如银行回单编号）")
    reissue = commands.add_parser(
        "reissue", help="重新支付失败、退汇的款项（另建一批，须经批准）；可附账户更正表"
    )
    reissue.add_argument(
        "corrections", nargs="?", type=Path, help="账户更正表（登记后待另一人审核）"
    )
    reissue.add_argument("--out", required=True, type=Path, help="输出目录（重新支付批次建子目录）")
    reissue.add_argument("--registry", help=OUT_REGISTRY_HELP)
    reissue.add_argument(
        "--prepared-by", default=getpass.getuser(), help="经办人（默认当前登录用户）"
    )
    corrections = commands.add_parser(
        "approve-corrections", help="审核账户更正表（须由登记人以外的人）"
    )
    corrections.add_argument("corrections", type=Path, help="已登记的账户更正表")
    corrections.add_argument("--approver", required=True, help="审核人姓名")
    corrections.add_argument("--registry", help=REGISTRY_HELP)
    recover = commands.add_parser(
        "recover", help="登记一笔已拨付支付有误、须追回的金额（须另一人复核）"
    )
    recover.add_argument("payment_id", help="付款编号")
    recover.add_argument("--amount", required=True, help="追回金额（元）")
    _two_people(recover, "依据")
    recovered = commands.add_parser(
        "recovered", help="登记追回事项已追回（款项已退回，须另一人复核）"
    )
    recovered.add_argument("item_id", help="追回编号")
    _two_people(recovered, "依据（如退款凭证编号）")
    listing = commands.add_parser("recoveries", help="写出追回清单（各追回事项及其状态）")
    listing.add_argument("--out", required=True, type=Path, help="输出目录")
    listing.add_argument("--registry", help=OUT_REGISTRY_HELP)


def _two_people(command: argparse.ArgumentParser, basis: str) -> None:
    """A step done by one person, checked by another, on written grounds."""
    command.add_argument("--reason", required=True, help=basis)
    command.add_argument("--by", required=True, help="经办人")
    command.add_argument("--checker", required=True, help="复核人（不能是经办人）")
    command.add_argument("--registry", help=REGISTRY_HELP)


def run(args: argparse.Namespace) -> int:
    """Do the command against the registry: its summary (exit 0), or one Chinese line saying why
    nothing was done (exit 1)."""
    try:
        with _opened(_registry_url(args)) as registry:
            print(_dispatch(args, registry))
    except Refusal as refused:
        print(f"未执行：{refused}", file=sys.stderr)
        return 1
    return 0


class RegistryUnusable(Refusal):
    """No registry named, or the one named cannot be opened (message in Chinese)."""


def _registry_url(args: argparse.Namespace) -> str:
    """--registry (never with a password), else SUBSIDY_REGISTRY_URL, else the registry.sqlite
    beside the batch folder (approve, sent) or in --out (reissue, recoveries)."""
    from flows.secrets import REGISTRY_ENV, refuse_password
    from ledger.registry import sqlite_url
    from ledger.verification import default_registry_url

    refuse_password(args.registry, typed_on_command_line=True)
    if args.registry or os.environ.get(REGISTRY_ENV):
        return str(args.registry or os.environ[REGISTRY_ENV])
    folder = getattr(args, "folder", None)
    if folder is not None and default_registry_url(folder):
        return str(default_registry_url(folder))
    out = getattr(args, "out", None)
    if out is not None and (out / "registry.sqlite").is_file():
        return sqlite_url(str(out / "registry.sqlite"))
    raise RegistryUnusable(f"找不到支付登记库：请设置环境变量 {REGISTRY_ENV}，或用 --registry 指定")


def _opened(url: str) -> Registry:
    """The registry at `url`, which must already exist (a mistyped SQLite path is never created
    anew); an address that cannot be parsed or reached is `RegistryUnusable`."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from ledger.registry import Registry

    try:
        parsed = make_url(url)
    except ArgumentError as problem:
        raise RegistryUnusable(
            "支付登记库地址无法识别：应为 sqlite:///路径 或 postgresql+psycopg://用户@主机/库名"
        ) from problem
    shown = parsed.render_as_string(hide_password=True)
    database = parsed.database or ":memory:"
    sqlite = parsed.get_backend_name() == "sqlite" and database != ":memory:"
    if sqlite and not Path(database).is_file():
        raise RegistryUnusable(f"支付登记库 {shown} 不存在，请检查登记库地址")
    try:
        return Registry(url)
    except (ArgumentError, SQLAlchemyError, ImportError) as problem:
        raise RegistryUnusable(
            f"无法打开支付登记库 {shown}：地址有误、数据库未启动或网络不通，请检查登记库地址后重试"
        ) from problem


def _dispatch(args: argparse.Namespace, registry) -> str:  # type: ignore[no-untyped-def]
    from flows.config import today
    from ledger import reconcile, recovery, reissue, release
    from policy.money import text_to_fen
    from policy.parameters import load_policy

    if args.command == "approve":
        if args.round is None:
            raise release.name_the_round(args.folder, registry, "请用 --round ")
        done = release.approve(
            args.folder,
            args.approver,
            registry,
            load_policy(args.policy),
            today(),
            round_=args.round,
            send_back=args.send_back,
        )
        return done.summary()
    if args.command == "sent":
        count = release.mark_sent(args.folder, args.by, registry, args.round)
        return f"已登记报送银行：{count} 笔"
    if args.command == "reissue":
        lines = []
        if args.corrections:
            entered = reissue.enter_corrections(registry, args.corrections, args.prepared_by)
            lines.append(
                f"已登记账户更正 {entered} 条，须由另一人 subsidy approve-corrections 审核后使用"
            )
        prepared = reissue.prepare_reissue(registry, args.out, args.prepared_by, today())
        return "\n".join([*lines, prepared.summary()])
    if args.command == "approve-corrections":
        count = reissue.approve_corrections(registry, args.corrections, args.approver)
        return f"已审核通过账户更正 {count} 条"
    if args.command == "recover":
        try:
            fen = text_to_fen(args.amount)
        except ValueError as problem:
            raise recovery.RecoveryRefused(str(problem)) from problem
        key = recovery.mark_wrong(
            registry, args.payment_id, fen, args.reason, args.by, args.checker
        )
        return f"已登记追回事项 {key}：{args.amount} 元（此后对同一受益对象的支付先行抵扣）"
    if args.command == "recovered":
        recovery.mark_recovered(registry, args.item_id, args.reason, args.by, args.checker)
        return f"追回事项 {args.item_id} 已登记为已追回"
    if args.command == "recoveries":
        from ledger.outputs import write_atomic
        from workbooks.recovery_sheet import FILE_NAME, recovery_workbook

        args.out.mkdir(parents=True, exist_ok=True)
        items = recovery.items_frame(registry)
        path = args.out / FILE_NAME
        write_atomic(path, recovery_workbook(items, today().isoformat()))
        return f"追回清单：{path}（{len(items)} 项）"
    if args.command == "bank-return":
        from bank.formats import load_formats
        from bank.returns import read_return

        formats = load_formats()
        for path in args.files:  # every file readable before any is applied
            read_return(path, formats)
        return "\n".join(
            reconcile.reconcile(p, registry, args.by, formats).summary() for p in args.files
        )
    state = reconcile.settle_by_hand(
        registry, args.payment_id, args.result, args.reason, args.by, args.checker
    )
    return f"付款 {args.payment_id} 已手工确认为 {state}"
