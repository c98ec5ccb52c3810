"""Write a synthetic batch (see `synthetic.batch`) as real application workbooks.

One workbook per city per programme, the three reference lists in `reference/`, and
`expected.json`: per programme the input rows, outcome counts and amount the run must produce.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd

from policy.catalogue import PROGRAMS
from synthetic.batch import generate
from workbooks.fast_writer import write_sheets


def expected_figures(expected: dict[str, list[pd.DataFrame]]) -> dict[str, dict[str, object]]:
    figures = {}
    for program in PROGRAMS:
        rows = pd.concat(expected.get(program, [pd.DataFrame(columns=["outcome", "amount"])]))
        counts = rows["outcome"].value_counts()
        figures[program] = {
            "input_rows": len(rows),
            "approved": int(counts.get("approved", 0)),
            "rejected": int(counts.get("rejected", 0)),
            "held": int(counts.get("held", 0)),
            "amount": str(Decimal(int(rows["amount"].sum())).scaleb(-2).quantize(Decimal("0.01"))),
        }
    return figures


def write_batch(scale: str, out: Path, seed: int = 2020, progress=None) -> Path:  # type: ignore[no-untyped-def]
    """Generate and write the batch; returns the folder of application workbooks."""
    workbooks, refs = generate(scale, seed)
    inputs = out / "inputs"
    reference = out / "reference"
    inputs.mkdir(parents=True, exist_ok=True)
    reference.mkdir(parents=True, exist_ok=True)
    expected: dict[str, list[pd.DataFrame]] = {}
    for workbook in workbooks:
        name = f"{workbook.city}-{PROGRAMS[workbook.program].file_name}"
        write_sheets(inputs / name, workbook.sheets)
        expected.setdefault(workbook.program, []).append(workbook.expected)
        if progress:
            progress(name, len(workbook.expected))
    lists = {
        "重点企业名单": ("统一社会信用代码", refs.key_enterprises),
        "建档立卡名单": ("身份证号", refs.poverty_registry),
        "严重失信名单": ("统一社会信用代码", refs.dishonest),
    }
    for sheet, (header, keys) in lists.items():
        write_sheets(reference / f"{sheet}.xlsx", {sheet: pd.DataFrame({header: keys})})
    figures = {
        "scale": scale,
        "seed": seed,
        "as_of": "2020-12-31",
        "programs": expected_figures(expected),
    }
    (out / "expected.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return inputs
