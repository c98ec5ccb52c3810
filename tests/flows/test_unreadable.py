"""What the commands say when given something they cannot use (issue 21, items 10–13): every
unreadable bank return, a missing or non-workbook correction file, a missing policy folder, an
unreachable or mistyped registry — one Chinese line, exit 1, nothing applied; return workbooks
pass the same size guards as applications; the registry's address comes from the environment,
and a password on the command line is refused before any flow run records it."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from flows.cli import main
from registry.database import Registry
from registry.tables import account_corrections, bank_returns
from tests.conftest import SAMPLES

HEADER = "付款编号,账号,户名,金额,结果,失败原因\n"
GOOD_ROW = "P01,6222000000000001,张三,100.00,成功,\n"
CONTROL = b"H       1           9897100\r\n"


def _fixed_line(cells: list[str]) -> bytes:
    from bank.formats import load_formats

    line = b""
    for spec, value in zip(load_formats()["fixed_gb18030"].return_fields, cells, strict=True):
        encoded = value.encode("gb18030")
        pad = b" " * (spec.width - len(encoded))
        line += pad + encoded if spec.align == "right" else encoded + pad
    return line


FIXED_ROW = ["P01", "1602000000000001", "鲁丰食品有限公司", "9897100", "0", ""]


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _return_workbook() -> bytes:
    return _workbook(
        [[*HEADER.strip().split(",")], ["P01", "6222000000000001", "张三", "100.00", "成功", ""]]
    )


def _sheet_zip(sheet: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A small .xlsx whose sheet inflates a thousandfold."""
    return _sheet_zip(b'<worksheet><dimension ref="A1:F9"/>' + b" " * 20_000_000)


def _declaring_rows() -> bytes:
    """A real return workbook whose sheet declares two million rows (calamine reads it)."""
    source = zipfile.ZipFile(io.BytesIO(_return_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:F2000000"', data)
            target.writestr(info.filename, data)
    return buffer.getvalue()


def _not_a_workbook_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


# name → the file's bytes (None: the path is a folder; missing: nothing there)
BAD_RETURNS: dict[str, Callable[[], bytes | None]] = {
    "空文件.csv": lambda: b"",
    "只有空行.csv": lambda: b"\r\n\r\n  \r\n",
    "乱码.csv": lambda: bytes(range(256)) * 8,
    "UTF-16.csv": lambda: (HEADER + GOOD_ROW).encode("utf-16"),
    "只有表头.csv": lambda: HEADER.encode("utf-8"),
    "缺列.csv": lambda: "付款编号,账号\nP01,6222000000000001\n".encode(),
    "金额非数字.csv": lambda: (HEADER + "P01,6222000000000001,张三,一百元,成功,\n").encode(),
    "金额为负.csv": lambda: (HEADER + "P01,6222000000000001,张三,-100.00,成功,\n").encode(),
    "金额三位小数.csv": lambda: (HEADER + "P01,6222000000000001,张三,100.001,成功,\n").encode(),
    "多一列.csv": lambda: (HEADER + "P01,6222000000000001,张三,100.00,成功,,多余\n").encode(),
    "少一列.csv": lambda: (HEADER + "P01,6222000000000001,张三,100.00\n").encode(),
    "结果不明.csv": lambda: (HEADER + "P01,6222000000000001,张三,100.00,处理中,\n").encode(),
    "空文件.xlsx": lambda: b"",
    "文本冒充.xlsx": lambda: b"not a workbook at all",
    "截断.xlsx": lambda: _return_workbook()[:3000],
    "压缩包.xlsx": _not_a_workbook_zip,
    "无表头.xlsx": lambda: (SAMPLES / "稳岗返还申请.xlsx").read_bytes(),
    "空表.xlsx": lambda: _workbook([]),
    "金额有误.xlsx": lambda: _workbook(
        [HEADER.strip().split(","), ["P01", "1", "张三", "abc", "成功", ""]]
    ),
    "解压炸弹.xlsx": _bomb,
    "声明两百万行.xlsx": _declaring_rows,
    "空文件.txt": lambda: b"",
    "乱码.txt": lambda: bytes(range(256)) * 8,
    "行太短.txt": lambda: CONTROL + b"P01       6222000000000001\r\n",
    "金额非数字.txt": lambda: (
        CONTROL + _fixed_line([*FIXED_ROW[:3], "98971.00", *FIXED_ROW[4:]]) + b"\r\n"
    ),
    "无控制记录.txt": lambda: _fixed_line(FIXED_ROW) + b"\r\n",
    "笔数不符.txt": lambda: b"H       2          19794200\r\n" + _fixed_line(FIXED_ROW) + b"\r\n",
    "编码有误.txt": lambda: CONTROL + b"P01" + b"\xff\xfe\x81" * 40 + b"\r\n",
    "文件夹.csv": lambda: None,
}


def _write(folder: Path, name: str) -> Path:
    path = folder / name
    data = BAD_RETURNS[name]()
    if data is None:
        path.mkdir()
    else:
        path.write_bytes(data)
    return path


def one_chinese_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    [line] = lines
    assert re.search(r"[\u4e00-\u9fff]", line), line
    assert not re.search(
        r"Traceback|Error|codec|invalid literal|No such file|Errno|columns to parse", line
    ), line
    return line


@pytest.mark.parametrize("name", [*BAD_RETURNS, "不存在.csv"])
def test_bank_return__an_unreadable_file_is_one_chinese_line_and_nothing_is_applied(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    Registry(url).dispose()
    good = tmp_path / "好的回盘.csv"
    good.write_text(HEADER + GOOD_ROW, encoding="utf-8")
    bad = _write(tmp_path, name) if name in BAD_RETURNS else tmp_path / name
    assert main(["bank-return", str(good), str(bad), "--registry", url, "--by", "对账员"]) == 1
    line = one_chinese_line(capsys.readouterr().err)
    assert bad.name in line
    with Registry(url) as registry, registry.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(bank_returns)).scalar() == 0


def test_bank_return__workbooks_pass_the_application_size_guards_before_reading(
    tmp_path: Path,
) -> None:
    from bank.formats import load_formats
    from bank.returns import ReturnFileError, read_return

    bomb, rows = _write(tmp_path, "解压炸弹.xlsx"), _write(tmp_path, "声明两百万行.xlsx")
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ReturnFileError, match="解压炸弹"):
        read_return(bomb, load_formats())
    with pytest.raises(ReturnFileError, match="超过 Excel 的 1048576 行上限"):
        read_return(rows, load_formats())


def test_reviewed_ledger_and_reference_lists__pass_the_same_size_guards(tmp_path: Path) -> None:
    from workbooks.reader import WorkbookRefused, read_references
    from workbooks.review import read_reviewed_ledger

    rows = _write(tmp_path, "声明两百万行.xlsx")
    with pytest.raises(WorkbookRefused, match="超过 Excel 的 1048576 行上限"):
        read_reviewed_ledger(rows)
    assert "无法读取" in read_references(tmp_path).why_missing("重点企业名单")


def test_corrections__a_missing_or_non_workbook_file_is_one_chinese_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    Registry(url).dispose()
    (tmp_path / "文本.xlsx").write_text("not a workbook", encoding="utf-8")
    (tmp_path / "截断.xlsx").write_bytes(_return_workbook()[:3000])
    (tmp_path / "炸弹.xlsx").write_bytes(_bomb())
    for name in ("不存在.xlsx", "文本.xlsx", "截断.xlsx", "炸弹.xlsx"):
        path = str(tmp_path / name)
        out = str(tmp_path / "out")
        assert main(["reissue", path, "--out", out, "--registry", url]) == 1
        assert name in one_chinese_line(capsys.readouterr().err)
        assert main(["approve-corrections", path, "--approver", "王五", "--registry", url]) == 1
        assert name in one_chinese_line(capsys.readouterr().err)
    with Registry(url) as registry, registry.engine.connect() as connection:
        count = select(func.count()).select_from(account_corrections)
        assert connection.execute(count).scalar() == 0
    assert not (tmp_path / "out").exists()


def test_approve__a_missing_policy_folder_is_one_chinese_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out" / "B1"
    folder.mkdir(parents=True)
    url = f"sqlite:///{tmp_path / 'out' / 'registry.sqlite'}"
    Registry(url).dispose()
    missing = tmp_path / "无此参数目录"
    assert (
        main(
            ["approve", str(folder), "--approver", "王五", "--round", "0", "--policy", str(missing)]
        )
        == 1
    )
    assert str(missing) in one_chinese_line(capsys.readouterr().err)
    assert not (folder / "bank").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://subsidy@127.0.0.1:9/registry",  # nothing listens there
        "postgress://subsidy@127.0.0.1/registry",  # a mistyped dialect
        "sqlite:///{tmp}/无此目录/registry.sqlite",  # a folder that is not there
        "sqlite:///{tmp}/regsitry.sqlite",  # a mistyped file name: never created
        "not a url",
    ],
)
def test_money_commands__an_unreachable_or_mistyped_registry_is_one_chinese_line(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url.format(tmp=tmp_path)
    good = tmp_path / "回盘.csv"
    good.write_text(HEADER + GOOD_ROW, encoding="utf-8")
    assert main(["bank-return", str(good), "--registry", url]) == 1
    one_chinese_line(capsys.readouterr().err)
    assert main(["recoveries", "--out", str(tmp_path / "out"), "--registry", url]) == 1
    one_chinese_line(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["回盘.csv"]  # nothing created


def test_money_commands__take_the_registry_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere' / 'registry.sqlite'}"
    (tmp_path / "elsewhere").mkdir()
    Registry(url).dispose()
    monkeypatch.setenv("SUBSIDY_REGISTRY_URL", url)
    good = tmp_path / "回盘.csv"
    good.write_text(HEADER + GOOD_ROW, encoding="utf-8")
    assert main(["bank-return", str(good), "--by", "对账员"]) == 0
    assert "未采用 1 行" in capsys.readouterr().out
    with Registry(url) as registry, registry.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(bank_returns)).scalar() == 1
    assert main(["recoveries", "--out", str(tmp_path / "list")]) == 0
    # A batch folder with no registry beside it: the environment's is used.
    folder = tmp_path / "out" / "B1"
    folder.mkdir(parents=True)
    assert main(["sent", str(folder), "--by", "张三"]) == 1
    assert "不是批次输出目录" in one_chinese_line(capsys.readouterr().err)


def test_money_commands__a_password_on_the_command_line_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "postgresql+psycopg://subsidy:s3cret@127.0.0.1:9/registry"
    good = tmp_path / "回盘.csv"
    good.write_text(HEADER + GOOD_ROW, encoding="utf-8")
    assert main(["bank-return", str(good), "--registry", secret]) == 1
    line = one_chinese_line(capsys.readouterr().err)
    assert "SUBSIDY_REGISTRY_URL" in line and "s3cret" not in line


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("command", ["run", "find"])
def test_run__a_password_in_the_registry_is_refused_before_a_flow_run_records_it(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.client.orchestration import get_client

    secret = "postgresql+psycopg://subsidy:s3cret-21@127.0.0.1:5432/test"
    arguments = [command, str(SAMPLES), "--out", str(tmp_path / "out"), "--registry", secret]
    assert main([*arguments, "--as-of", "2020-12-31"]) == 1
    line = one_chinese_line(capsys.readouterr().err)
    assert "SUBSIDY_REGISTRY_URL" in line and "s3cret" not in line

    async def recorded() -> list[str]:
        async with get_client() as client:
            return [str(run.parameters) for run in await client.read_flow_runs(limit=200)]

    assert [p for p in asyncio.run(recorded()) if "s3cret-21" in p] == []


def test_verify__takes_the_registry_from_the_environment(tmp_path: Path) -> None:
    """`subsidy verify` reads SUBSIDY_REGISTRY_URL like the money commands do."""
    from flows.cli import main

    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    checked: list[str | None] = []

    def problems(folder: Path, registry: str | None) -> list[str]:
        checked.append(registry)
        return ["某个问题"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUBSIDY_REGISTRY_URL", url)
        patch.setattr("money.verification.folder_problems", problems)
        assert main(["verify", str(tmp_path)]) == 1
    assert checked == [url]
