"""SPEC §2: the paid-hash exchange with the partner province, round trip. Our export holds one
keyed hash per paid 鲁渝 worker and year and no ID; read back as the partner's 外省已发放名单 it
finds the worker under the same key, nothing under another, and the key is in no output."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
from sqlalchemy import update

from money.paid_hashes import export_paid_hashes
from policy.outcomes import APPROVED
from policy.screening import Screening, risk_flags
from registry.database import Registry
from registry.tables import payment_states
from tests.money.test_bank_core_loop import LINES, WORKER, seeded
from tests.registry.test_registry import registry_url  # noqa: F401  (the fixture)
from workbooks.screening_lists import read_screening_lists

KEY = "两省共同约定的核查密钥-2020-鲁渝劳务协作".encode()


def test_paid_hashes__exported_read_back_as_the_partners_list_and_matched_only_with_the_key(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    with Registry(registry_url) as registry:
        seeded(registry)  # seven 鲁渝 payments of 2020, sent
        with registry.engine.begin() as connection:
            connection.execute(
                update(payment_states)
                .where(payment_states.c.payment_id.in_(["P1", "P3"]))
                .values(state="paid")
            )
        folder = tmp_path / "partner"
        folder.mkdir()
        out = folder / "外省已发放名单.xlsx"
        assert export_paid_hashes(registry, KEY, "2020", out) == 2
        assert export_paid_hashes(registry, KEY, "2021", tmp_path / "none.xlsx") == 0
    paid_ids = [f"{WORKER[:-2]}{n:02d}" for n, line in enumerate(LINES) if line[0] in ("P1", "P3")]
    # No ID number, in any form, and not the key, anywhere in the workbook's parts.
    with zipfile.ZipFile(out) as package:
        text = b"".join(package.read(name) for name in package.namelist())
    assert not any(pid.encode() in text or pid[:17].encode() in text for pid in paid_ids)
    assert KEY not in text

    lists = read_screening_lists(folder)
    assert "外省已发放名单" not in lists.missing
    rows = pd.DataFrame(
        [
            {
                "program": "chongqing_labor",
                "id_number": person,
                "credit_code": "",
                "beneficiary_id": person,
                "bank_account": "",
                "period": "2020",
                "outcome": APPROVED,
            }
            for person in [*paid_ids, f"{WORKER[:-2]}99"]
        ]
    )
    found = risk_flags(rows, Screening(lists, dt.date(2020, 12, 31), partner_key=KEY))
    assert sorted(found["index"]) == [0, 1] and set(found["code"]) == {"RISK_PAID_ELSEWHERE"}
    other = Screening(lists, dt.date(2020, 12, 31), partner_key=b"x" * 32)
    assert risk_flags(rows, other).empty
