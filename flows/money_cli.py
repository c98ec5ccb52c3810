"""The money loop's commands (SPEC §8): approve or send back a round, record the upload to the
bank, reconcile bank returns, settle a lost return by hand. Each prints a Chinese summary and
exits 0, or prints why it was refused and exits 1."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

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
    approve.add_argument("--round", type=int, help="审批的复核轮次（默认最新一轮）")
    approve.add_argument("--registry", help="支付登记库 URL（默认批次目录旁的 registry.sqlite）")
    approve.add_argument("--policy", type=Path, help="政策参数目录（预算；默认内置参数）")
    sent = commands.add_parser("sent", help="登记一轮已批准的银行文件已报送银行")
    sent.add_argument("folder", type=Path, help="批次输出目录（OUT/<批次号>）")
    sent.add_argument("--by", default=getpass.getuser(), help="报送人（默认当前登录用户）")
    sent.add_argument("--round", type=int, help="复核轮次（默认最新一轮）")
    sent.add_argument("--registry", help="支付登记库 URL（默认批次目录旁的 registry.sqlite）")
    back = commands.add_parser("bank-return", help="银行回盘对账：标记支付成功、失败或退汇")
    back.add_argument("files", nargs="+", type=Path, help="回盘文件（CSV、定长文本或 Excel）")
    back.add_argument("--registry", required=True, help="支付登记库 URL")
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
    reissue.add_argument("--registry", required=True, help="支付登记库 URL")
    reissue.add_argument(
        "--prepared-by", default=getpass.getuser(), help="经办人（默认当前登录用户）"
    )
    corrections = commands.add_parser(
        "approve-corrections", help="审核账户更正表（须由登记人以外的人）"
    )
    corrections.add_argument("corrections", type=Path, help="已登记的账户更正表")
    corrections.add_argument("--approver", required=True, help="审核人姓名")
    corrections.add_argument("--registry", required=True, help="支付登记库 URL")
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
    listing.add_argument("--registry", required=True, help="支付登记库 URL")


def _two_people(command: argparse.ArgumentParser, basis: str) -> None:
    """A step done by one person, checked by another, on written grounds."""
    command.add_argument("--reason", required=True, help=basis)
    command.add_argument("--by", required=True, help="经办人")
    command.add_argument("--checker", required=True, help="复核人（不能是经办人）")
    command.add_argument("--registry", required=True, help="支付登记库 URL")


def run(args: argparse.Namespace) -> int:
    from ledger.reconcile import SettleRefused
    from ledger.recovery import RecoveryRefused
    from ledger.registry import Registry
    from ledger.reissue import ReissueRefused
    from ledger.release import ApprovalRefused
    from ledger.verification import default_registry_url

    folder = getattr(args, "folder", None)
    url = args.registry or (default_registry_url(folder) if folder else None)
    if not url:
        print("找不到支付登记库：请用 --registry 指定", file=sys.stderr)
        return 1
    try:
        with Registry(url) as registry:
            print(_dispatch(args, registry))
    except (ApprovalRefused, RecoveryRefused, ReissueRefused, SettleRefused) as refused:
        print(f"未执行：{refused}", file=sys.stderr)
        return 1
    return 0


def _dispatch(args: argparse.Namespace, registry) -> str:  # type: ignore[no-untyped-def]
    from flows.config import today
    from ledger import reconcile, recovery, reissue, release
    from policy.money import text_to_fen
    from policy.parameters import load_policy

    if args.command == "approve":
        done = release.approve(
            args.folder,
            args.approver,
            registry,
            load_policy(args.policy),
            today(),
            send_back=args.send_back,
            round_=args.round,
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
        return "\n".join(reconcile.reconcile(p, registry, args.by).summary() for p in args.files)
    state = reconcile.settle_by_hand(
        registry, args.payment_id, args.result, args.reason, args.by, args.checker
    )
    return f"付款 {args.payment_id} 已手工确认为 {state}"
