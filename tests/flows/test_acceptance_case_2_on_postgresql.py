"""Acceptance case 2 on PostgreSQL: the same steps and expectations as on SQLite
(`test_acceptance_case_2.py`), in a file of its own so that `make test`'s workers run the two at
once (each takes minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flows.test_acceptance_case_2 import every_step_as_expected
from tests.registry.test_registry import registry_url  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


@pytest.mark.parametrize("registry_url", ["postgresql"], indirect=True)
def test_acceptance_case_2_on_postgresql__every_step_as_expected(
    tmp_path: Path,
    registry_url: str,  # noqa: F811
) -> None:
    every_step_as_expected(tmp_path, registry_url)
