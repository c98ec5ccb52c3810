"""Deterministic fake identities for sample and generated batches: valid credit codes, resident
IDs with real birth dates, Luhn-valid bank cards, firm and person names. Nothing here is real."""

from __future__ import annotations

import datetime as dt
import random

from validators.checks import CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS, ID_CHECK_CHARS, ID_WEIGHTS

SEED = 20200210
CITY_AREAS = {
    "济南": "370102",
    "青岛": "370202",
    "淄博": "370302",
    "烟台": "370602",
    "潍坊": "370702",
    "济宁": "370811",
    "泰安": "370902",
    "威海": "371002",
    "临沂": "371302",
    "德州": "371402",
    "聊城": "371502",
    "滨州": "371602",
}
CQ_AREAS = ("500101", "500102", "500103", "500230", "500235", "500240")
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇")
FIRMS = ("恒信", "瑞达", "鲁康", "泰安", "华通", "齐鲁", "海源", "盛达", "鲁丰", "瑞通")
TRADES = ("科技", "机械", "食品", "化工", "纺织", "医疗器械", "商贸", "物流")
BANKS = ("中国工商银行济南分行", "中国农业银行青岛分行", "中国建设银行淄博分行", "齐鲁银行")

rng = random.Random(SEED)


def credit_code(area: str) -> str:
    body = "9137" + area[2:6] + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    total = sum(
        CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return body + CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def id_number(area: str, born: dt.date | None = None) -> str:
    born = born or dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 12000))
    body = f"{area}{born:%Y%m%d}{rng.randrange(100, 999)}"
    return (
        body + ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    )


def luhn_card(prefix: str = "62", length: int = 19) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    digits = [int(c) for c in reversed(body)]
    total = sum(
        d * 2 - 9 if i % 2 == 0 and d * 2 > 9 else d * 2 if i % 2 == 0 else d
        for i, d in enumerate(digits)
    )
    return body + str((10 - total % 10) % 10)


def account() -> str:
    return "".join(str(rng.randrange(10)) for _ in range(rng.choice((16, 19, 21))))


def person() -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def firm() -> str:
    return f"{rng.choice(FIRMS)}{rng.choice(TRADES)}有限公司"


def full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


def spaced(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def enterprises(count: int) -> list[dict[str, str]]:
    result = []
    for _ in range(count):
        city = rng.choice(list(CITY_AREAS))
        result.append(
            {
                "code": credit_code(CITY_AREAS[city]),
                "name": firm(),
                "city": city,
                "bank": rng.choice(BANKS),
                "account": account(),
            }
        )
    return result
