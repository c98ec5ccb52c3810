"""A province batch's audit log is kilobytes (SPEC §4): it grows with files and verdicts, not rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ledger import audit, outputs
from ledger.decision_roots import file_roots, root_problems

ROWS = 1_270_000  # the province bench batch: 96 workbooks, 32 per programme
FILES = 96
VERDICTS = 1_000  # a reviewer's round of held rows: each verdict adds about 470 bytes
SECRET = b"\x07" * 32


def province_decisions() -> pd.DataFrame:
    rows = np.arange(ROWS)
    files = np.array(
        [
            f"城市{i // 3:02d}-{['稳岗返还', '吸纳就业', '社保减免'][i % 3]}.xlsx"
            for i in range(FILES)
        ]
    )
    return pd.DataFrame(
        {
            "program": "stabilization_refund",
            "file": files[rows % FILES],
            "sheet": "稳岗返还",
            "row": rows // FILES + 4,
            "credit_code": pd.Series(rows).map("91370100{:010d}".format),
            "id_number": "",
            "outcome": np.where(rows % 7 == 0, "held", "approved"),
            "reason_codes": np.where(rows % 7 == 0, "SIZE_MISMATCH", ""),
            "amount": rows % 100_000,
        }
    )


def test_audit__a_province_batch_with_1000_verdicts_adds_under_one_megabyte(
    tmp_path: Path,
) -> None:
    decisions = province_decisions()
    data = outputs.decisions_csv(decisions)
    (tmp_path / "decisions.csv").write_bytes(data)
    names = sorted(decisions["file"].unique())
    roots = file_roots(SECRET, data, [(n, "stabilization_refund", "a" * 64, None) for n in names])
    assert sum(r.rows for r in roots) == ROWS
    inputs = [{"file": n, "sha256": "a" * 64, "error": None, "path": f"/收件箱/{n}"} for n in names]
    facts = audit.RunFacts(
        "b" * 16, "run-1", "shandong-2020.1", "2020-12-31", inputs, False, "", {}, {}
    )
    held = decisions[decisions["outcome"] == "held"].head(VERDICTS)
    verdicts = [
        audit.Verdict("stabilization_refund", f, "稳岗返还", int(r), "通过", "已电话核实参保人数")
        for f, r in zip(held["file"], held["row"], strict=True)
    ]
    log = tmp_path / "audit.jsonl"
    audit.append_bodies(log, audit.run_bodies(facts, roots, verdicts, "复核员甲"))
    assert log.stat().st_size < 1_000_000
    assert audit.verify(log) is None
    assert root_problems(tmp_path, log, SECRET) == []
    print(
        f"audit log of {ROWS:,} decisions, {FILES} files, {VERDICTS} verdicts: {log.stat().st_size:,} bytes"
    )
