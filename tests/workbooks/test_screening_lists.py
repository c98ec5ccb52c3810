"""SPEC §2/§3: the screening lists are reference lists — a list that cannot be read whole is
missing with why, never read as an empty one or with a row left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from policy.screening_lists import CLOSED, DECEASED
from tests.screening_workbooks import write_list
from workbooks.screening_lists import read_screening_lists

WORKER = "370102199001011237"


def write(folder: Path, name: str, sheet: str, header: list[str], rows: list[list[object]]) -> None:
    write_list(folder, sheet, header, rows, name)


def test_screening_lists__read_with_dates_and_closures_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.xlsx",
        DECEASED,
        ["证件号码", "姓名", "死亡日期"],
        [[WORKER, "张三", "2020年6月1日"]],
    )
    write(
        tmp_path,
        "b.xlsx",
        CLOSED,
        ["统一社会信用代码", "名称", "状态", "日期"],
        [
            ["91370102MA3C00001X", "甲", "吊销", "20201231"],
            ["91370102MA3C00002X", "乙", "存续", None],
        ],
    )
    lists = read_screening_lists(tmp_path)
    died = lists.rows(DECEASED)
    assert died is not None and list(died["died"]) == [dt.date(2020, 6, 1)]
    closed = lists.rows(CLOSED)
    assert closed is not None and list(closed["credit_code"]) == ["91370102MA3C00001X"]
    assert set(lists.missing) == {"服刑人员名单", "外省已发放名单"}
    assert set(lists.sha256) == {"a.xlsx", "b.xlsx"}


def test_screening_lists__a_list_that_cannot_be_read_whole_is_missing(tmp_path: Path) -> None:
    cases = {
        "date": [[WORKER, "张三", "不详"]],
        "digits": [[370102199001011237, "张三", "2020-06-01"]],  # typed as a number
    }
    for case, rows in cases.items():
        folder = tmp_path / case
        folder.mkdir()
        write(folder, "a.xlsx", DECEASED, ["证件号码", "姓名", "死亡日期"], rows)
        why = read_screening_lists(folder).missing[DECEASED]
        assert ("不是可识别的日期" if case == "date" else "15位") in why, why
    twice = tmp_path / "twice"
    twice.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        write(
            twice,
            name,
            DECEASED,
            ["证件号码", "姓名", "死亡日期"],
            [[WORKER, "张三", "2020-06-01"]],
        )
    assert "2 个工作簿" in read_screening_lists(twice).missing[DECEASED]
    broken = tmp_path / "broken"
    broken.mkdir()
    write(
        broken,
        "a.xlsx",
        DECEASED,
        ["证件号码", "姓名", "死亡日期"],
        [[WORKER, "张三", "2020-06-01"]],
    )
    (broken / "b.xlsx").write_bytes(b"not a workbook")
    assert "b.xlsx 无法读取" in read_screening_lists(broken).missing[DECEASED]
    undated = tmp_path / "undated"
    undated.mkdir()
    write(
        undated,
        "c.xlsx",
        CLOSED,
        ["统一社会信用代码", "名称", "状态", "日期"],
        [["91370102MA3C00001X", "甲", "注销", None]],
    )
    assert "“日期”为空" in read_screening_lists(undated).missing[CLOSED]
