"""A bank core's own `|` batch file and its two reports (SPEC §8 Banks as they are): the file as
the DHCC core's spF621 loads it, the reports read back, their rows matched to payments on
account, name, amount and 当日次数 — one that matches none or several is listed, never guessed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from bank.files import bank_release, holds, rows_of
from bank.formats import load_formats
from bank.matching import match
from bank.outcomes import (
    FAILED,
    FAILED_ACCOUNT,
    PAID,
    PENDING,
    REVERSED,
    REVIEW,
    UNKNOWN,
    about_the_account,
    outcome_of,
)
from bank.returns import ReturnFileError, read_return

ON = dt.date(2021, 1, 5)
FORMATS = load_formats()  # the tests run with SUBSIDY_DEMO=1: the format's made-up 单位编号
CORE = FORMATS["rural_core"]
WORKER = "370102199001011234"


def payment(pid: str, name: str, account: str, fen: int, program: str = "chongqing_labor") -> dict:
    return {
        "payment_id": pid,
        "program": program,
        "beneficiary_id": WORKER if program == "chongqing_labor" else "91370100MA3C000001",
        "beneficiary_name": name,
        "city": "济南",
        "bank_name": "重庆农村商业银行",
        "bank_account": account,
        "amount": fen,
    }


PAYMENTS = pd.DataFrame(
    [
        payment("P01", "张三", "6210000000000000001", 300_000),
        payment("P02", "张三", "6210000000000000001", 50_050),  # the same card twice in a day
        payment("P03", "李四", "6210000000000000019", 250_050),
        payment("P04", "某某农业合作社", "6210000000000000027", 1_000_000, "stabilization_refund"),
    ]
)


def test_bank_core__the_file_is_the_cores_summary_line_then_one_line_per_payment() -> None:
    release = bank_release(
        PAYMENTS, FORMATS, "b1", 0, ON, {("rural_core", "6210000000000000019"): 2}
    )
    personal = next(f for f in release.files if f.account_type == "对私")
    assert personal.name.endswith(".txt") and personal.business_date == ON
    lines = personal.data.decode("gb18030").split("\r\n")
    assert personal.data.endswith(b"|\r\n") and lines[-1] == ""
    # 3rd the business date, 4th the 单位编号, 7th 总笔数, 8th 总金额 in yuan
    assert lines[0] == "1|1|20210105|1046|4|5|3|6001.00|"
    assert lines[1:4] == [
        f"|张三|3000.00|6210000000000000001|1046|1|{WORKER}|1|",
        f"|张三|500.50|6210000000000000001|1046|1|{WORKER}|2|",
        # two payments to this card were already written today: this one is its third
        f"|李四|2500.50|6210000000000000019|1046|1|{WORKER}|3|",
    ]
    assert personal.day_counts == (1, 2, 3)
    corporate = next(f for f in release.files if f.account_type == "对公")
    assert corporate.data.decode("gb18030").split("\r\n")[1] == (
        "|某某农业合作社|10000.00|6210000000000000027|1046|H|91370100MA3C000001|1|"
    )
    # Read back for the proof: no payment id in the file, so each line by account and 次数.
    assert rows_of(personal.data, CORE) == [
        ("6210000000000000001#1", 300_000),
        ("6210000000000000001#2", 50_050),
        ("6210000000000000019#3", 250_050),
    ]


def test_bank_core__what_it_cannot_carry_is_held_never_written() -> None:
    odd = pd.DataFrame(
        [
            payment("P05", "王|五", "6210000000000000035", 100),
            payment("P06", "赵六", "62100000000000000431", 100),  # 20 digits: the core holds 19
        ]
    )
    found = dict(zip(*holds(odd, FORMATS).to_dict("list").values(), strict=True))
    assert "分隔符" in found["P05"] and "19 位" in found["P06"]
    # A 单位编号 the bank never assigned is never made up: every payment to the bank is held.
    unset = dataclasses.replace(CORE, parameters=(("unit_number", ""),))
    held = holds(PAYMENTS, {**FORMATS, "rural_core": unset})
    assert sorted(held["payment_id"]) == ["P01", "P02", "P03", "P04"]
    assert all("单位编号" in why for why in held["reason"])


SUCCESS = """\
                                     [1046-某某人社局]批量导入成功记录[0101-20210105]
┍━━━━━━━━━━┯━━━━━━━━━━┯━━━━━━━━┯━━━━━━━━━━┯━━━━━━━━━━┯━━━━┑
│            代理编号│            客户姓名│        交易金额│            证件号码│                账号│处理结果│
┝━━━━━━━━━━┿━━━━━━━━━━┿━━━━━━━━┿━━━━━━━━━━┿━━━━━━━━━━┿━━━━┥
│                   1│                张三│         3000.00│  {worker}│ 6210000000000000001│    成功│
│                   2│                张三│         3000.00│  {worker}│ 6210000000000000001│    成功│
┝━━━━━━━━━━┿━━━━━━━━━━┿━━━━━━━━┿━━━━━━━━━━┿━━━━━━━━━━┿━━━━┥
│                合计│                   2│         6000.00│                    │                    │        │
┕━━━━━━━━━━┷━━━━━━━━━━┷━━━━━━━━┷━━━━━━━━━━┷━━━━━━━━━━┷━━━━┙
""".replace("{worker}", WORKER)

FAILURE = """\



                         [1046-某某人社局]批量导入失败记录[0101-20210105]
┍━━━━┯━━━━━┯━━━━━━━━━━┯━━━━━━━━┯━━━┯━━━━━━━━━━━━━━━┑
│代理编号│  客户姓名│                账号│            金额│  次数│                      处理结果│
┝━━━━┿━━━━━┿━━━━━━━━━━┿━━━━━━━━┿━━━┯━━━━━━━━━━━━━━━┥
│       3│      李四│ 6210000000000000019│         2500.50│     3│       户名不符,原户名为[李泗]│
│        │      孙七│ 6210000000000000043│         1500.00│     1│    单位编号错误或者卡号不存在│
│       9│      周八│ 6210000000000000050│          100.00│     1│           某个没人见过的结果│
┝━━━━┿━━━━━┿━━━━━━━━━━┿━━━━━━━━┿━━━┯━━━━━━━━━━━━━━━┥
│    合计│         3│                    │         4100.50│      │                              │
┕━━━━┷━━━━━┷━━━━━━━━━━┷━━━━━━━━┷━━━┷━━━━━━━━━━━━━━━┙
"""


def report(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    return path


def test_bank_core__both_reports_are_read_with_what_each_row_means(tmp_path: Path) -> None:
    success = read_return(report(tmp_path, "0104620210105.txt", SUCCESS), FORMATS)
    assert list(success["outcome"]) == [PAID, PAID]
    assert set(success["payment_id"]) == {""} and list(success["amount"]) == [300_000, 300_000]
    assert success["day_count"].isna().all()  # the success report does not echo 次数
    assert set(success["file_date"]) == {ON} and set(success["bank_format"]) == {"rural_core"}
    failure = read_return(report(tmp_path, "1104620210105.txt", FAILURE), FORMATS)
    assert list(failure["outcome"]) == [FAILED_ACCOUNT, FAILED_ACCOUNT, REVIEW]
    assert list(failure["day_count"]) == [3, 1, 1]
    assert failure["reason"][0] == "户名不符,原户名为[李泗]"


def test_bank_core__a_report_of_another_unit_or_cut_short_is_refused_whole(tmp_path: Path) -> None:
    other = SUCCESS.replace("[1046-", "[2077-")
    with pytest.raises(ReturnFileError, match="单位编号"):
        read_return(report(tmp_path, "other.txt", other), FORMATS)
    cut = "\n".join(
        line[:-3] if "王五" in line or "张三" in line else line for line in SUCCESS.split("\n")
    )
    with pytest.raises(ReturnFileError):
        read_return(report(tmp_path, "cut.txt", cut.replace("3000.00│", "3000.0X│", 1)), FORMATS)


LINES = pd.DataFrame(
    [
        ("P01", "6210000000000000001", "张三", 300_000, 1),
        ("P02", "6210000000000000001", "张三", 300_000, 2),
        ("P03", "6210000000000000019", "李四", 250_050, 3),
    ],
    columns=["payment_id", "account", "name", "amount", "day_count"],
)


def rows(*found: tuple[str, str, int, int | None]) -> pd.DataFrame:
    return pd.DataFrame(found, columns=["account", "name", "amount", "day_count"])


def test_matching__on_account_name_amount_and_count_and_never_a_guess() -> None:
    exact = match(rows(("6210000000000000019", "李 四", 250_050, 3)), LINES)
    assert exact.payment_ids == ["P03"] and exact.unmatched == []
    # Without 次数 (the success report) two payments to one card of one amount are the same row:
    # which one was paid is not guessed.
    twice = match(rows(("6210000000000000001", "张三", 300_000, None)), LINES)
    assert twice.payment_ids == [""] and "2 笔" in twice.unmatched[0]
    counted = match(rows(("6210000000000000001", "张三", 300_000, 2)), LINES)
    assert counted.payment_ids == ["P02"]
    unknown = match(rows(("6210000000000000043", "孙七", 150_000, 1)), LINES)
    assert unknown.payment_ids == [""] and "找不到" in unknown.unmatched[0]
    # Two report rows for one payment: neither is applied.
    duplicate = match(
        rows(
            ("6210000000000000019", "李四", 250_050, 3), ("6210000000000000019", "李四", 250_050, 3)
        ),
        LINES,
    )
    assert duplicate.payment_ids == ["", ""] and "同一笔付款" in duplicate.unmatched[-1]


@pytest.mark.parametrize(
    ("result", "reason", "outcome"),
    [
        ("成功", "", PAID),
        ("退汇", "", REVERSED),
        ("失败", "整批退回：总金额或总笔数不符", FAILED),  # not about the account, though 不符
        ("失败", "户名不符,原户名为[李泗]", FAILED_ACCOUNT),
        ("失败", "转下批处理", PENDING),
        ("失败", "发送超时", UNKNOWN),
        ("失败", "冲正", REVERSED),
        ("失败", "账户冻结", FAILED),  # the generic format: any other failure is plain
        ("", "状态未知", UNKNOWN),
    ],
)
def test_outcomes__each_reason_means_one_thing(result: str, reason: str, outcome: str) -> None:
    assert outcome_of(result, reason, FORMATS["generic"]) == outcome


def test_bank_core__one_account_in_the_personal_and_the_corporate_file_never_repeats_a_count() -> (
    None
):
    both = pd.DataFrame(
        [
            payment("P01", "张三", "6210000000000000001", 100),
            payment("P02", "张三", "6210000000000000001", 200, "stabilization_refund"),
        ]
    )
    release = bank_release(both, FORMATS, "b1", 0, ON, {("rural_core", "6210000000000000001"): 3})
    counts = {
        pid: c for f in release.files for pid, c in zip(f.payment_ids, f.day_counts, strict=True)
    }
    assert counts == {"P01": 4, "P02": 5}  # after the highest written today, 对私 first


def test_outcomes__a_bank_cores_own_texts_and_an_unmapped_one() -> None:
    # A failure report's text never pays, though it holds 成功 (入账不成功, 冲正成功).
    assert outcome_of("失败", "入账不成功", CORE) == REVIEW
    assert outcome_of("失败", "冲正成功", CORE) == REVERSED
    assert outcome_of("失败", "代理次数错误！应该为[2]", CORE) == FAILED
    assert outcome_of("失败", "介质状态异常！", CORE) == FAILED_ACCOUNT
    assert outcome_of("失败", "未处理记录重复", CORE) == REVIEW
    assert outcome_of("失败", "某个没人见过的结果", CORE) == REVIEW
    assert not about_the_account("整批退回：总金额或总笔数不符")
    assert about_the_account("卡号不存在") and not about_the_account("系统故障")
