"""The payment registry on SQLite and PostgreSQL: claims once, reruns idempotent, duplicates.

The PostgreSQL runs use `SUBSIDY_TEST_POSTGRES_URL` (default: the local server this project's
machines run). Without a server they are skipped locally, but under CI (`CI=true`) a missing
server is a failure. Under pytest-xdist each worker uses a database of its own beside that one
(`test_gw0`, `test_gw1`, …), created on first use, so workers never reset each other's tables.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from registry.database import Registry
from tests.conftest import SAMPLES
from tests.pipeline import decide, settle_case

POSTGRES_URL = os.environ.get(
    "SUBSIDY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@cache
def worker_database(url: str) -> str:
    """The database this test process uses: `url`'s, or under xdist one per worker beside it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def postgres_available() -> bool:
    try:
        with create_engine(POSTGRES_URL).connect() as connection:
            connection.execute(text("select 1"))
    except Exception:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite'}"
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI and is not reachable at {POSTGRES_URL}")
        pytest.skip("no PostgreSQL server reachable")
    url = worker_database(POSTGRES_URL)
    reset_database(url)
    return url


def reset_database(url: str) -> None:
    """Drop every table there, `alembic_version` included: the next registry starts empty."""
    engine = create_engine(url)
    found = MetaData()
    found.reflect(engine)
    found.drop_all(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def sample_results():
    return decide(SAMPLES, SAMPLES / "reference")[1]


def test_registry__rerun_of_a_batch_pays_nothing_new_and_gives_the_same_payments(
    registry_url: str, sample_results
) -> None:
    first = settle_case(sample_results, registry_url=registry_url)
    second = settle_case(sample_results, registry_url=registry_url)
    assert first.payments.equals(second.payments)
    assert first.decisions.equals(second.decisions)
    registry = Registry(registry_url)
    assert registry.paid_total() == int(first.payments["amount"].sum()) > 0
    registry.dispose()


def test_registry__another_batch_claiming_the_same_rows_gets_duplicate_claim(
    registry_url: str, sample_results
) -> None:
    first = settle_case(sample_results, registry_url=registry_url)
    other = settle_case(sample_results, batch="batch-2", lineage="L2", registry_url=registry_url)
    taken = first.decisions["outcome"] == "approved"
    claimed = first.decisions["claim_key"] != ""
    again = other.decisions[taken & claimed]
    assert (again["reason_codes"] == "DUPLICATE_CLAIM").all()
    assert (again["outcome"] == "rejected").all()
    assert other.payments.empty
    registry = Registry(registry_url)
    assert registry.paid_total() == int(first.payments["amount"].sum())
    registry.dispose()


def test_registry__a_review_round_of_the_same_applications_does_not_pay_again(
    registry_url: str, sample_results
) -> None:
    first = settle_case(sample_results, registry_url=registry_url)
    review = settle_case(sample_results, batch="batch-1-reviewed", registry_url=registry_url)
    assert (review.decisions["outcome"] == first.decisions["outcome"]).all()
    assert review.payments.empty
    assert review.amounts == first.amounts
