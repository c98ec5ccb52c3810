"""What `subsidy run` says when it ends (on standard error; standard output stays the batch
folder, for scripts): per programme the rows and their outcomes and the amount by kind, the
batch's totals, and the next step."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from policy.catalogue import DEFERRAL, RELIEF, TITLES
from policy.money import fen_grouped
from workbooks.print_setup import round_name
from workbooks.styling import display_width

KIND = {RELIEF.code: "减免", DEFERRAL.code: "缓缴"}


def run_summary(folder: Path) -> str:
    """The summary of the batch written into `folder` (from its manifest.json)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    round_ = int(manifest.get("round", 0))
    lines = [
        f"批次 {manifest['batch_id']}（审核基准日 {manifest['as_of']}，"
        + round_name(round_)
        + "）",
        _row("项目", "申报行", "通过", "不予受理", "待复核", "金额（元）"),
    ]
    held = 0
    for code, figures in manifest["programs"].items():
        if not figures["input_rows"]:
            continue
        held += figures["held"]
        kind = KIND.get(code, "现金")
        counts = (figures[k] for k in ("input_rows", "approved", "rejected", "held"))
        lines.append(_row(TITLES[code], *map(str, counts), f"{kind} {_yuan(figures['amount'])}"))
    totals = manifest["totals"]
    lines.append(
        f"合计：现金 {_yuan(totals['payments'])} 元；减免 {_yuan(totals['relief'])} 元；"
        f"缓缴 {_yuan(totals['deferred'])} 元（三者分列，不相加）"
    )
    lines.append(f"下一步：打开 {folder / 'ledger.xlsx'} 的“汇总”表")
    if held:
        lines.append(
            f"　　待复核 {held} 行：在“待复核”表填写复核结论后，运行 subsidy run … "
            f"--reviewed-ledger {folder / 'ledger.xlsx'}"
        )
    lines.append(
        f"　　审批本轮拨付（经办人以外的人）：subsidy approve {folder} --approver 姓名 --round {round_}"
    )
    return "\n".join(lines)


def _row(title: str, *cells: str) -> str:
    """A line of the table, columns aligned as a terminal shows them (a CJK glyph is two wide)."""
    return (
        _padded(title, 40)
        + "".join(" " * max(10 - display_width(cell), 1) + cell for cell in cells[:-1])
        + "  "
        + cells[-1]
    )


def _padded(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 1)


def _yuan(text: str) -> str:
    return fen_grouped(int(Decimal(text) * 100))
