"""The reviewers' ledger: every sheet, formatted, formula-safe, and repeatable to the byte."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from batch.stage import batch_manifest as manifest
from ledger.settlement import BatchIdentity
from policy.catalogue import CATALOGUE, DEFERRAL, RELIEF
from policy.outcomes import REASONS
from policy.parameters import describe
from tests.conftest import ACCEPTANCE
from tests.pipeline import POLICY, decide, settle_case
from validators.checks import SHANDONG_CITIES, city_rank
from workbooks.ledger_writer import LEDGER, ledger_workbooks


def data_rows(rows: list[tuple]) -> list[tuple]:
    """A table's data rows: up to the blank row before its 合计 and signature lines."""
    end = next((i for i, row in enumerate(rows) if all(v in (None, "") for v in row)), len(rows))
    return rows[:end]


@pytest.fixture(scope="module")
def ledger_inputs():
    files, results = decide(ACCEPTANCE / "inputs", ACCEPTANCE / "reference")
    # An applicant's name that a spreadsheet would run as a formula.
    sr = next(r for r in results if r.program == "stabilization_refund")
    sr.decisions.loc[sr.decisions.index[0], "name"] = "=cmd|' /C calc'!A0"
    settled = settle_case(results)
    identity = BatchIdentity("batch-1", "L1", dt.date(2020, 12, 31), POLICY.version)
    figures = manifest(identity, files, settled, results)
    provisional = {r.program: r.reads.provisional() for r in results}
    used = sorted({n for r in results for n in r.reads.used})
    return settled, figures, provisional, describe(POLICY, used)


@pytest.fixture(scope="module")
def ledger(ledger_inputs):
    data = dict(ledger_workbooks(*ledger_inputs))
    assert list(data) == [LEDGER]  # nothing too long for one sheet here
    return data[LEDGER], dict(ledger_workbooks(*ledger_inputs))[LEDGER]


def test_ledger__has_every_sheet_in_order(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    assert workbook.sheetnames == [
        "汇总",
        "地市明细",
        "地市金额",
        "地市图表",
        "支付明细",
        "减免明细",
        "缓缴明细",
        "不予受理",
        "待复核",
        "风险核查",
        "参数",
    ]


def test_ledger__cash_relief_and_deferral_are_charted_apart_over_the_city_rows(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    assert [name for name in workbook.sheetnames if workbook[name]._charts] == ["地市图表"]
    package = zipfile.ZipFile(io.BytesIO(ledger[0]))
    charts = sorted(n for n in package.namelist() if n.startswith("xl/charts/chart"))
    assert len(charts) == 3
    table = list(workbook["地市图表"].values)
    start = next(i for i, row in enumerate(table) if row[0] == "地市（单位：元）")
    header, rows = table[start], data_rows(table[start + 1 :])
    cash = {p.title for p in CATALOGUE if p.is_cash}
    kinds = []
    for name in charts:
        chart = package.read(name).decode()
        ranges = re.findall(
            r"<c:val><c:numRef><c:f>'?地市图表'?!\$([A-Z])\$(\d+):\$[A-Z]\$(\d+)", chart
        )
        titles = {header[ord(letter) - 65] for letter, _, _ in ranges}
        kinds.append("cash" if titles <= cash else "/".join(sorted(titles)))
        for _, first, last in ranges:  # the city rows, never the 合计
            assert (int(first), int(last)) == (start + 2, start + 1 + len(rows))
    assert kinds == ["cash", RELIEF.title, DEFERRAL.title]
    # The chart sheet's figures are 地市金额's, without its 合计.
    cities = list(workbook["地市金额"].values)
    assert data_rows(cities[1:]) == rows
    # And each city's amount per programme is 地市明细's.
    by_city = list(workbook["地市明细"].values)
    amounts = {
        (r[0], r[1]): (r[6] or 0) + (r[7] or 0) + (r[8] or 0) for r in data_rows(by_city[1:])
    }
    for row in rows:
        for title, amount in zip(header[1:], row[1:], strict=True):
            assert amounts.get((row[0], title), 0) == amount


def test_ledger__same_content_same_bytes(ledger) -> None:
    assert ledger[0] == ledger[1]


def test_ledger__frozen_headers_filters_and_money_format(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    payments = workbook["支付明细"]
    assert payments.freeze_panes == "A2"
    assert payments.auto_filter.ref.startswith("A1:")
    assert payments["H2"].number_format == "#,##0.00"
    assert payments["A1"].font.bold
    assert payments.column_dimensions["D"].width > 8


def test_ledger__review_sheet_offers_approve_or_reject(ledger) -> None:
    sheet = load_workbook(io.BytesIO(ledger[0]))["待复核"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    held, (blank, total) = rows[:5], rows[5:]  # the held rows of the acceptance case; 合计
    assert set(blank) == {None} and total[0] == "合计"
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"通过,驳回"'
    assert "F2" in str(validation.sqref)  # 复核结论, beside the name, programme and amounts
    assert [c.value for c in sheet[1][:7]] == [
        "名称",
        "项目",
        "拟支付金额（元）",
        "拟减免金额（元）",
        "拟缓缴金额（元）",
        "复核结论",
        "复核意见",
    ]
    # Each amount under its kind, never relief or deferral under 拟支付; 合计 per kind.
    for row in held:
        kind = {"社会保险费阶段性减免": 3, "社会保险费缓缴": 4}.get(row[1], 2)
        assert [i for i in (2, 3, 4) if row[i] is not None] == [kind]
    for i in (2, 3, 4):
        assert total[i] == pytest.approx(sum(r[i] or 0 for r in held))


def test_ledger__review_sheet_is_protected_except_the_verdict_and_comment(ledger) -> None:
    """The empty verdict cells take their column's style, as Excel and LibreOffice do."""
    package = zipfile.ZipFile(io.BytesIO(ledger[0]))
    sheet = package.read("xl/worksheets/sheet9.xml").decode()  # 待复核
    assert 'sheetProtection sheet="1"' in sheet and 'autoFilter="0"' in sheet
    styles = package.read("xl/styles.xml").decode()
    xfs = re.findall(r"<xf [^>]*/>|<xf [^>]*>.*?</xf>", styles.split("<cellXfs")[1])
    header = [c.value for c in load_workbook(io.BytesIO(ledger[0]))["待复核"][1]]
    for number, style in re.findall(r'<col min="(\d+)" max="\d+"[^>]*?style="(\d+)"', sheet):
        unlocked = 'locked="0"' in xfs[int(style)]
        assert unlocked == (header[int(number) - 1] in ("复核结论", "复核意见")), number


def test_ledger__no_cell_is_a_formula(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    formulas = [
        c.coordinate for s in workbook for row in s.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []
    payments = workbook["支付明细"]
    [cell] = [c for c in payments["D"] if c.value == "=cmd|' /C calc'!A0"]
    assert cell.data_type == "s" and cell.quotePrefix  # stays text even if a reviewer edits it


def test_ledger__summary_totals_match_the_manifest_and_the_city_rows(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    rows = list(workbook["汇总"].iter_rows(values_only=True))
    assert rows[0][0] == "全省审核汇总表" and rows[1][:3] == ("批次号", None, "batch-1")
    header = rows.index(next(r for r in rows if r[0] == "项目"))
    assert rows[header][5:8] == ("应付金额（含此前批次已付）（元）", "减免额（元）", "缓缴额（元）")
    table = data_rows(rows[header + 1 :])
    province = {r[-1]: r[5:8] for r in table}
    assert province["spring_festival_production"] == (528400.00, 0, 0)
    assert province["contribution_deferral"] == (0, 0, 1423569.22)
    [total] = [r for r in rows if r[0] == "合计"]
    for column in (5, 6, 7):  # each kind summed on its own
        assert round(total[column] * 100) == round(sum(r[column] for r in table) * 100)
    by_city: dict[str, list[float]] = {}
    for r in data_rows(list(workbook["地市明细"].values)[1:]):
        sums = by_city.setdefault(r[-1], [0.0, 0.0, 0.0])
        for i in range(3):
            sums[i] += r[6 + i]
    assert by_city.keys() == province.keys()
    for program, amounts in province.items():
        assert [round(a, 2) for a in by_city[program]] == [round(a, 2) for a in amounts], program


def test_ledger__registers_too_long_for_a_sheet_go_one_workbook_per_city(ledger_inputs) -> None:
    settled = ledger_inputs[0]
    relief = settled.registers["contribution_relief"]
    data = dict(ledger_workbooks(*ledger_inputs, max_sheet_rows=len(relief) - 1))
    per_city = {p: b for p, b in data.items() if p.endswith("减免明细.xlsx")}
    assert per_city and all(p.startswith("registers/") for p in per_city)
    written = {}
    for path, content in per_city.items():
        sheet = load_workbook(io.BytesIO(content))["减免明细"]
        rows = data_rows(list(sheet.iter_rows(min_row=2, values_only=True)))
        city = path.removeprefix("registers/").removesuffix("-减免明细.xlsx")
        assert {r[2] for r in rows} == {city}
        written[path] = (len(rows), round(sum(r[16] for r in rows), 2))
    assert sum(n for n, _ in written.values()) == len(relief)
    index = load_workbook(io.BytesIO(data[LEDGER]))["减免明细"]
    index_rows = data_rows(list(index.iter_rows(min_row=2, values_only=True)))
    listed = {r[1]: (r[2], round(r[3], 2)) for r in index_rows}
    assert listed == written
    assert round(sum(t for _, t in listed.values()) * 100) == sum(
        int(relief[f"{k}_relief"].sum()) for k in ("pension", "unemployment", "injury", "medical")
    )


def test_ledger__cities_are_listed_in_the_official_order(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    listed = [row[0] for row in data_rows(list(workbook["地市金额"].values)[1:])]
    in_summary = list(dict.fromkeys(r[0] for r in data_rows(list(workbook["地市明细"].values)[1:])))
    assert len(listed) > 3
    for cities in (listed, in_summary):
        assert cities == sorted(cities, key=city_rank)
        official = [c for c in cities if c in SHANDONG_CITIES]
        assert official == [c for c in SHANDONG_CITIES if c in cities]
        assert cities[: len(official)] == official  # anything else (莱芜, 未填) after them


@pytest.mark.parametrize(
    "name", ["汇总", "地市明细", "支付明细", "减免明细", "缓缴明细", "地市金额"]
)
def test_ledger__a_total_row_under_each_detail_table_sums_it_outside_the_filter(
    ledger, name: str
) -> None:
    sheet = load_workbook(io.BytesIO(ledger[0]))[name]
    values = list(sheet.values)
    start = next(i for i, row in enumerate(values) if sum(v is not None for v in row) >= 3)
    header, rows = values[start], data_rows(values[start + 1 :])
    [total] = [row for row in values if row[0] == "合计"]
    money = [
        i for i, h in enumerate(header) if (h and "（元）" in str(h)) or (name == "地市金额" and i)
    ]
    assert money
    for i in money:
        assert round(total[i] * 100) == round(sum(r[i] or 0 for r in rows) * 100), header[i]
    # 合计 is not sorted with the rows
    assert sheet.auto_filter.ref.endswith(str(start + 1 + len(rows)))


def test_ledger__summary_and_payments_end_with_a_signature_block(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    for name in ("汇总", "支付明细"):
        last = [row for row in workbook[name].values if row[0]][-1][0]
        assert all(role in last for role in ("填表人", "复核人", "审批人", "日期")), name


FILE = re.compile(r"\.(xlsx|xls|csv)$|^(payments|returned)")
IDENTIFIER_HEADERS = ("代码", "编号", "账号", "文件", "身份证", "卡号", "行键", "名称", "姓名")


def test_ledger__person_facing_text_is_chinese_apart_from_codes_and_identifiers(ledger) -> None:
    """No English word in a cell a person reads, except reason codes (stable ASCII), file
    names, and the identifier and code columns (SPEC §4)."""
    workbook = load_workbook(io.BytesIO(ledger[0]))
    english = []
    for sheet in workbook:
        values = list(sheet.values)
        header = next((row for row in values if sum(v is not None for v in row) >= 3), ())
        skip = {
            i for i, h in enumerate(header) if h and any(k in str(h) for k in IDENTIFIER_HEADERS)
        }
        for row in values:
            if row and row[0] in ("批次号", "政策版本"):  # 汇总's identifier lines
                continue
            for i, value in enumerate(row):
                if i in skip or not isinstance(value, str):
                    continue
                words = re.findall(r"[A-Za-z_][A-Za-z_.]{2,}", value)
                odd = [w for w in words if w not in REASONS and not FILE.search(w)]
                if odd:
                    english.append((sheet.title, value))
    assert english == []
