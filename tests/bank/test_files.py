"""Bank files (SPEC §8): per bank format and account type, control records, holds, read back."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from bank.files import bank_release, rows_of
from bank.formats import format_for, load_formats
from bank.returns import COLUMNS, read_return
from validators.output_check import OutputSchemaError
from workbooks.bank_return_sheet import return_rows

ON = dt.date(2021, 1, 5)
FORMATS = load_formats()


def payment(pid: str, program: str, name: str, bank: str, account: str, fen: int) -> dict:
    return {
        "payment_id": pid,
        "program": program,
        "beneficiary_id": pid.lower(),
        "beneficiary_name": name,
        "city": "济南",
        "bank_name": bank,
        "bank_account": account,
        "amount": fen,
    }


PAYMENTS = pd.DataFrame(
    [
        payment(
            "P01",
            "stabilization_refund",
            "鲁丰食品有限公司",
            "中国工商银行济南分行",
            "1602000000000001",
            9_897_100,
        ),
        payment(
            "P02",
            "new_hire",
            "瑞达机械有限公司",
            "中国工商银行济南分行",
            "1602000000000002",
            400_000,
        ),
        payment(
            "P03",
            "new_hire",
            "泰山物流有限公司",
            "中国建设银行淄博分行",
            "3705000000000003",
            300_000,
        ),
        payment(
            "P04", "chongqing_labor", "黄伟娜", "重庆农村商业银行", "6290642782431439916", 450_000
        ),
        payment(
            "P05", "chongqing_labor", "王𠮷", "中国工商银行济南分行", "6222000000000005", 750_000
        ),
        payment("P06", "new_hire", '=HYPERLINK("x")公司', "齐鲁银行", "8600000000000006", 100_000),
        payment("P07", "new_hire", "账号有误有限公司", "齐鲁银行", "86-0000", 100_000),
    ]
)


def test_formats__chosen_by_the_beneficiarys_bank_name_generic_otherwise() -> None:
    assert format_for("中国工商银行济南分行", FORMATS).name == "fixed_gb18030"
    assert format_for("中国建设银行淄博分行", FORMATS).name == "xlsx_template"
    assert format_for("齐鲁银行", FORMATS).name == "generic"
    assert format_for("重庆农村商业银行", FORMATS).name == "rural_core"


def test_release__one_file_per_format_and_account_type_totals_equal_what_is_released() -> None:
    release = bank_release(PAYMENTS, FORMATS, "B1", 0, ON)
    names = sorted(f.name for f in release.files)
    assert names == [
        "B1-r0-fixed_gb18030-corporate-01.txt",
        "B1-r0-rural_core-personal-01.txt",
        "B1-r0-xlsx_template-corporate-01.xlsx",
    ]
    # Held, never written: a name outside the bank's GBK (not a "?"), a formula-like name in a
    # CSV file, an account not 8–32 digits.
    held = dict(zip(release.held["payment_id"], release.held["reason"], strict=True))
    assert set(held) == {"P05", "P06", "P07"}
    assert "GBK字符集以外" in held["P05"] and "8至32位数字" in held["P07"]
    written = {pid for f in release.files for pid in f.payment_ids}
    assert written == {"P01", "P02", "P03", "P04"}
    released = int(PAYMENTS[PAYMENTS["payment_id"].isin(written)]["amount"].sum())
    assert sum(f.amount_fen for f in release.files) == released
    for item in release.files:  # each file read back holds exactly its rows and amounts
        bank_format = FORMATS[item.bank_format]
        back = rows_of(item.data, bank_format)
        # a bank core's lines carry no payment id: each is its account and 当日次数
        ids = (
            [
                f"{PAYMENTS.set_index('payment_id').loc[pid, 'bank_account']}#{count}"
                for pid, count in zip(item.payment_ids, item.day_counts, strict=True)
            ]
            if item.day_counts
            else list(item.payment_ids)
        )
        assert [key for key, _ in back] == ids
        assert sum(fen for _, fen in back) == item.amount_fen


def test_fixed_layout__gb18030_control_record_then_fields_padded_in_bytes() -> None:
    release = bank_release(PAYMENTS, FORMATS, "B1", 0, ON)
    [fixed] = [f for f in release.files if f.bank_format == "fixed_gb18030"]
    lines = fixed.data.split(b"\r\n")
    assert lines[0].decode("gb18030") == f"H{2:>8}{9_897_100 + 400_000:>18}20210105"
    widths = sum(f.width for f in FORMATS["fixed_gb18030"].fields)
    assert all(len(line) == widths for line in lines[1:-1])
    first = lines[1].decode("gb18030")
    assert first.startswith("P01") and "鲁丰食品有限公司" in first and "失业保险稳岗返还" in first


def test_generic_csv__bom_columns_total_line_and_a_formula_name_held_not_guarded() -> None:
    payments = pd.concat(
        [
            PAYMENTS,
            pd.DataFrame(
                [payment("P09", "new_hire", "齐鲁商贸公司", "齐鲁银行", "8600000000000009", 200)]
            ),
        ],
        ignore_index=True,
    )
    release = bank_release(payments, FORMATS, "B1", 0, ON)
    [generic] = [f for f in release.files if f.name.endswith("generic-corporate-齐鲁银行-01.csv")]
    assert generic.data.startswith("\ufeff".encode())
    text = generic.data.decode("utf-8-sig").splitlines()
    assert text[0] == "付款编号,户名,账号,开户银行,金额,用途"
    assert text[1].startswith("P09,齐鲁商贸公司,8600000000000009,齐鲁银行,2.00,")
    assert text[-1] == "合计,,,,2.00,共1笔"
    # Neither run by a spreadsheet nor paid to "'=HYPERLINK…": held for a person.
    held = dict(zip(release.held["payment_id"], release.held["reason"], strict=True))
    assert "CSV银行文件无法如实写出" in held["P06"]
    assert "'" not in generic.data.decode("utf-8-sig")


def test_xlsx_template__control_rows_and_text_accounts() -> None:
    release = bank_release(PAYMENTS, FORMATS, "B1", 0, ON)
    [sheet] = [f for f in release.files if f.bank_format == "xlsx_template"]
    frame = return_rows(sheet.data)
    assert list(frame.columns) == ["序号", "付款编号", "收款账号", "收款户名", "金额", "用途"]
    assert frame.iloc[0]["收款账号"] == "3705000000000003"  # every digit, as text


def test_max_rows__a_format_splits_its_files_and_each_keeps_its_own_totals() -> None:
    small = {**FORMATS, "generic": dataclasses.replace(FORMATS["generic"], max_rows=2)}
    many = pd.DataFrame(
        [
            payment(
                f"P{i:02d}", "new_hire", f"企业{i}", "齐鲁银行", f"86000000000000{i:02d}", 1000 + i
            )
            for i in range(5)
        ]
    )
    files = bank_release(many, small, "B1", 0, ON).files
    assert [f.rows for f in files] == [2, 2, 1]
    assert [f.name[-6:] for f in files] == ["01.csv", "02.csv", "03.csv"]
    assert sum(f.amount_fen for f in files) == int(many["amount"].sum())


def test_schema__a_payment_id_too_long_for_the_reference_field_stops_the_release() -> None:
    tight = {**FORMATS, "generic": dataclasses.replace(FORMATS["generic"], reference_length=2)}
    one = pd.DataFrame(
        [payment("P09", "new_hire", "齐鲁商贸公司", "齐鲁银行", "8600000000000009", 200)]
    )
    with pytest.raises(OutputSchemaError, match="银行文件"):
        bank_release(one, tight, "B1", 0, ON)


def test_returns__generic_fixed_and_xlsx_read_into_one_shape(tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "回盘.csv"
    csv.write_bytes(
        "付款编号,账号,户名,金额,结果,失败原因\nP01,1602000000000001,鲁丰食品有限公司,98971.00,成功,\n"
        "P02,1602000000000002,瑞达机械有限公司,4000.00,失败,账户冻结\n".encode("gb18030")
    )
    frame = read_return(csv, FORMATS)
    assert list(frame["outcome"]) == ["paid", "failed"]  # 账户冻结: not about the account
    assert frame[COLUMNS].to_dict("records")[1] == {
        "payment_id": "P02",
        "account": "1602000000000002",
        "name": "瑞达机械有限公司",
        "amount": 400_000,
        "result": "失败",
        "reason": "账户冻结",
    }
    fixed = FORMATS["fixed_gb18030"]
    line = b""
    for spec, value in zip(
        fixed.return_fields,
        ["P01", "1602000000000001", "鲁丰食品有限公司", "9897100", "2", "退汇：户名不符"],
        strict=True,
    ):
        encoded = value.encode("gb18030")
        pad = b" " * (spec.width - len(encoded))
        line += pad + encoded if spec.align == "right" else encoded + pad
    txt = tmp_path / "回盘.txt"
    txt.write_bytes(b"H       1           9897100\r\n" + line + b"\r\n")
    [row] = read_return(txt, FORMATS).to_dict("records")
    assert (row["payment_id"], row["amount"], row["result"]) == ("P01", 9_897_100, "退汇")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "付款编号,账号,户名,金额,结果,失败原因\nP01,1,甲,1.00,处理中,\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="处理中"):
        read_return(bad, FORMATS)


@pytest.mark.parametrize("name", ["-鲁丰食品有限公司", "=鲁丰", "@鲁丰", "+鲁丰"])
def test_fixed_and_xlsx__a_name_is_written_as_it_is_never_with_the_csv_guard(name: str) -> None:
    rows = pd.DataFrame(
        [
            payment("P01", "new_hire", name, "中国工商银行济南分行", "1602000000000001", 100),
            payment("P03", "new_hire", name, "中国建设银行淄博分行", "3705000000000003", 100),
        ]
    )
    release = bank_release(rows, FORMATS, "B1", 0, ON)
    assert release.held.empty
    fixed = next(f for f in release.files if f.bank_format == "fixed_gb18030")
    assert b"'" not in fixed.data and name.encode("gb18030") in fixed.data
    sheet = next(f for f in release.files if f.bank_format == "xlsx_template")
    assert name in set(return_rows(sheet.data)["收款户名"])


@pytest.mark.parametrize(
    "layout_bank", ["中国工商银行济南分行", "中国建设银行淄博分行", "齐鲁银行"]
)
def test_every_format__a_name_with_a_line_break_is_held_never_split(layout_bank: str) -> None:
    rows = pd.DataFrame(
        [payment("P01", "new_hire", "鲁丰食品\r\nH有限公司", layout_bank, "1602000000000001", 100)]
    )
    release = bank_release(rows, FORMATS, "B1", 0, ON)
    assert release.files == [] and "换行" in release.held.iloc[0]["reason"]


def test_generic_csv__a_name_beginning_with_the_apostrophe_is_held_too() -> None:
    rows = pd.DataFrame(
        [payment("P01", "new_hire", "'瑞康机械", "齐鲁银行", "86000000000001", 100)]
    )
    release = bank_release(rows, FORMATS, "B1", 0, ON)
    assert release.files == [] and "CSV银行文件无法如实写出" in release.held.iloc[0]["reason"]


def test_every_format__an_account_in_another_scripts_digits_is_held() -> None:
    arabic = "٨٤٧٥١٣٥٠٠٠٤٩٥٧٦٥٦١١"  # digits to Python's \d, not to a bank
    rows = pd.DataFrame(
        [
            payment(f"P0{n}", "new_hire", "瑞康机械", bank, arabic, 100)
            for n, bank in enumerate(["中国工商银行济南分行", "中国建设银行淄博分行", "齐鲁银行"])
        ]
    )
    release = bank_release(rows, FORMATS, "B1", 0, ON)
    assert release.files == [] and len(release.held) == 3


def test_release__each_paying_bank_its_own_files_a_bank_core_pays_only_from_its_bound_account() -> (
    None
):
    """SPEC §8: one file per paying bank — two rural banks share the core's format but never a
    file —, named by the bank where a format has several; a bank core's 单位编号 binds one payer
    account, and a payment of another fund source's account is held, not sent from it."""
    core = FORMATS["rural_core"]
    bound = core.parameter("payer_account")
    rows = pd.DataFrame(
        [
            payment(
                "W1",
                "chongqing_labor",
                "黄伟娜",
                "重庆农村商业银行",
                "6290642782431439916",
                450_000,
            ),
            payment(
                "W2", "chongqing_labor", "张三", "济南农村商业银行", "6210000000000000001", 300_000
            ),
            payment(
                "W3", "chongqing_labor", "李四", "济南农村商业银行", "6210000000000000019", 250_000
            ),
            payment("E1", "new_hire", "瑞达机械有限公司", "齐鲁银行", "8600000000000006", 100_000),
        ]
    ).assign(
        paying_bank=lambda f: f["bank_name"],
        payer="esf",
        fund_source="就业补助资金",
        payer_account=[bound, bound, bound, "6222020000000000101"],
    )
    rows.loc[rows["payment_id"] == "E1", "paying_bank"] = "某某农村商业银行"
    release = bank_release(rows, FORMATS, "B1", 0, ON)
    assert sorted((f.name, f.payment_ids) for f in release.files) == [
        ("B1-r0-rural_core-personal-esf-济南农村商业银行-01.txt", ("W2", "W3")),
        ("B1-r0-rural_core-personal-esf-重庆农村商业银行-01.txt", ("W1",)),
    ]
    [(pid, why)] = zip(release.held["payment_id"], release.held["reason"], strict=True)
    assert pid == "E1" and f"绑定付款账户 {bound}" in why and "6222020000000000101" in why
    unbound = {
        **FORMATS,
        "rural_core": dataclasses.replace(
            core, parameters=(("unit_number", "1"), ("payer_account", ""))
        ),
    }
    held = bank_release(rows, unbound, "B1", 0, ON).held
    assert set(held["payment_id"]) == {"W1", "W2", "W3", "E1"}
    assert all("未登记其单位编号对应的付款账户" in r for r in held["reason"])
