"""Write `sample_returns/工商银行回盘-示例.csv`: the bank's return for the demo batch (`make
demo`), as a bank sends it back after paying: every payment 成功 but one, 失败 because the
account was closed, so the README walkthrough shows a failure to re-issue.

The demo's payment ids follow from its inputs, reference lists, parameters and 审核基准日: rerun
this (`make samples`) after changing any of them; `tests/test_readme.py` fails until then.

    .venv/bin/python scripts/make_sample_return.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RETURN_FILE = ROOT / "sample_returns" / "工商银行回盘-示例.csv"
HEADER = ["付款编号", "账号", "户名", "金额", "结果", "失败原因"]
AS_OF = "2020-12-31"  # the Makefile's demo


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "subsidy"),
                "run",
                str(ROOT / "sample_inputs"),
                "--reference",
                str(ROOT / "sample_inputs" / "reference"),
                "--as-of",
                AS_OF,
                "--out",
                work,
                "--dry-run",
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        folder = Path(done.stdout.strip().splitlines()[-1])
        payments = pd.read_csv(folder / "payments.csv", dtype=str, keep_default_na=False)
    rows = [
        [p.payment_id, p.bank_account, p.beneficiary_name, f"{Decimal(p.amount):.2f}", "成功", ""]
        for p in payments.sort_values("payment_id").itertuples()
    ]
    rows[0][4:] = ["失败", "账户已销户"]
    RETURN_FILE.parent.mkdir(exist_ok=True)
    pd.DataFrame(rows, columns=HEADER).to_csv(RETURN_FILE, index=False, encoding="utf-8-sig")
    print(RETURN_FILE)


if __name__ == "__main__":
    main()
