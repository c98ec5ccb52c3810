"""Regenerate the special-file fixtures: a legacy `.xls` and a password-protected `.xlsx`.

Needs `pip install xlwt msoffcrypto-tool openpyxl` in a scratch environment; neither writer is a
project dependency (the project only reads such files).

    python tests/data/special/make_fixtures.py
"""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile

HERE = Path(__file__).parent

book = xlwt.Workbook(encoding="utf-8")
sheet = book.add_sheet("鲁渝劳务协作")
sheet.write(0, 0, "重庆籍建档立卡贫困劳动力在鲁就业补贴申请表")
headers = [
    "身份证号",
    "姓名",
    "用工单位统一社会信用代码",
    "用工单位名称",
    "所属地市",
    "就业开始日期",
    "就业结束日期",
    "开户银行",
    "银行卡号",
]
for column, header in enumerate(headers):
    sheet.write(2, column, header)
dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
rows = [
    [
        "500235197612191954",
        "周洋",
        "91370102204A2GH86E",
        "恒丰化工有限公司",
        "济南市",
        dt.date(2020, 5, 10),
        dt.date(2020, 8, 9),
        "重庆农村商业银行",
        "6223137206402109673",
    ],
    [
        "500240196911029937",
        "赵敏华",
        "91370102204A2GH86E",
        "恒丰化工有限公司",
        "济南",
        dt.date(2020, 5, 10),
        "2020/8/8",
        "重庆农村商业银行",
        "6225877856937465690",
    ],
]
for number, row in enumerate(rows, start=3):
    for column, value in enumerate(row):
        if isinstance(value, dt.date):
            sheet.write(number, column, value, dates)
        else:
            sheet.write(number, column, value)
book.save(str(HERE / "鲁渝劳务协作补贴.xls"))

plain = openpyxl.Workbook()
plain.active.title = "稳岗返还"
plain.active.append(["统一社会信用代码"])
buffer = io.BytesIO()
plain.save(buffer)
buffer.seek(0)
with (HERE / "加密的申请.xlsx").open("wb") as encrypted:
    OOXMLFile(buffer).encrypt("123456", encrypted)
