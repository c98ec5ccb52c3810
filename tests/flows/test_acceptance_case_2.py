"""Acceptance case 2 through the real `subsidy` command, step by step, on SQLite (on PostgreSQL:
`test_acceptance_case_2_on_postgresql.py`, a file of its own so that `make test`'s workers run
the two at once).

Batch A (several city bureaus' files per programme), two review rounds, a repeated round, then
batches B and C on one registry. Every row, total and payment of every step is compared with
`tests/data/acceptance-case-2/expected/` (see `tests/case2.py`), and over all steps nobody is
paid twice and every beneficiary gets exactly what it is owed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.case2 import STEPS, run_case
from tests.registry.test_registry import registry_url  # noqa: F401  (SQLite and PostgreSQL)

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


@pytest.mark.parametrize("registry_url", ["sqlite"], indirect=True)
def test_acceptance_case_2__every_step_as_expected(
    tmp_path: Path,
    registry_url: str,  # noqa: F811
) -> None:
    every_step_as_expected(tmp_path, registry_url)


def every_step_as_expected(tmp_path: Path, registry_url: str) -> None:  # noqa: F811
    report = run_case(tmp_path, registry_url)
    assert {name: lines for name, lines in report.items() if lines} == {}
    steps = {step.name: tmp_path / "steps" / step.name for step in STEPS}
    manifests = {
        name: json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for name, folder in steps.items()
    }
    # The review rounds are rounds 1 and 2 of batch A, whose id names the applications only;
    # the repeat is round 1 again, byte for byte (compared in run_case).
    a = {manifests[n]["batch_id"] for n in ("1-A", "2-A-review-1", "3-A-repeat", "4-A-review-2")}
    assert len(a) == 1
    assert [manifests[n]["round"] for n in ("1-A", "2-A-review-1", "4-A-review-2")] == [0, 1, 2]
    # Every round's files are kept under rounds/<n>/.
    last = steps["4-A-review-2"]
    for number in (0, 1, 2):
        assert (last / "rounds" / str(number) / "payments.csv").exists()
    assert (last / "rounds" / "1" / "payments.csv").read_bytes() == (
        steps["2-A-review-1"] / "payments.csv"
    ).read_bytes()
