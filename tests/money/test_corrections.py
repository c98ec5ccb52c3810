"""The account-correction workbook (账户更正, SPEC §8): read as applications are (SPEC §3), and
every problem said in the workbook's own Chinese headers, nothing entered when one is found."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from money.reissue import ReissueRefused, enter_corrections
from registry.database import Registry
from registry.tables import account_corrections
from workbooks.corrections import HEADER_ROW, corrections_template

CODE = "91370100MA3C5LRX4Q"


def correction_workbook(path: Path, *rows: list[object]) -> Path:
    workbook = corrections_template()
    sheet = workbook.active
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    workbook.save(path)
    return path


def row(new_account: object = "6222020200000000001", **changes: object) -> list[object]:
    values = {
        "id": CODE,
        "name": "甲公司",
        "old_bank": "中国工商银行",
        "old_account": "6222020000000000009",
        "new_bank": "中国建设银行",
        "new_account": new_account,
        "basis": "开户行账户证明",
    }
    values.update(changes)
    return list(values.values())


def entered(tmp_path: Path, *rows: list[object]) -> list[tuple[str, str]]:
    path = correction_workbook(tmp_path / "账户更正.xlsx", *rows)
    with Registry(f"sqlite:///{tmp_path / 'registry.sqlite'}") as registry:
        enter_corrections(registry, path, "经办员甲")
        with registry.engine.connect() as connection:
            return [
                (r.beneficiary_id, r.new_account)
                for r in connection.execute(select(account_corrections))
            ]


def refusal(tmp_path: Path, *rows: list[object]) -> str:
    with pytest.raises(ReissueRefused) as refused:
        entered(tmp_path, *rows)
    return str(refused.value)


def test_enter_corrections__a_new_account_typed_as_a_number_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, row(new_account=6217000011112222333))
    assert "第5行：新银行账号超过15位的数字" in message and "设为文本" in message
    assert "6217000011112222720" not in message


def test_enter_corrections__full_width_digits_are_entered_as_ascii(tmp_path: Path) -> None:
    [(code, account)] = entered(tmp_path, row(new_account="６２２２０２０２００００００００００１"))
    assert (code, account) == (CODE, "6222020200000000001")


def test_enter_corrections__problems_name_the_workbooks_own_headers(tmp_path: Path) -> None:
    message = refusal(tmp_path, row(basis=None), [None, "乙公司"])
    assert "第5行：更正依据未填写" in message
    assert "第6行：受益对象编号未填写" in message and "第6行：新银行账号未填写" in message
    assert "beneficiary_id" not in message and "basis" not in message
    assert "相同" not in message  # two blank accounts are not "the same account"


def test_enter_corrections__the_same_account_twice_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, row(new_account="6222020000000000009"))
    assert "新银行账号与原银行账号相同" in message


def test_enter_corrections__a_row_blank_but_for_a_note_beside_it_is_no_row(tmp_path: Path) -> None:
    message = refusal(tmp_path, row(basis=None), [None] * 7 + ["备注"], row(new_account="12"))
    assert "第5行：更正依据未填写" in message and "第7行：新银行账号应为8至32位数字" in message
    assert "第3行" not in message  # the sheet's own row numbers, and no row made of a note
