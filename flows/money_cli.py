"""The money loop's commands (SPEC §8): approve or send back a round, record the upload to the
bank, reconcile bank returns, settle a lost return by hand, record a file the bank refused whole. Each prints a Chinese summary and
exits 0, or prints why it was refused and exits 1."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from policy.refusal import Refusal

if TYPE_CHECKING:  # the money loop is imported only when a money command runs
    from money.commands import Where

COMMANDS = (
    "approve",
    "sent",
    "bank-return",
    "settle",
    "refuse-file",
    "statement",
    "reissue",
    "approve-corrections",
    "recover",
    "recovered",
    "recoveries",
    "export-paid-hashes",
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
    approve.add_argument(
        "--reference",
        type=Path,
        help="参考名单文件夹（社保卡持卡库：个人补贴发放至社保卡；默认环境变量 SUBSIDY_REFERENCE）",
    )
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
    refused = commands.add_parser(
        "refuse-file",
        help="登记银行整批退回一个银行文件（笔数、金额、日期或付款账户不符；须另一人复核）",
    )
    refused.add_argument("file_name", help="银行文件名（bank/ 下的文件名）")
    statement = commands.add_parser(
        "statement", help="付款账户对账单核对：每笔已支付款项恰有一笔借方，列出重复、无对应、退汇"
    )
    statement.add_argument("files", nargs="+", type=Path, help="对账单（CSV 或 Excel）")
    statement.add_argument("--registry", help=REGISTRY_HELP)
    statement.add_argument("--by", default=getpass.getuser(), help="核对人（默认当前登录用户）")
    statement.add_argument(
        "--payer-account",
        help="对账单所属的付款账户账号（银行文件由多个资金来源的付款账户支付时必填）",
    )
    _two_people(refused, "银行的退回原因（如：总金额或总笔数不符）")
    hashes = commands.add_parser(
        "export-paid-hashes",
        help="导出本省已发放鲁渝劳务协作补贴人员的核查哈希（HMAC，不含证件号码），供合作省份核查",
    )
    hashes.add_argument("--year", required=True, help="政策年度，如 2020")
    hashes.add_argument(
        "--out", dest="workbook", required=True, type=Path, help="写出的工作簿（外省已发放名单）"
    )
    hashes.add_argument("--registry", help=REGISTRY_HELP)
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
        print(_dispatch(args, _where(args)))
    except Refusal as refused:
        print(f"未执行：{refused}", file=sys.stderr)
        return 1
    return 0


def _where(args: argparse.Namespace) -> Where:
    """--registry (never with a password), else SUBSIDY_REGISTRY_URL, else the registry.sqlite
    beside the batch folder (approve, sent) or in --out (reissue, recoveries)."""
    from flows.secrets import REGISTRY_ENV, refuse_password
    from money.commands import Where

    refuse_password(args.registry, typed_on_command_line=True)
    return Where(
        address=args.registry or os.environ.get(REGISTRY_ENV) or None,
        batch=getattr(args, "folder", None),
        out=getattr(args, "out", None),
    )


def _dispatch(args: argparse.Namespace, where: Where) -> str:
    from flows.config import reference_folder, today
    from money import commands
    from policy.parameters import load_policy

    if args.command == "approve":
        done = commands.approve(
            where,
            args.folder,
            args.approver,
            lambda: load_policy(args.policy),
            today(),
            args.round,
            commands.SEND_BACK if args.send_back is not None else commands.APPROVE,
            args.send_back,
            ask_round="请用 --round ",
            reference=args.reference or reference_folder(),
        )
        return done.summary()
    if args.command == "sent":
        count = commands.record_sent(where, args.folder, args.by, args.round)
        return f"已登记报送银行：{count} 笔"
    if args.command == "reissue":
        return commands.prepare_reissue(
            where, args.out, args.prepared_by, today(), args.corrections
        )
    if args.command == "approve-corrections":
        return commands.approve_corrections(where, args.corrections, args.approver)
    if args.command == "recover":
        return commands.mark_wrong(
            where, args.payment_id, args.amount, args.reason, args.by, args.checker
        )
    if args.command == "recovered":
        return commands.mark_recovered(where, args.item_id, args.reason, args.by, args.checker)
    if args.command == "recoveries":
        return commands.recoveries(where, args.out, today())
    if args.command == "bank-return":
        done = commands.reconcile_returns(where, args.files, args.by)
        return "\n".join(d.summary() for d in done)
    if args.command == "export-paid-hashes":
        from flows.secrets import partner_key

        return commands.export_paid_hashes(where, args.year, args.workbook, partner_key())
    if args.command == "statement":
        return commands.reconcile_statements(where, args.files, args.by, args.payer_account)
    if args.command == "refuse-file":
        return commands.refuse_file(where, args.file_name, args.reason, args.by, args.checker)
    return commands.settle_by_hand(
        where, args.payment_id, args.result, args.reason, args.by, args.checker
    )
