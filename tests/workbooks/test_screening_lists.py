"""SPEC §2/§3: the screening lists are reference lists — a list that cannot be read whole is
missing with why, never read as an empty one or with a row left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

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


DEATHS = ["证件号码", "姓名", "死亡日期"]
ONE_DEATH = [[WORKER, "张三", "2020-06-01"]]


def deaths(folder: Path, *rows: list[object], name: str = "a.xlsx") -> None:
    write(folder, name, DECEASED, DEATHS, list(rows) or ONE_DEATH)


def one_of_each_problem(folder: Path, case: str) -> tuple[str, str]:
    """A reference folder with one problem; the list it makes missing and the words of why."""
    if case == "date":
        deaths(folder, [WORKER, "张三", "不详"])
        return DECEASED, "不是可识别的日期"
    if case == "digits":  # an ID typed as a number
        deaths(folder, [370102199001011237, "张三", "2020-06-01"])
        return DECEASED, "15位"
    if case == "twice":
        deaths(folder, name="a.xlsx")
        deaths(folder, name="b.xlsx")
        return DECEASED, "2 个工作簿"
    if case == "unreadable":
        deaths(folder)
        (folder / "b.xlsx").write_bytes(b"not a workbook")
        return DECEASED, "b.xlsx 无法读取"
    header = ["统一社会信用代码", "名称", "状态", "日期"]  # a closure without its date
    write(folder, "c.xlsx", CLOSED, header, [["91370102MA3C00001X", "甲", "注销", None]])
    return CLOSED, "“日期”为空"


@pytest.mark.parametrize("case", ["date", "digits", "twice", "unreadable", "undated"])
def test_screening_lists__a_list_that_cannot_be_read_whole_is_missing(
    tmp_path: Path, case: str
) -> None:
    sheet, words = one_of_each_problem(tmp_path, case)
    lists = read_screening_lists(tmp_path)
    assert words in lists.missing[sheet], lists.missing[sheet]
    assert lists.rows(sheet) is None
