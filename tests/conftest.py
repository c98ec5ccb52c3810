"""Shared fixtures: project paths, and one Prefect test harness for the whole session."""

from __future__ import annotations

from pathlib import Path

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
