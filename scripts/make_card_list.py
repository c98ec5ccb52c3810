"""Write a 社保卡持卡库 (SPEC §8) for a folder of applications: every 鲁渝 worker with a card whose
account is the one the application gives, at the application's bank, 金融功能 已激活, 卡状态 正常.

For the samples and the test data only: a real 持卡库 comes from the card system.

    python scripts/make_card_list.py INPUTS REFERENCE
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from workbooks.fast_writer import write_sheets
from workbooks.reader import list_inputs

SHEET = "社保卡持卡库"


def card_list(inputs: Path) -> pd.DataFrame:
    rows = []
    for path in list_inputs([inputs]).workbooks:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str)
        for frame in sheets.values():
            cells = frame.fillna("")
            header = next(
                (i for i in range(min(10, len(cells))) if "银行卡号" in list(cells.iloc[i])), None
            )
            if header is None:
                continue
            table = cells.iloc[header + 1 :]
            table.columns = ["".join(str(c).split()) for c in cells.iloc[header]]
            for row in table.to_dict("records"):
                if str(row.get("身份证号", "")).strip():
                    rows.append(
                        {
                            "证件号码": str(row["身份证号"]).strip().upper(),
                            "姓名": "".join(str(row["姓名"]).split()),
                            "社保卡银行账号": "".join(str(row["银行卡号"]).split()).replace(
                                "-", ""
                            ),
                            "开户银行": str(row["开户银行"]).strip(),
                            "金融功能": "已激活",
                            "卡状态": "正常",
                        }
                    )
    return pd.DataFrame(rows).drop_duplicates("证件号码")


def main() -> None:
    inputs, reference = Path(sys.argv[1]), Path(sys.argv[2])
    cards = card_list(inputs)
    write_sheets(reference / f"{SHEET}.xlsx", {SHEET: cards})
    print(f"{reference / SHEET}.xlsx：{len(cards)} 张社保卡")


if __name__ == "__main__":
    main()
