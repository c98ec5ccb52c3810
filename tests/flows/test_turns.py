"""One turn per payment registry: runs paying into one registry wait for each other, runs of
another registry (another province of a national run) do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.exclusive import PAYMENT_RUNS, turn_of
from flows.form import Technical

# Without the environment variable the address is looked up in a Prefect Secret block.
pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def test_turn_of__the_registry_not_the_run_names_the_turn(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SUBSIDY_REGISTRY_URL", raising=False)
    shared = f"sqlite:///{tmp_path / 'department.sqlite'}"
    manual = turn_of({"out": str(tmp_path / "a"), "technical": Technical(registry=shared)})
    nightly = turn_of({"out": str(tmp_path / "b"), "technical": {"registry": shared}})
    assert manual == nightly and manual.startswith(PAYMENT_RUNS + "-")
    # Without an address, the output folder's own registry: one turn per folder.
    assert turn_of({"out": str(tmp_path / "a")}) == turn_of({"out": str(tmp_path / "a" / ".")})
    assert turn_of({"out": str(tmp_path / "a")}) != turn_of({"out": str(tmp_path / "b")})
    # The configured address (it may carry a password) is never in the limit's name.
    monkeypatch.setenv("SUBSIDY_REGISTRY_URL", "postgresql+psycopg://u:s3cret@db/subsidy")
    configured = turn_of({"out": str(tmp_path / "a")})
    assert "s3cret" not in configured and configured != turn_of({"technical": {"registry": shared}})
