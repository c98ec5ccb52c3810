"""Regenerate the legacy `.xls` fixture (needs `pip install xlwt`; not a project dependency).

python tests/data/legacy/make_xls.py
"""

import datetime as dt
from pathlib import Path

import xlwt

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
book.save(str(Path(__file__).with_name("鲁渝劳务协作补贴.xls")))
