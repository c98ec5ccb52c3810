"""Shared fixtures: project paths, and one Prefect test harness for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

# The flows default to the sample folders only in the demo (flows.config): the tests are one.
os.environ.setdefault("SUBSIDY_DEMO", "1")

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ACCEPTANCE = DATA / "acceptance-case-1"
SAMPLES = ROOT / "sample_inputs"


@pytest.fixture(scope="session")
def prefect_harness():
    """One embedded Prefect server for every flow test (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def small_batch_dry_run(folder: Path, seed: int) -> tuple[dict[str, object], dict[str, object]]:
    """A small generated batch: the `disburse` arguments of a dry run over it, and its
    `expected.json` (figures computed apart from the rules)."""
    import datetime as dt
    import json

    from workbooks.synthetic_batch import write_batch

    inputs = write_batch("small", folder, seed=seed)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    arguments = {
        "inputs": [str(inputs)],
        "reference": str(folder / "reference"),
        "as_of": dt.date(2020, 12, 31),
        "dry_run": True,
    }
    return arguments, expected
