"""A province batch's audit log is kilobytes (SPEC §4): it grows with files and verdicts, not rows.

Shown on a tenth of the province batch and on a hundredth: ten times the rows add a few bytes per
file (the row counts' digits), so the 1.27 million rows of the province bench batch write the same
kilobytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ledger import audit, outputs
from ledger.decision_roots import file_roots, root_problems

PROVINCE_ROWS = 1_270_000  # the province bench batch: 96 workbooks, 32 per programme
FILES = 96
VERDICTS = 1_000  # a reviewer's round of held rows: each verdict adds about 470 bytes
SECRET = b"\x07" * 32


def decisions_of(count: int) -> pd.DataFrame:
    rows = np.arange(count)
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


def audit_log(folder: Path, rows: int) -> Path:
    """The audit log of a batch of `rows` decisions in FILES files, with VERDICTS verdicts, in
    `folder` beside its decisions.csv (its roots checked against it)."""
    folder.mkdir()
    decisions = decisions_of(rows)
    data = outputs.decisions_csv(decisions)
    (folder / "decisions.csv").write_bytes(data)
    names = sorted(decisions["file"].unique())
    roots = file_roots(SECRET, data, [(n, "stabilization_refund", "a" * 64, None) for n in names])
    assert sum(r.rows for r in roots) == rows
    inputs = [{"file": n, "sha256": "a" * 64, "error": None, "path": f"/收件箱/{n}"} for n in names]
    facts = audit.RunFacts(
        "b" * 16, "run-1", "shandong-2020.1", "2020-12-31", inputs, False, "", {}, {}
    )
    held = decisions[decisions["outcome"] == "held"].head(VERDICTS)
    verdicts = [
        audit.Verdict("stabilization_refund", f, "稳岗返还", int(r), "通过", "已电话核实参保人数")
        for f, r in zip(held["file"], held["row"], strict=True)
    ]
    log = folder / "audit.jsonl"
    audit.append_bodies(log, audit.run_bodies(facts, roots, verdicts, "复核员甲"))
    assert audit.verify(log) is None
    assert root_problems(folder, log, SECRET) == []
    return log


def test_audit__a_province_batch_with_1000_verdicts_adds_under_one_megabyte(
    tmp_path: Path,
) -> None:
    tenth = audit_log(tmp_path / "tenth", PROVINCE_ROWS // 10).stat().st_size
    hundredth = audit_log(tmp_path / "hundredth", PROVINCE_ROWS // 100).stat().st_size
    # Ten times the rows: each file's event carries its row count, one digit longer.
    assert 0 <= tenth - hundredth <= FILES * 4
    assert tenth + 10 * (tenth - hundredth) < 1_000_000  # the province batch, by the same step
    print(
        f"audit log of {PROVINCE_ROWS // 10:,} decisions, {FILES} files, {VERDICTS} verdicts: "
        f"{tenth:,} bytes; of {PROVINCE_ROWS // 100:,}: {hundredth:,} bytes"
    )
