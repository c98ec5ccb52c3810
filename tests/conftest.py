"""Shared fixtures: project paths, and one Prefect test harness for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

# The flows default to the sample folders only in the demo (flows.config): the tests are one.
os.environ.setdefault("SUBSIDY_DEMO", "1")
# Under pytest-xdist each worker keeps Prefect's home (the embedded server's database a
# command-line run starts) to itself: set before anything imports Prefect.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    os.environ["PREFECT_HOME"] = str(
        _home.parent / f"{_home.name}-{os.environ['PYTEST_XDIST_WORKER']}"
    )

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ACCEPTANCE = DATA / "acceptance-case-1"
SAMPLES = ROOT / "sample_inputs"


@pytest.fixture(scope="session")
def prefect_harness():
    """One embedded Prefect server for every flow test of this process, and for the `subsidy`
    commands they start in child processes (each would otherwise start a server of its own,
    seconds of CPU apiece)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        before = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = before


def cards_for_tests():  # type: ignore[no-untyped-def]
    """The 社保卡持卡库 of the samples and of acceptance case 1 in one list: what the tests'
    approvals pay persons through (SPEC §8)."""
    import pandas as pd

    from workbooks.social_cards import SocialCards, read_social_cards

    lists = [read_social_cards(folder / "reference") for folder in (SAMPLES, ACCEPTANCE)]
    assert all(found.usable for found in lists), [found.missing for found in lists]
    return SocialCards(pd.concat([found.cards for found in lists]).drop_duplicates())


def small_batch_dry_run(
    folder: Path, seed: int, scale: str = "small"
) -> tuple[dict[str, object], dict[str, object]]:
    """A generated batch (small: 96 workbooks; tiny: 18): the `disburse` arguments of a dry run
    over it, and its `expected.json` (figures computed apart from the rules)."""
    import datetime as dt
    import json

    from workbooks.synthetic_batch import write_batch

    inputs = write_batch(scale, folder, seed=seed)
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    arguments = {
        "inputs": [str(inputs)],
        "reference": str(folder / "reference"),
        "as_of": dt.date(2020, 12, 31),
        "dry_run": True,
    }
    return arguments, expected


# What `make check` leaves to `make test` (`-m "not slow"`), and why each is slow. Everything
# else runs in well under a second a test.
SLOW = {
    "tests/flows/": "runs flows on a Prefect server, the `subsidy` command in child processes "
    "(kill -9 included), a worker, a Dask cluster or a browser",
    "tests/test_readme.py::test_readme__the_walkthrough_runs_as_written": "make demo and five "
    "commands as written (30 s)",
    "tests/batch/test_parallel.py": "worker processes over a generated batch (35 s)",
    "tests/workbooks/test_paper.py": "every workbook kind printed by LibreOffice (30 s)",
    "tests/workbooks/test_printing.py": "workbooks printed by LibreOffice",
    "tests/workbooks/test_documents.py": "every document kind written and printed (28 s)",
    "tests/ledger/test_audit_size.py": "audit logs of 127,000 and 12,700 decisions (4 s)",
    "tests/test_properties.py": "hypothesis over every programme's rules (25 s)",
    "tests/test_claims_property.py": "hypothesis over files and batches of claims",
    "tests/test_catalogue.py": "a new programme run in a copy of the project",
}


# The files that take longest under `make test`'s workers, longest first: collected first, so
# that the workers start them at once and the short files fill in around them (collected in
# their own order, the longest started last and left one worker busy for minutes at the end).
LONGEST_FIRST = [
    "tests/flows/test_worker.py",
    "tests/flows/test_acceptance_case_2.py",
    "tests/flows/test_dask.py",
    "tests/flows/test_browser.py",
    "tests/flows/test_crash.py",
    "tests/batch/test_parallel.py",
    "tests/flows/test_acceptance_case_2_on_postgresql.py",
    "tests/flows/test_proof_rounds.py",
    "tests/flows/test_money_loop.py",
    "tests/workbooks/test_documents.py",
    "tests/workbooks/test_paper.py",
]


def _start_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_start_rank)  # stable: each file's tests keep their order
    for item in items:
        if any(item.nodeid.startswith(prefix) for prefix in SLOW):
            item.add_marker(pytest.mark.slow)
        # A flow test's flows and child processes share the session's server.
        flow_test = item.nodeid.startswith("tests/flows/")
        if flow_test and "prefect_harness" not in item.fixturenames:  # type: ignore[attr-defined]
            item.fixturenames.append("prefect_harness")  # type: ignore[attr-defined]
