"""A beneficiary's receipt (SPEC §4): `subsidy receipt` prints one decision with its Merkle path
as JSON; `subsidy verify-receipt` checks a receipt against the batch's audit log alone."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

COMMANDS = ("receipt", "verify-receipt")


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    made = commands.add_parser(
        "receipt", help="出具一行申请的审核决定回执（决定行、盐值、轮次与默克尔路径，JSON）"
    )
    made.add_argument("folder", type=Path, help="批次输出目录（OUT/<批次号>）")
    made.add_argument(
        "--row",
        required=True,
        metavar="FILE:SHEET:ROW",
        help="文件:工作表:行号，如 a.xlsx:申请表:5",
    )
    made.add_argument("--round", type=int, help="复核轮次（默认审计日志记录的最新一轮）")
    made.add_argument("--registry", help="支付登记库 URL（默认批次目录旁的 registry.sqlite）")
    made.add_argument("--out", type=Path, help="回执写入此文件（默认打印）")
    checked = commands.add_parser(
        "verify-receipt", help="核对回执：其决定行确属该批次审计日志记录的默克尔根"
    )
    checked.add_argument("receipt", type=Path, help="回执 JSON 文件")
    checked.add_argument("--audit", required=True, type=Path, help="该批次的 audit.jsonl")


def run(args: argparse.Namespace) -> int:
    from batch.receipts import issue_receipt, receipt_check
    from policy.refusal import Refusal

    try:
        if args.command == "verify-receipt":
            said, problems = receipt_check(args.receipt, args.audit)
            print("\n".join(problems or [said]))
            return 1 if problems else 0
        made = issue_receipt(args.folder, args.row, args.round, args.registry)
    except Refusal as refused:  # a bad receipt or row, or a registry that cannot be opened
        print(refused, file=sys.stderr)
        return 1
    text = json.dumps(made, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(args.out)
    else:
        print(text, end="")
    return 0
