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
    from ledger.audit import AUDIT, batch_of
    from ledger.decision_roots import (
        ReceiptError,
        check_receipt,
        known_secret,
        receipt,
    )
    from ledger.verification import default_registry_url

    if args.command == "verify-receipt":
        try:
            found = json.loads(args.receipt.read_text(encoding="utf-8"))
        except (OSError, ValueError) as problem:
            print(f"回执无法读取：{problem}", file=sys.stderr)
            return 1
        said, problems = check_receipt(found, args.audit)
        for problem in problems:
            print(problem)
        if not problems:
            print(said)
        return 1 if problems else 0
    try:
        file, sheet, row = args.row.rsplit(":", 2)
        number = int(row)
    except ValueError:
        print(f"--row 应为 文件:工作表:行号，收到 {args.row}", file=sys.stderr)
        return 1
    if not (args.folder / AUDIT).exists():
        print(f"{args.folder} 中没有审计日志 {AUDIT}：不是批次输出目录", file=sys.stderr)
        return 1
    url = args.registry or default_registry_url(args.folder)
    batch_id = batch_of(args.folder / AUDIT)
    from ledger.registry import Registry

    registry = Registry(url) if url else None
    try:
        secret = known_secret(batch_id, args.folder, registry)
    finally:
        if registry is not None:
            registry.dispose()
    if secret is None:
        print(f"登记库中没有批次 {batch_id} 的审计密钥，无法出具回执", file=sys.stderr)
        return 1
    try:
        made = receipt(args.folder, file, sheet, number, secret, args.round)
    except ReceiptError as problem:
        print(f"无法出具回执：{problem}", file=sys.stderr)
        return 1
    text = json.dumps(made, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(args.out)
    else:
        print(text, end="")
    return 0
