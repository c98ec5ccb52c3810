"""Bank layouts as one catalogue (`bank.layouts`): each format's returns read with its own
definition, never another bank's; a new layout is one module and one format YAML."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from bank.files import bank_release, rows_of
from bank.formats import FORMATS_DIR, load_formats
from bank.returns import COLUMNS, ReturnFileError, read_return
from bank.spec import BankFormat
from tests.bank.test_files import PAYMENTS

ROOT = Path(__file__).resolve().parents[2]
ON = dt.date(2020, 12, 31)
# A second fixed-width bank: other widths, another control record, two-character result codes.
SECOND_FIXED = """\
name: fixed_abc
title: 定长文本（农业银行）
banks: [农业银行, 中国农业银行]
layout: fixed
encoding: gb18030
control: "H{total_rows:>6}{total_fen:>15}"
fields:
  - {column: 付款编号, width: 16}
  - {column: 账号, width: 28}
  - {column: 户名, width: 40}
  - {column: 金额分, width: 12, align: right}
  - {column: 用途, width: 30}
max_rows: 1000
purpose: "{programme}"
purpose_length: 30
reference_length: 16
name_length: 40
return_fields:
  - {column: 付款编号, width: 16}
  - {column: 账号, width: 28}
  - {column: 户名, width: 40}
  - {column: 金额分, width: 12, align: right}
  - {column: 结果码, width: 2}
  - {column: 失败原因, width: 40}
return_results: {"00": 成功, "01": 失败, "02": 退汇}
"""


def formats_with(tmp_path: Path, **extra: str) -> dict[str, BankFormat]:
    folder = tmp_path / "formats"
    shutil.copytree(FORMATS_DIR, folder)
    for name, text in extra.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return load_formats(folder)


def fixed_return(bank_format: BankFormat, rows: list[list[str]]) -> bytes:
    """A return as the bank writes it: its control record, then its return fields padded."""
    lines = []
    for values in rows:
        line = b""
        for spec, value in zip(bank_format.return_fields, values, strict=True):
            encoded = value.encode(bank_format.encoding)
            pad = b" " * (spec.width - len(encoded))
            line += pad + encoded if spec.align == "right" else encoded + pad
        lines.append(line)
    total = sum(int(values[3]) for values in rows)
    control = bank_format.control.format(total_rows=len(rows), total_fen=total, date="20201231")
    return b"\r\n".join([control.encode(), *lines]) + b"\r\n"


def test_two_fixed_width_banks__each_return_is_read_with_its_own_widths(tmp_path: Path) -> None:
    formats = formats_with(tmp_path, fixed_abc=SECOND_FIXED)
    payments = pd.concat(
        [
            PAYMENTS[PAYMENTS["payment_id"] == "P01"],
            PAYMENTS[PAYMENTS["payment_id"] == "P02"].assign(bank_name="中国农业银行历城支行"),
        ]
    )
    release = bank_release(payments, formats, "B1", 0, ON)
    written = {f.bank_format: f for f in release.files}
    assert set(written) == {"fixed_gb18030", "fixed_abc"}
    assert rows_of(written["fixed_abc"].data, formats["fixed_abc"]) == [("P02", 400_000)]
    assert written["fixed_abc"].data.startswith(b"H     1         400000\r\n")

    icbc = tmp_path / "工商银行回盘.txt"
    icbc.write_bytes(
        fixed_return(
            formats["fixed_gb18030"],
            [["P01", "1602000000000001", "鲁丰食品有限公司", "9897100", "0", ""]],
        )
    )
    abc = tmp_path / "农业银行回盘.txt"
    abc.write_bytes(
        fixed_return(
            formats["fixed_abc"],
            [["P02", "1602000000000002", "瑞达机械有限公司", "400000", "01", "账户冻结"]],
        )
    )
    assert read_return(icbc, formats)[COLUMNS].to_dict("records") == [
        {
            "payment_id": "P01",
            "account": "1602000000000001",
            "name": "鲁丰食品有限公司",
            "amount": 9_897_100,
            "result": "成功",
            "reason": "",
        }
    ]
    assert read_return(abc, formats)[COLUMNS].to_dict("records") == [
        {
            "payment_id": "P02",
            "account": "1602000000000002",
            "name": "瑞达机械有限公司",
            "amount": 400_000,
            "result": "失败",
            "reason": "账户冻结",
        }
    ]


def test_a_return_two_formats_read_differently_is_refused_not_guessed(tmp_path: Path) -> None:
    """Same control record, same line length, the boundary between 付款编号 and 账号 moved: the
    line reads as two different payments, so neither is applied."""
    shifted = (
        SECOND_FIXED.replace("name: fixed_abc", "name: fixed_shifted")
        .replace("banks: [农业银行, 中国农业银行]", "banks: [交通银行]")
        .replace(
            'control: "H{total_rows:>6}{total_fen:>15}"',
            'control: "H{total_rows:>8}{total_fen:>18}{date}"',
        )
        .replace(
            "{column: 付款编号, width: 16}\n  - {column: 账号, width: 28}",
            "{column: 付款编号, width: 24}\n  - {column: 账号, width: 28}",
        )
        .replace(
            "{column: 户名, width: 40}\n  - {column: 金额分, width: 12, align: right}\n  - {column: 结果码, width: 2}\n  - {column: 失败原因, width: 40}",
            "{column: 户名, width: 60}\n  - {column: 金额分, width: 15, align: right}\n  - {column: 结果码, width: 1}\n  - {column: 失败原因, width: 60}",
        )
        .replace(
            'return_results: {"00": 成功, "01": 失败, "02": 退汇}',
            'return_results: {"0": 成功, "1": 失败, "2": 退汇}',
        )
    )
    formats = formats_with(tmp_path, fixed_shifted=shifted)
    both = tmp_path / "回盘.txt"
    both.write_bytes(
        fixed_return(
            formats["fixed_gb18030"],
            [["P01", "1602000000000001", "鲁丰食品有限公司", "9897100", "0", ""]],
        )
    )
    with pytest.raises(
        ReturnFileError, match=r"可按多个银行格式读出不同内容.*fixed_gb18030.*fixed_shifted"
    ):
        read_return(both, formats)


def test_a_format_naming_an_unknown_layout_or_column_is_a_setup_error(tmp_path: Path) -> None:
    from bank.spec import BankFormatError

    with pytest.raises(BankFormatError, match="layout 须为 bank_core/csv/fixed/xlsx"):
        formats_with(tmp_path / "a", pipe=SECOND_FIXED.replace("layout: fixed", "layout: pipe"))
    with pytest.raises(BankFormatError, match="不认识字段：开户行"):
        formats_with(tmp_path / "b", abc=SECOND_FIXED.replace("column: 用途", "column: 开户行"))


PIPE_LAYOUT = '''
"""`|`-separated text: a test's new layout, written in one module."""

from __future__ import annotations

import pandas as pd

from bank.layout import Layout
from bank.return_shape import COLUMNS


def render(rows, bank_format, on, batch):
    lines = [f"{r.payment_id}|{r.account}|{r.name}|{r.amount}" for r in rows.itertuples()]
    return ("\\n".join(lines) + "\\n").encode(bank_format.encoding)


def rows_of(data, bank_format):
    cells = [line.split("|") for line in data.decode(bank_format.encoding).splitlines()]
    return [(c[0], int(c[3])) for c in cells]


def read_return(data, bank_format):
    cells = [line.split("|") for line in data.decode(bank_format.encoding).splitlines()]
    rows = [[c[0], c[1], c[2], int(c[3]), {"S": "成功", "F": "失败"}[c[4]], c[5]] for c in cells]
    return pd.DataFrame(rows, columns=COLUMNS)


LAYOUT = Layout(
    name="pipe",
    suffix="dat",
    render=render,
    rows_of=rows_of,
    read_return=read_return,
    return_suffixes=(".dat",),
)
'''

PIPE_FORMAT = """\
name: pipe_bank
title: 竖线分隔文本
banks: [中国农业银行]
layout: pipe
encoding: gb18030
max_rows: 500
purpose: "{programme}"
purpose_length: 30
reference_length: 20
name_length: 40
"""

USE_IT = """
import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from bank.files import bank_release, rows_of
from bank.formats import load_formats
from bank.returns import read_return

payments = pd.read_json(sys.argv[1], dtype={"bank_account": str})
formats = load_formats()
release = bank_release(payments, formats, "B9", 0, dt.date(2020, 12, 31))
[pipe] = [f for f in release.files if f.bank_format == "pipe_bank"]
print(pipe.name, rows_of(pipe.data, formats["pipe_bank"]))
back = Path(sys.argv[2])
back.write_bytes("P02|1602000000000002|瑞达机械有限公司|400000|F|账户冻结\\n".encode("gb18030"))
print(read_return(back, formats).to_dict("records"))
"""


def test_a_new_layout_is_one_module_and_one_format_yaml(tmp_path: Path) -> None:
    """In a copy of the project's code, a `|`-separated layout is added by writing
    `bank/layouts/pipe.py` and `bank/formats/pipe_bank.yaml`, touching nothing else: payments
    to its bank go into its files, which read back, and its returns are read."""
    copy = tmp_path / "project"
    for package in ("bank", "ledger", "policy", "validators", "workbooks"):
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    (copy / "bank" / "layouts" / "pipe.py").write_text(
        textwrap.dedent(PIPE_LAYOUT), encoding="utf-8"
    )
    (copy / "bank" / "formats" / "pipe_bank.yaml").write_text(PIPE_FORMAT, encoding="utf-8")

    payments = tmp_path / "payments.json"
    PAYMENTS[PAYMENTS["payment_id"].isin(["P01", "P02"])].assign(
        bank_name=["中国工商银行济南分行", "中国农业银行历城支行"]
    ).to_json(payments)
    done = subprocess.run(
        [sys.executable, "-c", USE_IT, str(payments), str(tmp_path / "回盘.dat")],
        cwd=copy,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written, read_back = done.stdout.splitlines()
    assert written == "B9-r0-pipe_bank-corporate-01.dat [('P02', 400000)]"
    assert "'result': '失败'" in read_back and "'amount': 400000" in read_back
