"""Synthetic workbooks for the roster, worker and contribution programmes (see `batch`).

Expected amounts are worked out here with plain `Decimal` arithmetic from the 2020 policy as
SPEC §2 states it, independently of `policy/`, so the generated batch checks the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import numpy as np

from policy.catalogue import CHONGQING, DEFERRAL, NEW_HIRE, RELIEF, SPRING_FESTIVAL
from synthetic import identities as ids
from synthetic.batch import (
    SIZES,
    References,
    Scale,
    Workbook,
    corrupt_check_character,
    defects,
    expected_frame,
    fen_of,
    money_values,
    refund_workbook,
    with_duplicates,
    with_headers,
)

WINDOW = (dt.date(2020, 1, 24), dt.date(2020, 2, 9))
HIRE_WINDOW = (dt.date(2020, 2, 10), dt.date(2020, 3, 10))
AS_OF = dt.date(2020, 12, 31)
SHANDONG_AREAS = np.array(list(ids.CITY_AREAS.values()))


def _dates(rng: np.random.Generator, first: dt.date, last: dt.date, count: int) -> np.ndarray:
    """Random dates in [first, last], never after the 28th (so whole months are unambiguous)."""
    offsets = rng.integers(0, (last - first).days + 1, size=count)
    days = [first + dt.timedelta(days=int(o)) for o in offsets]
    return np.array([d.replace(day=min(d.day, 28)) for d in days], dtype=object)


def festival_workbook(
    rng: np.random.Generator, city: str, count: int, refs: References
) -> Workbook:
    firms = max(2, count // 50)
    codes = ids.credit_codes(rng, ids.CITY_AREAS[city], firms)
    refs.key_enterprises.extend(codes[1:])  # the first enterprise is not on the key list
    enterprises = with_headers(
        SPRING_FESTIVAL.code,
        "企业信息",
        {
            "credit_code": codes,
            "name": [f"{city}防疫物资企业{i}" for i in range(firms)],
            "city": city,
            "declared_size": SIZES[rng.integers(0, 4, size=firms)],
            "bank_name": "中国建设银行",
            "bank_account": ids.accounts(rng, firms),
        },
    )
    employer = codes[rng.integers(0, firms, size=count)].astype(object)
    defect = defects(
        rng, count, ["INVALID_ID_NUMBER", "SFP_DAYS_EXCEED_WINDOW", "UNKNOWN_ENTERPRISE"]
    )
    defect[(employer == codes[0]) & (defect == "")] = "SFP_NOT_KEY_ENTERPRISE"
    people = ids.id_numbers(rng, SHANDONG_AREAS, count)
    corrupt_check_character(people, defect == "INVALID_ID_NUMBER")
    employer[defect == "UNKNOWN_ENTERPRISE"] = ids.credit_codes(
        rng, ids.CITY_AREAS[city], int((defect == "UNKNOWN_ENTERPRISE").sum())
    )
    starts = _dates(rng, WINDOW[0], WINDOW[0] + dt.timedelta(days=6), count)
    overlap = np.array([(WINDOW[1] - s).days + 1 for s in starts])
    days = overlap - rng.integers(0, 3, size=count)
    days[defect == "SFP_DAYS_EXCEED_WINDOW"] = overlap[defect == "SFP_DAYS_EXCEED_WINDOW"] + 1
    roster = with_headers(
        SPRING_FESTIVAL.code,
        "用工明细",
        {
            "credit_code": employer,
            "id_number": people,
            "person_name": "职工",
            "start_date": starts,
            "end_date": WINDOW[1],
            "days": days,
        },
    )
    amounts = [int(d) * 200 * 100 for d in days]
    roster, expected = with_duplicates(rng, roster, expected_frame(defect, amounts))
    return Workbook(
        SPRING_FESTIVAL.code, city, {"企业信息": enterprises, "用工明细": roster}, expected
    )


def hire_workbook(rng: np.random.Generator, city: str, count: int, refs: References) -> Workbook:
    firms = max(2, count // 10)
    codes = ids.credit_codes(rng, ids.CITY_AREAS[city], firms)
    resumed = _dates(rng, HIRE_WINDOW[0], dt.date(2020, 2, 20), firms)
    resumed[0] = dt.date(2020, 2, 5)  # resumed before the window: all its hires fail
    enterprises = with_headers(
        NEW_HIRE.code,
        "企业信息",
        {
            "credit_code": codes,
            "name": [f"{city}复工企业{i}" for i in range(firms)],
            "city": city,
            "declared_size": "小型",
            "resume_date": resumed,
            "bank_name": "齐鲁银行",
            "bank_account": ids.accounts(rng, firms),
        },
    )
    firm = rng.integers(0, firms, size=count)
    defect = defects(
        rng, count, ["NH_NO_CONTRACT", "NH_NOT_INSURED", "NH_HIRE_DATE", "INVALID_ID_NUMBER"]
    )
    defect[(firm == 0) & np.isin(defect, ["", "NH_HIRE_DATE"])] = "NH_RESUME_DATE"
    hires = _dates(rng, dt.date(2020, 2, 21), HIRE_WINDOW[1], count)
    hires[defect == "NH_HIRE_DATE"] = dt.date(2020, 3, 11)
    people = ids.id_numbers(rng, SHANDONG_AREAS, count)
    corrupt_check_character(people, defect == "INVALID_ID_NUMBER")
    roster = with_headers(
        NEW_HIRE.code,
        "新招用人员",
        {
            "credit_code": codes[firm],
            "id_number": people,
            "person_name": "新员工",
            "hire_date": hires,
            "contract_signed": np.where(defect == "NH_NO_CONTRACT", "否", "是"),
            "insured": np.where(defect == "NH_NOT_INSURED", "N", "Y"),
        },
    )
    roster, expected = with_duplicates(rng, roster, expected_frame(defect, [100000] * count))
    return Workbook(NEW_HIRE.code, city, {"企业信息": enterprises, "新招用人员": roster}, expected)


def whole_months(start: dt.date, end: dt.date) -> int:
    """Count whole months by stepping month by month (not the policy's formula)."""
    months = 0
    while True:
        year, month = divmod(start.month - 1 + months + 1, 12)
        try:
            boundary = start.replace(year=start.year + year, month=month + 1)
        except ValueError:
            return months
        if boundary - dt.timedelta(days=1) > end:
            return months
        months += 1


def chongqing_workbook(
    rng: np.random.Generator, city: str, count: int, refs: References
) -> Workbook:
    defect = defects(rng, count, ["CQ_NOT_REGISTERED", "CQ_TOO_SHORT", "CARD_CHECKSUM"])
    people = ids.id_numbers(rng, np.array(ids.CHONGQING_AREAS), count)
    refs.poverty_registry.extend(people[defect != "CQ_NOT_REGISTERED"])
    starts = _dates(rng, dt.date(2020, 1, 1), dt.date(2020, 7, 1), count)
    ends = np.where(rng.random(count) < 0.5, None, dt.date(2020, 11, 30)).astype(object)
    starts[defect == "CQ_TOO_SHORT"] = dt.date(2020, 5, 10)
    ends[defect == "CQ_TOO_SHORT"] = dt.date(2020, 7, 1)
    cards = ids.bank_cards(rng, count).astype(object)
    cards[defect == "CARD_CHECKSUM"] = [
        c[:-1] + str((int(c[-1]) + 1) % 10) for c in cards[defect == "CARD_CHECKSUM"]
    ]
    frame = with_headers(
        CHONGQING.code,
        "鲁渝劳务协作",
        {
            "id_number": people,
            "person_name": "务工人员",
            "employer_code": ids.credit_codes(rng, ids.CITY_AREAS[city], 1)[0],
            "employer_name": f"{city}用工单位",
            "city": city,
            "start_date": starts,
            "end_date": ends,
            "bank_name": "重庆农村商业银行",
            "card_number": cards,
        },
    )
    amounts = [
        (1500 + min(6000, 1000 * whole_months(s, e or AS_OF))) * 100
        for s, e in zip(starts, ends, strict=True)
    ]
    frame, expected = with_duplicates(
        rng, frame, expected_frame(defect, amounts, holds=("CARD_CHECKSUM",))
    )
    return Workbook(CHONGQING.code, city, {"鲁渝劳务协作": frame}, expected)


def _share(unit: str, size: str, month: int, medical: bool) -> Decimal:
    """SPEC §2.5's relief table for 2020, written out."""
    if unit == "机关事业单位":
        return Decimal(0)
    small = unit == "个体工商户" or (unit == "企业" and size != "大型")
    if medical:
        return Decimal("0.5") if 2 <= month <= 6 else Decimal(0)
    if small:
        return Decimal(1) if 2 <= month <= 12 else Decimal(0)
    return Decimal("0.5") if 2 <= month <= 6 else Decimal(0)


def _payable_and_relief(
    base: float,
    unit: str,
    size: str,
    month: int,
    injury: Decimal,
    medical: Decimal,
    kinds: tuple[str, ...],
) -> tuple[int, int]:
    rates = {"养老": Decimal("0.16"), "失业": Decimal("0.007"), "工伤": injury, "医疗": medical}
    payable = relief = 0
    for kind in kinds:
        due = fen_of(Decimal(str(base)) * rates[kind])
        cut = fen_of(Decimal(due) / 100 * _share(unit, size, month, kind == "医疗"))
        relief += cut
        payable += due - cut
    return payable, relief


def relief_workbook(
    rng: np.random.Generator, city: str, count: int, refs: References, months: int = 11
) -> Workbook:
    units = rng.choice(
        ["企业", "个体工商户", "社会组织", "机关事业单位"], p=[0.88, 0.05, 0.05, 0.02], size=count
    )
    size = SIZES[rng.integers(0, 4, size=count)]
    codes = ids.credit_codes(rng, ids.CITY_AREAS[city], count)
    injury = rng.choice(["0.2%", "0.5%", "0.8%", "1.2%"], size=count)
    medical = rng.choice(["7%", "8%", "8.5%"], size=count)
    rows = count * months
    employer = np.repeat(np.arange(count), months)
    month = np.tile(np.arange(2, 2 + months), count)
    base = money_values(rng, 20000, 900000, rows).astype(object)
    defect = defects(rng, rows, ["INVALID_VALUE", "MISSING_VALUE"])
    labels = np.array([f"2020-{m:02d}" for m in month], dtype=object)
    labels[defect == "INVALID_VALUE"] = "2020-13"
    base[defect == "MISSING_VALUE"] = None
    frame = with_headers(
        RELIEF.code,
        "缴费申报",
        {
            "credit_code": codes[employer],
            "name": [f"{city}参保单位{i}" for i in employer],
            "city": city,
            "declared_size": size[employer],
            "unit_type": units[employer],
            "month": labels,
            "pension_base": base,
            "unemployment_base": base,
            "injury_base": base,
            "injury_rate": injury[employer],
            "medical_base": base,
            "medical_rate": medical[employer],
        },
    )
    amounts = [
        _payable_and_relief(
            b,
            units[e],
            size[e],
            m,
            Decimal(injury[e][:-1]) / 100,
            Decimal(medical[e][:-1]) / 100,
            ("养老", "失业", "工伤", "医疗"),
        )[1]
        if d == ""
        else 0
        for b, e, m, d in zip(base, employer, month, defect, strict=True)
    ]
    expected = expected_frame(defect, amounts)
    expected.loc[units[employer] == "机关事业单位", "codes"] = np.where(
        defect[units[employer] == "机关事业单位"] == "",
        "CR_EXCLUDED_UNIT",
        defect[units[employer] == "机关事业单位"],
    )
    frame, expected = with_duplicates(rng, frame, expected)
    return Workbook(RELIEF.code, city, {"缴费申报": frame}, expected)


def deferral_workbook(
    rng: np.random.Generator, city: str, count: int, refs: References
) -> Workbook:
    defect = defects(rng, count, ["DF_NO_HARDSHIP", "DF_PERIOD", "DF_EXCLUDED_UNIT"])
    codes = ids.credit_codes(rng, ids.CITY_AREAS[city], count)
    size = SIZES[rng.integers(0, 4, size=count)]
    first = rng.integers(2, 8, size=count)
    last = np.minimum(first + rng.integers(0, 6, size=count), 12)
    last[defect == "DF_PERIOD"] = first[defect == "DF_PERIOD"] + 6
    kinds = [("养老", "失业", "工伤", "医疗"), ("养老",), ("医疗",), ("养老", "医疗")]
    asked = [kinds[k] for k in rng.integers(0, len(kinds), size=count)]
    base = money_values(rng, 100000, 2000000, count)
    units = np.where(defect == "DF_EXCLUDED_UNIT", "机关事业单位", "企业")
    frame = with_headers(
        DEFERRAL.code,
        "缓缴申请",
        {
            "credit_code": codes,
            "name": [f"{city}缓缴企业{i}" for i in range(count)],
            "city": city,
            "declared_size": size,
            "unit_type": units,
            "insurances": ["、".join(a) for a in asked],
            "first_month": [f"2020-{m:02d}" for m in first],
            "last_month": [f"{2020 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in last],
            "hardship": np.where(defect == "DF_NO_HARDSHIP", "否", "是"),
            "pension_base": base,
            "unemployment_base": base,
            "injury_base": base,
            "injury_rate": "0.5%",
            "medical_base": base,
            "medical_rate": "8%",
        },
    )
    amounts = [
        sum(
            _payable_and_relief(b, "企业", s, m, Decimal("0.005"), Decimal("0.08"), a)[0]
            for m in range(f, end + 1)
        )
        for b, s, f, end, a in zip(base, size, first, last, asked, strict=True)
    ]
    frame, expected = with_duplicates(rng, frame, expected_frame(defect, amounts))
    return Workbook(DEFERRAL.code, city, {"缓缴申请": frame}, expected)


Builder = Callable[[np.random.Generator, str, int, References], Workbook]


def builders(scale: Scale) -> list[tuple[Builder, int]]:
    return [
        (refund_workbook, scale.refund_enterprises),
        (festival_workbook, scale.festival_workers),
        (hire_workbook, scale.new_hires),
        (chongqing_workbook, scale.chongqing_workers),
        (relief_workbook, scale.relief_employers),
        (deferral_workbook, scale.deferral_enterprises),
    ]
