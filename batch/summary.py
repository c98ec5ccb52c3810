"""The batch's run summary in Chinese (no personal data): what each programme decided, what is
left to a person, and totals per city — for the Prefect UI and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ledger.manifest import Manifest
from ledger.settlement import SettledBatch, city_amounts
from policy.catalogue import CATALOGUE, TITLES
from policy.money import fen_grouped, fen_text
from policy.parameters import PolicySet, short_name
from validators.checks import city_rank


def all_rejected(figures: Manifest) -> str:
    """The warning of a batch in which every row was rejected (empty when not so)."""
    programs = figures.programs.values()
    rows = sum(p.input_rows for p in programs)
    if rows and not any(p.approved or p.held for p in programs):
        return f"本批次 {rows} 行申报全部不予受理，没有支付；请核对审核基准日和台账“不予受理”工作表"
    return ""


def _yuan(amount: str) -> str:
    """A manifest amount ("701512.05") as a person reads it: 701,512.05."""
    return fen_grouped(int(amount.replace(".", "")))


def markdown(
    figures: Manifest, folder: Path, ignored: int = 0, named: Mapping[str, str] | None = None
) -> str:
    """The run's summary in Chinese; `named` gives parameters' Chinese names by code."""
    warning = all_rejected(figures)
    named = named or {}
    provisional = [named.get(code, code) for code in figures.provisional_parameters]
    lines = [
        f"# 批次 {figures.batch_id} 审核结果",
        "",
        *([f"> **{warning}**", ""] if warning else []),
        f"- 审核基准日：{figures.as_of}",
        f"- 复核轮次：第 {figures.round} 轮（第 0 轮为首次审核）",
        f"- 政策版本：{figures.policy_version}",
        f"- 暂定参数：{'、'.join(provisional) or '无'}",
        f"- 台账：`{folder / 'ledger.xlsx'}`",
        "",
        "| 项目 | 申报行数 | 通过 | 不予受理 | 待复核 | 金额（元） |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for code, row in figures.programs.items():
        lines.append(
            f"| {TITLES[code]} | {row.input_rows} | {row.approved} | "
            f"{row.rejected} | {row.held} | {_yuan(row.amount)} |"
        )
    totals = figures.totals
    lines += [
        "",
        f"合计：应付 {_yuan(totals['payments'])} 元（含此前批次已付）；"
        f"减免 {_yuan(totals['relief'])} 元；缓缴 {_yuan(totals['deferred'])} 元；"
        f"免收滞纳金 {_yuan(totals['late_fee_waived'])} 元。",
    ]
    bank, decreases = figures.bank_file, figures.decreases
    lines.append("")
    lines.append(
        f"本批次银行支付文件：{bank.payments} 笔，{_yuan(bank.amount)} 元"
        + (f"（其中补发 {bank.topups} 笔，{_yuan(bank.topup_amount)} 元）" if bank.topups else "")
        + "。"
    )
    if decreases.beneficiaries:
        lines += [""]
        lines.append(
            f"按现行参数应付少于已付：{decreases.beneficiaries} 个对象，合计 "
            f"{_yuan(decreases.amount)} 元，见台账“核减待复核”（已登记为待追回事项，此后对其支付先行抵扣）。"
        )
    returned = figures.returned_files()
    if returned:
        lines += [""]
        lines.append(f"退回申请人的标注工作簿：{len(returned)} 个，见 `{folder / 'returned'}`。")
    lines += [""]
    lines.append("各地市各项目金额见下方“按地市汇总”表，与台账“地市金额”工作表同一口径。")
    conflicts = figures.review_conflicts
    if conflicts:
        lines += ["", "## 复核冲突（未采用的复核结论）", ""]
        lines += [
            f"- {c.file} {c.sheet} 第{c.row}行：采用“{c.in_force or '无'}”，未采用“{c.ignored}”"
            for c in conflicts
        ]
    unusable = figures.unusable_inputs()
    if unusable:
        lines += ["", "## 未能处理的文件", ""]
        lines += [f"- {i.file}：{i.error} {i.message}" for i in unusable]
    if ignored:
        lines += ["", f"已忽略 {ignored} 个 Office 临时文件（~$ 开头）或隐藏文件。"]
    return "\n".join(lines) + "\n"


def city_table(settled: SettledBatch) -> list[dict[str, str]]:
    """Totals per city and programme for the UI (capped payments; relief and deferral sums)."""
    amounts = city_amounts(settled)
    cities = sorted({city for city, _ in amounts}, key=city_rank)
    return [
        {"地市": city} | {p.title: fen_text(amounts.get((city, p.code), 0)) for p in CATALOGUE}
        for city in cities
    ]


def parameter_names(policy: PolicySet) -> dict[str, str]:
    """Each parameter's Chinese name, by code."""
    return {code: short_name(p.description) for code, p in policy.parameters.items()}
