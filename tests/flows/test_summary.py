"""The run summary a clerk reads on the run page: Chinese names, amounts as people write them."""

from __future__ import annotations

import re
from pathlib import Path

from flows.summary import markdown, parameter_names
from tests.pipeline import POLICY
from tests.workbooks.test_ledger_writer import ledger_inputs  # noqa: F401  (the fixture)


def test_summary__provisional_parameters_by_chinese_name_and_amounts_grouped(
    ledger_inputs,  # noqa: F811
) -> None:
    _, figures, _, _ = ledger_inputs
    assert figures.provisional_parameters, "the acceptance batch uses provisional parameters"
    text = markdown(figures, Path("/srv/out/batch-1"), named=parameter_names(POLICY))
    line = next(line for line in text.splitlines() if line.startswith("- 暂定参数："))
    assert not re.search(r"[a-z_]+\.[a-z_]+", line)  # no parameter codes
    assert "跨省就业补贴上限" in line
    assert "| 春节期间防疫物资生产企业一次性用工补贴 |" in text and "| 528,400.00 |" in text
    assert "缓缴 1,423,569.22 元" in text
