"""The reviewers' ledger workbook (SPEC §4): summary, payments, registers, rejections, review.

Sheets: 汇总 (batch facts, then totals per programme for the province and per city, and a chart
of each city's amount per programme), 地市金额 (the chart's figures), 支付明细, 减免明细, 缓缴明细,
不予受理, 待复核 (with a 通过/驳回 drop-down for the reviewer), 核减待复核 (only when new parameters
owe someone less than was paid), 参数 (the policy parameters and version used). Every payment
and register row says whether a provisional parameter was used.

A detail sheet too long for one Excel sheet (a province's relief register runs past a million
rows) is written as one workbook per city under `registers/`, the way city bureaus review; the
main ledger's sheet then lists those workbooks with their rows and totals. The 待复核 sheet is
never split: the review round-trip reads it back from the main ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import replace
from itertools import repeat

import pandas as pd

from ledger.manifest import Manifest
from ledger.outputs import sort_decisions
from ledger.settlement import (
    SettledBatch,
    city_amounts,
    city_or_none,
)
from policy.catalogue import CODES, DEFERRAL, RELIEF, TITLES
from policy.claim_rounds import REVIEW_APPROVE, REVIEW_REJECT
from policy.money import capitals, fen_grouped
from policy.outcomes import APPROVED, HELD, REJECTED
from policy.parameters import short_name
from policy.qualify import how_to_qualify
from validators.checks import city_rank
from workbooks.city_chart import chart_table, city_table
from workbooks.ledger_details import (
    SIGNATURES,
    Detail,
    decreases_table,
    deferral_detail,
    payments_detail,
    relief_detail,
    table_frame,
)
from workbooks.print_setup import page_header, round_name
from workbooks.risk_sheet import risk_summary, risk_table
from workbooks.xlsx import EXCEL_MAX_ROWS, Column, Table, workbook_bytes

LEDGER = "ledger.xlsx"
# Cash amounts are what the applications are owed in all; this batch's bank file pays that
# less what earlier batches of the same applications paid (a batch fact line says how much).
CASH_MEANING = "应付金额（含此前批次已付）"
REGISTER_FOLDER = "registers"
REVIEW_SHEET = "待复核"
SUMMARY_SHEET = "汇总"
LEDGER_TITLE = "审核台账"
SUMMARY_TITLE = "全省审核汇总表"
SUMMARY_LABELS = {
    "batch_id": "批次号",
    "as_of": "审核基准日",
    "policy_version": "政策版本",
    "provisional": "暂定参数",
}
ROW_COLUMNS = [
    Column("文件"),
    Column("工作表"),
    Column("行号", "number"),
    Column("项目"),
    Column("统一社会信用代码"),
    Column("身份证号"),
    Column("名称"),
    Column("原因代码"),
]
# The reviewed ledger is matched by these (SPEC §6): the batch and round in the document
# properties' keywords, each 待复核 row by a hidden key column, never by position.
LEDGER_KEYWORD = "subsidy-ledger"
WRITER_NAME = "subsidy-disbursement"
ROW_KEY_HEADER = "行键"
QUALIFY_HEADER = "如何符合条件"  # SPEC §2 "what would make it eligible"
AMOUNT_HEADER = "拟支付金额（元）"  # cash; relief and deferral have their own (SPEC §4)
# Each held row's amount under its kind, never relief or deferral under 拟支付; 合计 per kind.
KIND_HEADERS = {RELIEF.code: "拟减免金额（元）", DEFERRAL.code: "拟缓缴金额（元）"}
# The verdict beside the name and amount; where the row came from after it; codes last.
REVIEW_COLUMNS = [  # long text wraps, so that the sheet prints legibly on one page width
    Column("名称", width=16, wrap=True),
    Column("项目", width=14, wrap=True),
    Column(AMOUNT_HEADER, "money", width=12),
    Column(KIND_HEADERS[RELIEF.code], "money", width=12),
    Column(KIND_HEADERS[DEFERRAL.code], "money", width=12),
    Column("复核结论", width=9),
    Column("复核意见", width=12, wrap=True),
    Column("原因说明", width=22, wrap=True),
    Column("文件", width=16),
    Column("工作表"),
    Column("行号", "number"),
    Column("统一社会信用代码"),
    Column("身份证号"),
    Column("原因代码", printed=False),
    Column("项目代码", printed=False),
    Column(ROW_KEY_HEADER, width=3, hidden=True),
]
REVIEW_EDITABLE = ("复核结论", "复核意见")
CONFLICT_LABEL = "复核冲突"


def row_key(program: str, file: str, sheet: str, row: int) -> str:
    """A held row's key on 待复核 (a JSON list): what the reviewed ledger is matched by."""
    return json.dumps([program, file, sheet, int(row)], ensure_ascii=False)


def parse_row_key(text: str) -> tuple[str, str, str, int] | None:
    try:
        program, file, sheet, row = json.loads(text)
        return str(program), str(file), str(sheet), int(row)
    except (ValueError, TypeError):
        return None


def ledger_keywords(batch_id: str, round_: int) -> str:
    return f"{LEDGER_KEYWORD} batch={batch_id} round={round_}"


AMOUNT_MEANING = {RELIEF.code: "减免额", DEFERRAL.code: "缓缴额"}
CITY_SHEET = "地市明细"
COUNT_COLUMNS = [
    Column("申报行数", "number", width=8, summed=True),
    Column("通过", "number", width=8, summed=True),
    Column("不予受理", "number", width=8, summed=True),
    Column("待复核", "number", width=8, summed=True),
]
# Cash, relief and deferral in columns of their own: each column's 合计 sums one kind only.
AMOUNT_COLUMNS = [  # headers wrap onto two lines
    Column(f"{CASH_MEANING}（元）", "money", width=16),
    Column("减免额（元）", "money", width=16),
    Column("缓缴额（元）", "money", width=16),
]


def ledger_workbooks(
    settled: SettledBatch,
    manifest: Manifest,
    provisional: Mapping[str, list[str]],
    parameter_rows: list[dict[str, str]],
    max_sheet_rows: int = EXCEL_MAX_ROWS - 1,
    policy_title: str = "",
    pool: Executor | None = None,
) -> Iterator[tuple[str, bytes]]:
    """The main ledger and any per-city workbooks, as (path relative to the batch, bytes).

    Yielded one at a time so that a province's registers never sit in memory all at once;
    the per-city workbooks are written in the run's worker processes (`pool`), else two at
    a time here (the engine runs outside the GIL for much of its work). The main ledger
    comes last.
    """
    # Only the rows not approved are listed row by row (不予受理, 待复核, 风险核查): they alone
    # are put in order (a province's million approved rows are counted, never sorted).
    decisions = settled.decisions
    failing = (
        sort_decisions(decisions[decisions["outcome"] != APPROVED]) if len(decisions) else decisions
    )
    described = {row["name"]: row["description"] for row in parameter_rows}
    # Provisional parameters by their Chinese name (the description up to its first note).
    named = {
        program: [short_name(described.get(n, n)) for n in names]
        for program, names in provisional.items()
    }
    details = [
        payments_detail(settled.payments, named),
        relief_detail(settled.registers.get(RELIEF.code), named),
        deferral_detail(settled.registers.get(DEFERRAL.code)),
        _rejected(failing),
    ]
    review = _review(failing)
    decreases = [decreases_table(settled.decreases)] if len(settled.decreases) else []
    if len(review.rows) > max_sheet_rows:
        raise ValueError(f"待复核 {len(review.rows)} 行，超过一张工作表的上限，请分批复核")
    sheets: list[Table] = []
    notes: list[tuple[str, str]] = []
    for detail in details:
        if len(detail.table.rows) <= max_sheet_rows or detail.table.name == "支付明细":
            sheets.append(detail.table)
            continue
        parts = _city_parts(detail)
        sheets.append(_city_index(detail, parts))
        notes.append(
            ("分地市明细", f"{detail.table.name}共 {len(detail.table.rows)} 行，按地市另存")
        )
        if pool is not None:
            yield from pool.map(_register, parts, repeat(manifest))
        else:
            with ThreadPoolExecutor(max_workers=2) as threads:
                yield from threads.map(_register, parts, repeat(manifest))
        del parts
    # The split sheets' rows are written: let go before the main ledger is built (a province's
    # relief register and its cities' copies, 0.4 GiB).
    del details
    summary = _summary(settled, decisions, manifest, provisional, notes, described, policy_title)
    amounts = city_amounts(settled)  # both city sheets' (a pass over every decision)
    cities = city_table(amounts)
    tables = [
        summary,
        _by_city(amounts, decisions),
        cities,
        chart_table(cities),
        *sheets,
        review,
        risk_table(failing, settled.screening_missing),
        *decreases,
        _parameters(parameter_rows),
    ]
    keywords = ledger_keywords(manifest.batch_id, manifest.round)
    yield (
        LEDGER,
        workbook_bytes(
            tables,
            keywords=keywords,
            creator=WRITER_NAME,
            page_head=page_header(LEDGER_TITLE, manifest.batch_id, manifest.round),
        ),
    )


def _register(part: tuple[str, Table], manifest: Manifest) -> tuple[str, bytes]:
    """A city's register workbook; its page header names the city."""
    path, table = part
    city = path.removeprefix(f"{REGISTER_FOLDER}/").removesuffix(f"-{table.name}.xlsx")
    head = page_header(f"{LEDGER_TITLE}（{city}）", manifest.batch_id, manifest.round)
    return path, workbook_bytes([table], page_head=head)


def _city_parts(detail: Detail) -> list[tuple[str, Table]]:
    """The detail sheet cut into one table per city, each with its workbook's path."""
    cities = city_or_none(detail.cities).to_numpy()
    parts = []
    for city in sorted(set(cities), key=city_rank):
        rows = detail.table.rows.loc[cities == city].reset_index(drop=True)
        table = replace(detail.table, rows=rows)
        parts.append((f"{REGISTER_FOLDER}/{city}-{detail.table.name}.xlsx", table))
    return parts


def _city_index(detail: Detail, parts: list[tuple[str, Table]]) -> Table:
    """The main ledger's sheet in place of a split one: each city's workbook, rows and total."""
    rows = []
    for path, table in parts:
        total = 0
        if detail.total:
            position = [c.header for c in table.columns].index(detail.total)
            total = int(table.rows.iloc[:, position].sum())
        city = path.removeprefix(f"{REGISTER_FOLDER}/").removesuffix(f"-{table.name}.xlsx")
        rows.append([city, path, len(table.rows), total])
    columns = [
        Column("地市"),
        Column("分册工作簿"),
        Column("行数", "number"),
        Column("合计（元）", "money"),
    ]
    return Table(detail.table.name, columns, table_frame(columns, rows))


def _summary(
    settled: SettledBatch,
    decisions: pd.DataFrame,
    manifest: Manifest,
    provisional: Mapping[str, list[str]],
    notes: list[tuple[str, str]],
    described: Mapping[str, str],
    policy_title: str,
) -> Table:
    used = sorted({p for names in provisional.values() for p in names})
    shown = [described.get(name) or name for name in used]
    version = manifest.policy_version
    lines = [
        (SUMMARY_TITLE, f"{round_name(manifest.round)}审核结果（单位：元）"),
        (SUMMARY_LABELS["batch_id"], manifest.batch_id),
        (SUMMARY_LABELS["as_of"], manifest.as_of),
        (SUMMARY_LABELS["policy_version"], _policy_in_words(policy_title, version)),
        (SUMMARY_LABELS["provisional"], "；".join(shown) if shown else "无"),
        *_next_steps(decisions, manifest),
        ("本批银行支付", _bank_file_line(settled.payments)),
        ("大写金额", "人民币" + capitals(int(settled.payments["amount"].sum()))),
        ("风险核查", _risk_line(decisions, settled.screening_missing)),
        *[(CONFLICT_LABEL, line) for line in _conflict_lines(settled)],
        *[("复核结论未采用", note) for note in settled.review_notes],
        *notes,
        *[
            ("未能处理的文件", f"{i.file}：{i.error} {i.message or ''}")
            for i in manifest.unusable_inputs()
        ],
    ]
    rows = []
    for program in CODES:
        figures = manifest.programs[program]
        counts = [figures.input_rows, figures.approved, figures.rejected, figures.held]
        amount = int(figures.amount.replace(".", ""))
        used_provisional = "是" if provisional.get(program) else "否"
        rows.append([TITLES[program], *counts, *_apart(program, amount), used_provisional, program])
    columns = [
        Column("项目"),
        *COUNT_COLUMNS,
        *AMOUNT_COLUMNS,
        Column("使用暂定参数", width=8),
        Column("项目代码", printed=False),  # for machines, last (SPEC §4)
    ]
    return Table(
        SUMMARY_SHEET,
        columns,
        table_frame(columns, rows),
        titled=True,
        lines_above=lines,
        total=True,
        lines_below=[SIGNATURES],
    )


def _apart(program: str, amount: int) -> list[int]:
    """The amount in its own column: cash owed, relief or deferral (never summed together)."""
    kinds = [p for p in CODES if p not in AMOUNT_MEANING], [RELIEF.code], [DEFERRAL.code]
    return [amount if program in kind else 0 for kind in kinds]


def _by_city(amounts: Mapping[tuple[str, str], int], decisions: pd.DataFrame) -> Table:
    """地市明细: each city's rows and amount per programme, cities in the official order."""
    counts = _city_counts(decisions)
    rows = [
        [
            city,
            TITLES[program],
            int(row.sum()),
            int(row.get(APPROVED, 0)),
            int(row.get(REJECTED, 0)),
            int(row.get(HELD, 0)),
            *_apart(program, int(amounts.get((city, program), 0))),
            program,
        ]
        for (city, program), row in counts.iterrows()
    ]
    columns = [
        Column("地市"),
        Column("项目"),
        *COUNT_COLUMNS,
        *AMOUNT_COLUMNS,
        Column("项目代码", printed=False),
    ]
    return Table(CITY_SHEET, columns, table_frame(columns, rows), total=True)


def _policy_in_words(title: str, version: str) -> str:
    return f"{title}（版本 {version}）" if title else version


def _conflict_lines(settled: SettledBatch) -> list[str]:
    """One line per ignored verdict: the row, the verdict in force and the one ignored."""
    return [
        f"{c.file} {c.sheet} 第{int(c.row)}行：采用“{c.in_force or '无'}”，未采用“{c.ignored}”（{c.reason}）"
        for c in settled.conflicts.itertuples()
    ]


def _risk_line(decisions: pd.DataFrame, missing: Mapping[str, str]) -> str:
    """SPEC §2 screening on 汇总: rows held for risk and their amount, the checks not run."""
    count, fen = risk_summary(decisions)
    said = (
        f"暂缓支付 {count} 行，{fen_grouped(fen)} 元（见“风险核查”工作表）"
        if count
        else "未发现风险"
    )
    if missing:
        said += f"；未核查 {len(missing)} 项（名单或密钥缺失：{'、'.join(missing)}）"
    return said


def _next_steps(decisions: pd.DataFrame, manifest: Manifest) -> list[tuple[str, str]]:
    """What the reviewer does next, first: verdicts to give, applications to return, files
    to have resubmitted."""
    held = sum(figures.held for figures in manifest.programs.values())
    failing = decisions[decisions["outcome"] != APPROVED] if len(decisions) else decisions
    returned = failing["file"].nunique() if len(failing) else 0
    unusable = len(manifest.unusable_inputs())
    steps = [
        f"待复核 {held} 行：请在“待复核”工作表填写复核结论后放回收件箱" if held else "无待复核行",
        f"退回申请人 {returned} 份（标注后的申请表在 returned 文件夹）" if returned else "",
        f"未能处理的文件 {unusable} 个：请申请单位按模板重新提交（见下方说明）" if unusable else "",
    ]
    return [("下一步", step) for step in steps if step]


def _bank_file_line(payments: pd.DataFrame) -> str:
    """This round's bank file: payments and their sum, top-ups (补发) among them."""
    total = fen_grouped(int(payments["amount"].sum()))
    line = f"{len(payments)} 笔，{total} 元（见 payments.csv 和资金拨付申请表）"
    topups = payments[payments["kind"] == "topup"]
    if len(topups):
        line += f"，其中补发 {len(topups)} 笔，{fen_grouped(int(topups['amount'].sum()))} 元"
    return line


def _city_counts(decisions: pd.DataFrame) -> pd.DataFrame:
    if not len(decisions):
        return pd.DataFrame()
    city = city_or_none(decisions["city"])
    rank = city.map({name: city_rank(name)[0] for name in city.unique()})
    order = decisions["program"].map({p: i for i, p in enumerate(CODES)})
    counts = pd.crosstab([rank, city, order, decisions["program"]], decisions["outcome"])
    return counts.droplevel([0, 2])


def _row_details(rows: pd.DataFrame) -> dict[str, pd.Series]:
    """Where a decision row came from and why it was decided so (`ROW_COLUMNS` + message)."""
    return {
        "file": rows["file"],
        "sheet": rows["sheet"],
        "row": rows["row"].astype("int64"),
        "program": rows["program"].map(TITLES),
        "credit_code": rows["credit_code"],
        "id_number": rows["id_number"],
        "name": rows["name"],
        "codes": rows["reason_codes"],
        "message": rows["message"],
    }


def _rejected(decisions: pd.DataFrame) -> Detail:
    # Landscape at 75 % on one page width: the programme's title and both texts wrap.
    columns = [
        Column("项目", width=14, wrap=True) if c.header == "项目" else c for c in ROW_COLUMNS
    ]
    columns += [
        Column("原因说明", width=28, wrap=True),
        Column(QUALIFY_HEADER, width=34, wrap=True),
    ]
    rejected = decisions[decisions["outcome"] == REJECTED]
    rows = pd.DataFrame({**_row_details(rejected), "qualify": _qualify(rejected)}).reset_index(
        drop=True
    )
    return Detail(Table("不予受理", columns, rows), rejected["city"].reset_index(drop=True))


def _qualify(rows: pd.DataFrame) -> pd.Series:
    """What would make each row eligible (SPEC §2), as the batch settled it."""
    if "how_to_qualify" in rows:
        return rows["how_to_qualify"].fillna("")
    return how_to_qualify(rows) if len(rows) else pd.Series("", index=rows.index, dtype=object)


def _review(decisions: pd.DataFrame) -> Table:
    held = decisions[decisions["outcome"] == HELD]
    details = _row_details(held)
    rows = pd.DataFrame(
        {
            "name": details["name"],
            "program": details["program"],
            **{
                header: held["proposed"].where(held["program"].isin(codes)).astype("float64")
                for header, codes in _review_kinds().items()
            },
            "verdict": "",
            "comment": "",
            "message": details["message"],
            "file": details["file"],
            "sheet": details["sheet"],
            "row": details["row"],
            "credit_code": details["credit_code"],
            "id_number": details["id_number"],
            "codes": details["codes"],
            "code": held["program"],
            "key": [
                row_key(*key)
                for key in zip(
                    held["program"], held["file"], held["sheet"], held["row"], strict=True
                )
            ],
        }
    ).reset_index(drop=True)
    return Table(
        REVIEW_SHEET,
        REVIEW_COLUMNS,
        rows,
        choices={"复核结论": [REVIEW_APPROVE, REVIEW_REJECT]},
        editable=REVIEW_EDITABLE,
        total=True,
    )


def _review_kinds() -> dict[str, list[str]]:
    """The 待复核 amount columns and the programmes whose amounts each holds."""
    cash = [p for p in CODES if p not in KIND_HEADERS]
    return {AMOUNT_HEADER: cash, **{h: [p] for p, h in KIND_HEADERS.items()}}


def _parameters(parameter_rows: list[dict[str, str]]) -> Table:
    columns = [
        Column("参数", width=28),
        Column("生效日期"),
        Column("取值", width=24),
        Column("单位"),
        Column("依据文件", width=36),
        Column("暂定"),
        Column("参数代码", printed=False),  # for machines, last (SPEC §4)
    ]
    keys = ["description", "start", "value", "unit", "reference", "provisional", "name"]
    return Table(
        "参数", columns, table_frame(columns, [[r[k] for k in keys] for r in parameter_rows])
    )
