"""The `subsidy` command: run the disbursement flow, or write blank application templates."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# The command sends nothing anywhere by itself: Prefect's usage telemetry is off whether or not
# it is started through `make` (an offline department machine logged an ERROR for each try).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# A run without a Prefect server starts an embedded one; on a busy office PC (or a CI machine
# running the suite) it may need longer than Prefect's 20 s to answer.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from flows import money_cli, ops_cli, receipt_cli  # after the environment above
from flows.config import ALL_PROGRAMS, Program


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from problem


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="subsidy", description="疫情期间稳就业补贴与社保费减免缓缴审核"
    )
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="审核申请工作簿并生成台账、银行支付文件与审计日志")
    run.add_argument("inputs", nargs="+", type=Path, help="申请工作簿或所在文件夹")
    run.add_argument("--out", required=True, type=Path, help="输出目录（按批次号建子目录）")
    run.add_argument("--reference", type=Path, help="参考名单目录（重点企业、建档立卡、严重失信）")
    run.add_argument(
        "--as-of",
        type=_date,
        help="审核基准日 YYYY-MM-DD（新批次必填；复核后重跑、补发沿用原批次的）",
    )
    run.add_argument("--registry", help="支付登记库 URL（默认 OUT/registry.sqlite）")
    run.add_argument("--policy", type=Path, help="政策参数目录（默认内置参数）")
    run.add_argument("--dry-run", action="store_true", help="只审核和输出，不登记支付")
    run.add_argument("--reviewed-ledger", type=Path, help="已填写复核结论的台账 ledger.xlsx")
    run.add_argument(
        "--dask-address",
        help="Dask 调度器地址，如 tcp://10.0.0.5:8786（local 为本机临时集群；默认本机多线程）",
    )
    run.add_argument(
        "--topup-of", help="补发：已支付批次的批次号（同一批申请按 --policy 的新参数只付差额）"
    )
    run.add_argument(
        "--prepared-by", help="经办人（默认当前登录用户）；本轮拨付须由经办人以外的人审批"
    )
    run.add_argument("--no-progress", action="store_true", help="不显示进度条")
    run.add_argument(
        "--programs",
        nargs="+",
        choices=[p.name for p in Program],  # the programmes' codes
        help="只处理这些项目（默认全部）",
    )
    generate = commands.add_parser(
        "generate", help="生成合成测试批次（按地市、按项目的申请工作簿）"
    )
    generate.add_argument("--scale", choices=["tiny", "small", "city", "province"], default="small")
    generate.add_argument("--out", required=True, type=Path)
    generate.add_argument("--seed", type=int, default=2020)
    verify = commands.add_parser("verify", help="核对批次输出目录：文件哈希、审计日志与支付登记库")
    verify.add_argument("folder", type=Path, help="批次输出目录（OUT/<批次号>）")
    verify.add_argument("--registry", help="支付登记库 URL（默认批次目录旁的 registry.sqlite）")
    verify_audit = commands.add_parser(
        "verify-audit", help="核对审计日志的哈希链，并按批次目录中的决定重算默克尔根"
    )
    verify_audit.add_argument("path", type=Path, help="audit.jsonl")
    verify_audit.add_argument("--registry", help="支付登记库 URL（核对每次运行后记录的日志头）")
    find = commands.add_parser(
        "find", help="免申即享：按参保缴费记录测算未申领企业的稳岗返还，生成拟发放与公示名单"
    )
    find.add_argument("records", nargs="+", type=Path, help="参保缴费记录工作簿或所在文件夹")
    find.add_argument("--out", required=True, type=Path, help="输出目录（按结果编号建子目录）")
    find.add_argument("--reference", type=Path, help="参考名单目录（需含严重失信名单）")
    find.add_argument("--registry", help="支付登记库 URL（排除已申领、已支付的企业）")
    find.add_argument("--as-of", type=_date, help="测算基准日 YYYY-MM-DD（默认今天）")
    find.add_argument("--policy", type=Path, help="政策参数目录（默认内置参数）")
    whatif = commands.add_parser(
        "whatif", help="政策测算：按另一套参数重新审核已运行的批次并对比（不登记、不支付）"
    )
    whatif.add_argument("batch", type=Path, help="已运行批次的输出目录（OUT/<批次号>）")
    whatif.add_argument("--policy", required=True, type=Path, help="调整后的政策参数目录")
    whatif.add_argument("--baseline-policy", type=Path, help="该批次当时的参数目录（默认内置）")
    whatif.add_argument("--inputs", nargs="+", type=Path, help="申请工作簿（默认按审计日志查找）")
    whatif.add_argument("--reference", type=Path, help="参考名单目录")
    whatif.add_argument("--out", type=Path, help="测算输出目录（默认批次目录旁的 whatif/）")
    migrate = commands.add_parser("migrate", help="升级支付登记库的结构到本版本（先备份）")
    migrate.add_argument(
        "--registry", required=True, help="支付登记库 URL（sqlite:///… 或 postgresql+psycopg://…）"
    )
    money_cli.add_commands(commands)
    receipt_cli.add_commands(commands)
    ops_cli.add_commands(commands)
    templates = commands.add_parser("templates", help="生成各项目的空白申报模板")
    templates.add_argument("folder", type=Path)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "templates":
        from workbooks.templates import write_templates

        for path in write_templates(args.folder):
            print(path)
        return 0
    if args.command in ("verify", "verify-audit"):
        return _verify(args)
    if args.command == "migrate":
        return _migrate(args.registry)
    if args.command in money_cli.COMMANDS:
        return money_cli.run(args)
    if args.command in receipt_cli.COMMANDS:
        return receipt_cli.run(args)
    if args.command in ops_cli.COMMANDS:
        return ops_cli.run(args)
    if args.command == "find":
        return _find(args)
    if args.command == "whatif":
        return _whatif(args)
    if args.command == "generate":
        from workbooks.synthetic_batch import write_batch

        folder = write_batch(
            args.scale,
            args.out,
            args.seed,
            progress=lambda name, rows: print(f"{name}\t{rows}", file=sys.stderr),
        )
        print(folder)
        return 0
    if _secret_given(args.registry):
        return 1
    from flows.disburse import disburse
    from flows.fanout import listening
    from flows.form import Technical

    args.out.mkdir(parents=True, exist_ok=True)
    shown = not args.no_progress and sys.stderr.isatty()
    with _progress_bar(enabled=shown) as advance, listening(advance):
        return _reported(
            summarised=True,
            run=lambda: disburse(
                inputs=[str(p) for p in args.inputs],
                out=str(args.out),
                reference=_optional(args.reference),
                # None for a new batch is refused, as in the UI; a rerun or top-up keeps its
                # batch's date.
                as_of=args.as_of,
                policy=_optional(args.policy),
                dry_run=args.dry_run,
                reviewed_ledger=_optional(args.reviewed_ledger),
                programs=[Program[p] for p in args.programs] if args.programs else ALL_PROGRAMS,
                topup_of=args.topup_of,
                prepared_by=args.prepared_by or getpass.getuser(),
                technical=Technical(
                    registry=args.registry or "", dask_address=args.dask_address or ""
                ),
            ),
        )


def _reported(run: Callable[[], object], summarised: bool = False) -> int:
    """Print where a flow wrote (exit 0) — for `run`, after its summary and next step on
    standard error —, or why the run itself failed (exit 1): rejected rows are never a
    failure."""
    try:
        written = run()
    except Exception as problem:
        print(f"运行失败：{problem}", file=sys.stderr)
        return 1
    if summarised and (Path(str(written)) / "manifest.json").is_file():
        from flows.run_summary import run_summary

        print(run_summary(Path(str(written))), file=sys.stderr)
    print(written)
    return 0


def _secret_given(registry: str | None) -> bool:
    """Whether the registry given holds a password, said in one line: checked before the flow
    run is created, which would store it among the run's parameters."""
    from flows.secrets import SecretInParameter, refuse_password

    try:
        refuse_password(registry, typed_on_command_line=True)
    except SecretInParameter as refused:
        print(f"未执行：{refused}", file=sys.stderr)
        return True
    return False


def _optional(path: Path | None) -> str | None:
    return str(path) if path else None


def _find(args: argparse.Namespace) -> int:
    if _secret_given(args.registry):
        return 1
    from flows.find import find_eligible_enterprises
    from flows.form import Storage

    return _reported(
        lambda: find_eligible_enterprises(
            records=[str(p) for p in args.records],
            out=str(args.out),
            reference=_optional(args.reference),
            as_of=args.as_of,
            policy=_optional(args.policy),
            technical=Storage(registry=args.registry or ""),
        )
    )


def _whatif(args: argparse.Namespace) -> int:
    from batch.whatif import WORKBOOK
    from flows.whatif import whatif

    chosen = {"reference": _optional(args.reference)} if args.reference else {}
    return _reported(
        lambda: (
            Path(
                whatif(
                    batch=str(args.batch),
                    policy=str(args.policy),
                    baseline_policy=_optional(args.baseline_policy),
                    inputs=[str(p) for p in args.inputs] if args.inputs else None,
                    out=_optional(args.out),
                    **chosen,
                )
            )
            / WORKBOOK
        )
    )


def _migrate(url: str) -> int:
    """Bring the registry to this version's schema revision, saying from which to which."""
    from money.commands import upgrade_registry
    from policy.refusal import Refusal

    try:
        print(upgrade_registry(url))
    except Refusal as refused:
        print(refused, file=sys.stderr)
        return 1
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Print what does not hold (exit 1), or that everything checked out (exit 0)."""
    from flows.secrets import REGISTRY_ENV
    from policy.refusal import Refusal

    if _secret_given(args.registry):
        return 2
    try:
        return _checked(args, args.registry or os.environ.get(REGISTRY_ENV))
    except Refusal as refused:
        print(f"未核对：{refused}", file=sys.stderr)
        return 1


def _checked(args: argparse.Namespace, named: str | None) -> int:
    """`verify` or `verify-audit` against the registry named, else the one beside the batch."""
    from money import verification
    from money.commands import Where

    if args.command == "verify":
        registry = Where(named, batch=args.folder).url()
        problems = verification.folder_problems(args.folder, registry)
        if registry and not problems:
            lines, owed = verification.money_proof(args.folder, registry)
            print("\n".join(lines))
            problems += owed
        checked = f"批次目录 {args.folder}"
    else:
        registry = Where(named, batch=args.path.parent).url()
        problems = verification.audit_problems(args.path, registry)
        checked = f"审计日志 {args.path}"
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"核对通过：{checked}" + ("（含支付登记库）" if registry else "（未核对登记库）"))
    return 0


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int, int, str], None]]:
    """A terminal progress bar over the run's workbooks (nothing when output is not a tty)."""
    if not enabled:
        yield lambda done, total, name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("读取工作簿", total=None)

        def advance(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label[:30])

        yield advance


if __name__ == "__main__":
    sys.exit(main())
