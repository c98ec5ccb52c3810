"""Write `sample_inputs/`: realistic applications for all six programmes and the reference lists.

Deterministic (fixed seed, fixed workbook properties): rerunning it reproduces the committed
files byte for byte. Each workbook mixes clean rows with a few rows of every defect the reader,
the validators and the rules must handle — full-width digits, stray spaces, text dates, a title
row above the header, bad check digits, unknown cities, duplicates, and each programme's
ineligibility and hold reasons.

    python scripts/make_sample_inputs.py [FOLDER]
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from make_card_list import card_list
from openpyxl import Workbook
from sample_identities import (
    CITY_AREAS,
    CQ_AREAS,
    account,
    credit_code,
    enterprises,
    full_width,
    id_number,
    luhn_card,
    person,
    rng,
    spaced,
)

from ledger.outputs import write_atomic
from policy.catalogue import CHONGQING, DEFERRAL, NEW_HIRE, REFUND, RELIEF, SPRING_FESTIVAL
from validators.sheets import RECORDS_SHEET
from workbooks.styling import workbook_bytes
from workbooks.templates import template_workbook


def fill(
    workbook: Workbook, sheet: str, rows: Sequence[Sequence[object]], title: str | None = None
) -> None:
    target = workbook[sheet]
    if title and target.merged_cells.ranges:  # the template's own title and notes: retitled
        target.cell(row=1, column=1, value=title)
    elif title:
        target.insert_rows(1, amount=2)
        target.cell(row=1, column=1, value=title)
        target.cell(row=2, column=1, value="填报单位（盖章）：            填报日期：")
    # The header: the first row with a second cell (the template's notes are merged across).
    start = next(r for r in range(1, 20) if target.cell(r, 2).value is not None) + 1
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            target.cell(row=start + offset, column=column, value=value)


def stabilization(folder: Path, dishonest: list[dict[str, str]]) -> list[dict[str, str]]:
    """稳岗返还 applications; returns the enterprises, some of which the records list too."""
    firms = enterprises(12)
    rows: list[list[object]] = []
    for i, f in enumerate(firms[:8]):
        size = ("小型", "中型", "微型", "大型")[i % 4]
        headcount = rng.randrange(40, 900)
        paid = round(headcount * rng.uniform(80, 160), 2)
        rows.append(
            [
                full_width(f["code"]) if i == 1 else f["code"],
                f["name"],
                f["city"] + ("市" if i % 3 == 0 else ""),
                size,
                headcount,
                int(headcount * 0.03),
                rng.randrange(13, 80),
                paid,
                round(paid * 0.43, 2),
                f["bank"],
                spaced(f["account"]) if i % 2 else f["account"],
            ]
        )
    short, small, big = firms[9], firms[10], firms[11]
    rows += [
        [
            dishonest[0]["code"],
            dishonest[0]["name"],
            dishonest[0]["city"],
            "中型",
            120,
            2,
            40,
            15000,
            6428.57,
            dishonest[0]["bank"],
            dishonest[0]["account"],
        ],
        [
            short["code"],
            short["name"],
            short["city"],
            "小型",
            80,
            1,
            11,
            9000,
            3857.14,
            short["bank"],
            short["account"],
        ],
        [
            small["code"],
            small["name"],
            small["city"],
            "微型",
            20,
            5,
            24,
            3456.78,
            1481.48,
            small["bank"],
            small["account"],
        ],
        [
            big["code"],
            big["name"],
            big["city"],
            "小型",
            1200,
            10,
            40,
            188000,
            80571.43,
            big["bank"],
            big["account"],
            "工业",
            1200,
            50000,
        ],
        [
            firms[0]["code"][:-1] + "0",
            "齐康医疗器械有限公司",
            "淄博",
            "微型",
            50,
            0,
            20,
            5000,
            2142.86,
            "中国农业银行",
            account(),
        ],
        [
            credit_code("371202"),
            "华安机械有限公司",
            "莱芜市",
            "微型",
            50,
            0,
            20,
            5000,
            2142.86,
            "中国工商银行",
            account(),
        ],
        [
            credit_code("370902"),
            "泰丰食品有限公司",
            "泰安",
            "小型",
            50,
            0,
            20,
            5000,
            2142.86,
            "中国农业银行",
            None,
        ],
        [
            credit_code("370602"),
            "恒宇物流有限公司",
            "烟台",
            "微型",
            50,
            0,
            20,
            -5000,
            2142.86,
            "中国农业银行",
            account(),
        ],
        rows[0],
    ]
    workbook = template_workbook(REFUND)
    fill(workbook, "稳岗返还", rows, title="2020年度失业保险稳岗返还申请表")
    save(workbook, folder / REFUND.file_name)
    return firms


def records(path: Path, applied: list[dict[str, str]], dishonest: dict[str, str]) -> None:
    """参保缴费记录 for policy-finds-people: two enterprises that applied (and are paid by the
    demo run), one on the dishonesty list, and new ones — eligible, over the layoff limit,
    insured too briefly, a small one judged on its start-of-year staff."""
    new = enterprises(6)
    # (enterprise, insured staff at the start and the end of last year, months insured)
    listed = [
        (applied[0], 210, 205, 36),
        (applied[1], 48, 47, 24),
        (dishonest, 70, 69, 40),
        (new[0], 28, 23, 18),  # 5 of 28 at the start (17.9%): within the small limit
        (new[1], 140, 120, 30),  # 20 of 140 (14.3%): over 5.5%
        (new[2], 60, 60, 8),  # insured 8 months
        (new[3], 9, 9, 14),
        (new[4], 35, 35, 20),
        (new[5], 400, 398, 60),
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RECORDS_SHEET.name
    sheet.append(["2019年度失业保险参保缴费记录（社保经办机构导出）"])
    headers = [header for _, header, _, _ in RECORDS_SHEET.columns()]
    sheet.append(headers)
    for firm, start, end, months in listed:
        employer = round(start * rng.uniform(80, 160), 2)
        values = {
            "统一社会信用代码": firm["code"],
            "单位名称": firm["name"],
            "所属地市": firm["city"],
            "企业规模": "大型" if start >= 300 else ("中型" if start >= 100 else "小型"),
            "上年初参保职工人数": start,
            "上年末参保职工人数": end,
            "连续参保缴费月数": months,
            "上年度单位缴纳失业保险费（元）": employer,
            "上年度职工缴纳失业保险费（元）": round(employer * 0.43, 2),
            "开户银行": firm["bank"],
            "银行账号": firm["account"],
        }
        sheet.append([values.get(h) for h in headers])
    path.parent.mkdir(parents=True, exist_ok=True)
    save(workbook, path)


def save(workbook: Workbook, path: Path) -> None:
    write_atomic(path, workbook_bytes(workbook))


def roster_programs(folder: Path, key: list[dict[str, str]]) -> None:
    """春节防疫物资生产 and 吸纳就业: an enterprise sheet and a worker roster each."""
    outsider = enterprises(1)[0]
    firms = [*key[:2], outsider]
    workbook = template_workbook(SPRING_FESTIVAL)
    fill(
        workbook,
        "企业信息",
        [
            [f["code"], f["name"], f["city"], s, f["bank"], f["account"]]
            for f, s in zip(firms, ("小型", "大型", "中型"), strict=True)
        ],
    )
    window = (dt.date(2020, 1, 24), dt.date(2020, 2, 9))
    rows: list[list[object]] = []
    for i in range(24):
        f = firms[i % 2]
        start = window[0] + dt.timedelta(days=rng.randrange(0, 5))
        days = (window[1] - start).days + 1 - rng.randrange(0, 2)
        text_start = (
            start,
            start.strftime("%Y%m%d"),
            f"{start.year}年{start.month}月{start.day}日",
        )
        rows.append(
            [
                f["code"],
                id_number(rng.choice(list(CITY_AREAS.values()))),
                person(),
                text_start[i % 3],
                "2020-02-09" if i % 2 else window[1],
                days,
            ]
        )
    shared = id_number("370202")
    rows += [
        [firms[0]["code"], shared, "李敏", "2020-01-24", "2020年2月2日", 10],  # overlap → held
        [firms[1]["code"], shared, "李敏", "2020-02-01", "20200209", 9],  # overlap → held
        [firms[0]["code"], id_number("370502"), "刘强", "2020/1/31", "2020/2/9", 15],  # > window
        rows[0][:],  # duplicate row
        [outsider["code"], id_number("370602"), "黄军", "2020/1/24", "2020-02-09", 17],  # not key
        [credit_code("370702"), id_number("371302"), "刘敏明", "2020/1/24", "20200209", 17],
        [firms[0]["code"], id_number("371002")[:-1] + "0", "错号人", "2020-01-24", "20200209", 17],
        [
            firms[1]["code"],
            next(i for i in (id_number("371702") for _ in range(200)) if i.endswith("X")).lower(),
            "李勇华",
            "2020-01-24",
            "2020/2/9",
            17,
        ],
    ]
    fill(workbook, "用工明细", rows, title="春节期间用工明细表")
    save(workbook, folder / SPRING_FESTIVAL.file_name)

    hirers = enterprises(4)
    workbook = template_workbook(NEW_HIRE)
    resumed = ("2020-02-12", dt.date(2020, 2, 5), "2020-03-10", "2020年2月20日")
    fill(
        workbook,
        "企业信息",
        [
            [
                full_width(f["code"]) if i == 0 else f["code"],
                f["name"],
                f["city"],
                "小型",
                resumed[i],
                f["bank"],
                spaced(f["account"]),
            ]
            for i, f in enumerate(hirers)
        ],
    )
    yes = ("是", "Y", 1, "1")
    hires: list[list[object]] = []
    for i in range(14):
        f = hirers[(0, 2, 3)[i % 3]]
        day = dt.date(2020, 3, 10) if f is hirers[2] else dt.date(2020, 2, 21 + i % 7)
        hires.append(
            [
                f["code"],
                id_number(rng.choice(list(CITY_AREAS.values()))),
                person(),
                (day, day.isoformat(), f"{day.year}/{day.month}/{day.day}")[i % 3],
                yes[i % 4],
                yes[(i + 1) % 4],
            ]
        )
    twice = id_number("371002")
    hires += [
        [hirers[1]["code"], id_number("370202"), "李敏华", "2020/2/15", "是", 1],  # resumed early
        [hirers[3]["code"], id_number("370102"), "陈敏明", dt.date(2020, 3, 11), "Y", "是"],
        [hirers[0]["code"], id_number("370902"), "张娜", "2020年2月20日", "否", 1],
        [hirers[3]["code"], id_number("371402"), "张伟平", "2020-02-21", "是", "否"],
        [hirers[0]["code"], twice, "陈洋平", "2020-02-15", "是", "是"],  # wins
        [hirers[2]["code"], twice, "陈洋平", dt.date(2020, 3, 10), "Y", "是"],  # DUPLICATE_CLAIM
        hires[1][:],  # DUPLICATE_ROW
    ]
    fill(workbook, "新招用人员", hires)
    save(workbook, folder / NEW_HIRE.file_name)


def chongqing(folder: Path) -> list[list[str]]:
    """鲁渝劳务协作; returns the poverty-registry entries it relies on."""
    employer = enterprises(1)[0]
    rows: list[list[object]] = []
    spans = [
        ("2020年3月1日", None),
        (dt.date(2020, 5, 10), dt.date(2020, 8, 9)),
        (dt.date(2020, 5, 10), "2020/8/8"),
        ("2019年11月1日", "2020年2月29日"),
        ("2020-01-15", "20201231"),
        (dt.date(2020, 6, 1), "2020/9/30"),
        ("2020/7/21", None),
        ("2020-04-06", None),
    ]
    registry = []
    for i, (start, end) in enumerate(spans):
        worker = id_number(rng.choice(CQ_AREAS))
        name = person()
        registry.append([worker, name])
        card = luhn_card()
        rows.append(
            [
                worker.lower() if i == 3 else worker,
                name,
                employer["code"],
                employer["name"],
                employer["city"] + "市",
                start,
                end,
                "重庆农村商业银行",
                spaced(card) if i % 2 else card,
            ]
        )
    bad_card = luhn_card()
    bad_card = bad_card[:-1] + str((int(bad_card[-1]) + 1) % 10)
    unregistered = id_number("500235")
    rows += [
        [
            id_number("510104"),
            person(),
            employer["code"],
            employer["name"],
            "济南市",
            dt.date(2020, 3, 1),
            "2020/9/30",
            "重庆农村商业银行",
            luhn_card(),
        ],
        [
            unregistered,
            person(),
            employer["code"],
            employer["name"],
            "济南市",
            dt.date(2020, 3, 1),
            "2020-09-30",
            "重庆农村商业银行",
            luhn_card(),
        ],
        [
            registry[0][0],
            registry[0][1],
            employer["code"],
            employer["name"],
            "济南市",
            "2020-02-01",
            "2020-07-31",
            "重庆农村商业银行",
            bad_card,
        ],
        rows[1][:],
    ]
    rows[-2][0] = id_number("500103")
    registry.append([rows[-2][0], rows[-2][1]])
    workbook = template_workbook(CHONGQING)
    fill(workbook, "鲁渝劳务协作", rows, title="重庆籍建档立卡贫困劳动力在鲁就业补贴申请表")
    save(workbook, folder / CHONGQING.file_name)
    return registry


def contributions(folder: Path) -> None:
    """社保费减免申报 (a year of months for two firms, and single months) and 缓缴申请."""
    firms = enterprises(10)
    month_forms = ("{y}-{m:02d}", "{y}{m:02d}", "{y}年{m}月")
    rows: list[list[object]] = []
    for f, size, unit in ((firms[0], "小型", "企业"), (firms[1], "大型", "企业")):
        for month in range(1, 13):
            base = round(rng.uniform(80000, 900000), 2)
            label = month_forms[month % 3].format(y=2020, m=month)
            rows.append(
                [
                    f["code"],
                    f["name"],
                    f["city"],
                    size,
                    unit,
                    label,
                    base,
                    base,
                    base,
                    ("0.5%", 0.002, "1.2%")[month % 3],
                    base,
                    (0.07, "8%", 0.085)[month % 3],
                ]
            )
    for f, size, unit, month in (
        (firms[2], "中型", "机关事业单位", "2020年3月"),
        (firms[3], "微型", "个体工商户", "2020-04"),
        (firms[4], "中型", "社会组织", "2020年3月"),
        (firms[5], "微型", "企业", dt.date(2020, 6, 1)),
    ):
        base = round(rng.uniform(200000, 800000), 2)
        rows.append(
            [
                f["code"],
                f["name"],
                f["city"] + "市",
                size,
                unit,
                month,
                base,
                base,
                base,
                0.008,
                base,
                "8.5%",
            ]
        )
    rows += [
        [
            firms[6]["code"],
            firms[6]["name"],
            firms[6]["city"],
            "中型",
            "企业",
            "2020年5月",
            169323.99,
            169323.99,
            169323.99,
            0.008,
            169323.99,
            0.085,
            "零售业",
            400,
            30000,
        ],
        [
            firms[7]["code"],
            firms[7]["name"],
            firms[7]["city"],
            "小型",
            "企业",
            "2020-05",
            314803.76,
            314803.76,
            314803.76,
            0.002,
            314803.76,
            "8.5%",
            "零售业",
            40,
            800,
        ],
        [
            firms[8]["code"],
            firms[8]["name"],
            "泰安市",
            "小型",
            "企业",
            "2020-13",
            644242.53,
            644242.53,
            644242.53,
            0.012,
            644242.53,
            "8.5%",
        ],
        rows[3][:],
    ]
    workbook = template_workbook(RELIEF)
    fill(workbook, "缴费申报", rows)
    save(workbook, folder / RELIEF.file_name)

    applicants = enterprises(8)
    spec = [
        ("大型", "企业", "养老,失业,工伤,医疗", "2020年2月", dt.date(2020, 7, 1), 1),
        ("小型", "企业", "医疗", "2020-03", dt.date(2020, 8, 1), "是"),
        ("小型", "企业", "养老", "202003", "2020年5月", 1),
        ("中型", "企业", "养老、失业、工伤、医疗", "2020-04", "2020-06", "否"),
        ("大型", "企业", "养老 失业", "202002", "2020-08", "是"),
        ("大型", "企业", "养老", dt.date(2020, 10, 1), dt.date(2021, 1, 1), "是"),
        ("中型", "机关事业单位", "养老", "2020-03", "2020-04", "是"),
        ("大型", "社会组织", "养老，医疗", "2020年5月", "2020-07", "Y"),
    ]
    rows = []
    for f, (size, unit, kinds, first, last, hardship) in zip(applicants, spec, strict=True):
        base = round(rng.uniform(200000, 2000000), 2)
        rows.append(
            [
                f["code"],
                f["name"],
                f["city"],
                size,
                unit,
                kinds,
                first,
                last,
                hardship,
                base,
                base,
                base,
                "0.5%",
                base,
                "8%",
            ]
        )
    workbook = template_workbook(DEFERRAL)
    fill(workbook, "缓缴申请", rows, title="受疫情影响企业社会保险费缓缴申请表")
    save(workbook, folder / DEFERRAL.file_name)


def reference_list(
    path: Path, sheet: str, header: tuple[str, ...], rows: Sequence[Sequence[str]]
) -> None:
    workbook = Workbook()
    target = workbook.active
    target.title = sheet
    target.append(list(header))
    for row in rows:
        target.append(list(row))
    save(workbook, path)


def main(folder: Path) -> None:
    references = folder / "reference"
    references.mkdir(parents=True, exist_ok=True)
    dishonest = enterprises(1)
    key = enterprises(2)
    applied = stabilization(folder, dishonest)
    roster_programs(folder, key)
    registry = chongqing(folder)
    contributions(folder)
    code_name = ("统一社会信用代码", "单位名称")
    reference_list(
        references / "重点企业名单.xlsx",
        "重点企业名单",
        code_name,
        [(f["code"], f["name"]) for f in key],
    )
    reference_list(
        references / "严重失信名单.xlsx",
        "严重失信名单",
        code_name,
        [(f["code"], f["name"]) for f in dishonest],
    )
    reference_list(references / "建档立卡名单.xlsx", "建档立卡名单", ("身份证号", "姓名"), registry)
    cards = card_list(folder)  # every 鲁渝 worker's 社保卡, at the account the application gives
    reference_list(
        references / "社保卡持卡库.xlsx",
        "社保卡持卡库",
        tuple(cards.columns),
        cards.values.tolist(),
    )
    records(folder / "reference" / "records" / "参保缴费记录.xlsx", applied, dishonest[0])
    screening_lists(references)


def screening_lists(references: Path) -> None:
    """The screening lists (SPEC §2), as a department receives them: each names people and an
    enterprise who did not apply, so the demo's 风险核查 finds nothing and shows what was
    checked (the partner province's hash list needs the key both provinces hold: not here)."""
    reference_list(
        references / "死亡人员名单.xlsx",
        "死亡人员名单",
        ("证件号码", "姓名", "死亡日期"),
        [
            ("370102195001011230", "王某某", "2020-03-15"),
            ("500101196502021234", "李某某", "2020-07-01"),
        ],
    )
    reference_list(
        references / "服刑人员名单.xlsx",
        "服刑人员名单",
        ("证件号码", "入监日期", "出监日期"),
        [
            ("370203198803031235", "2019-11-20", ""),
            ("500102199004041236", "2018-05-06", "2020-01-10"),
        ],
    )
    reference_list(
        references / "市场主体注销吊销名单.xlsx",
        "市场主体注销吊销名单",
        ("统一社会信用代码", "名称", "状态", "日期"),
        [("91370100MA3C7X0001", "济南示例商贸有限公司", "注销", "2020-06-30")],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("sample_inputs"))
