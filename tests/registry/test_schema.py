"""The registry's schema is made by versioned migrations, on SQLite and PostgreSQL.

A new database is created by the migrations and matches the tables the code uses; a registry
made by an earlier version (tables made with `create_all`, no `alembic_version`) is refused
until `subsidy migrate` upgrades it, and after that its batches, claims and payments still
count: a claim it granted is a duplicate for a later batch, its payments are round 0's.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from flows.cli import main
from ledger.settlement import BatchIdentity, settle_batch
from registry.database import Registry
from registry.schema import RegistryOutdated, head, migrate, revision_of
from registry.tables import metadata
from tests.pipeline import POLICY
from tests.registry.test_registry import registry_url  # noqa: F401  (SQLite and PostgreSQL)
from tests.test_claims_property import REFUND, decisions_of

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_migrations__a_new_registry_has_exactly_the_tables_the_code_uses(
    registry_url: str,  # noqa: F811
) -> None:
    Registry(registry_url).dispose()
    engine = create_engine(registry_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    assert differences == []
    assert revision == head()


def old_registry(url: str) -> None:
    """A registry as the version before review rounds left it: its tables, a paid batch."""
    engine = create_engine(url)
    migrate(engine, to="0001")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # create_all never made one
        connection.execute(
            text(
                "INSERT INTO batches VALUES ('old', 'lineage-old', '2020-12-31', 'v1',"
                " :now, NULL, 1)"
            ),
            {"now": NOW},
        )
        connection.execute(
            text("INSERT INTO claims VALUES (:p, '2020', 'E1', 'old', 'lineage-old', 100000)"),
            {"p": REFUND},
        )
        connection.execute(
            text("INSERT INTO payments VALUES ('P1', 'old', :p, '2020', 'E1', 100000, NULL, NULL)"),
            {"p": REFUND},
        )
    engine.dispose()


def test_migrate__an_old_registry_is_refused_until_migrated_and_keeps_its_payments(
    registry_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    old_registry(registry_url)
    with pytest.raises(RegistryOutdated, match="subsidy migrate"):
        Registry(registry_url)
    assert main(["migrate", "--registry", registry_url]) == 0
    assert f"由 0001 升级到 {head()}" in capsys.readouterr().out
    assert main(["migrate", "--registry", registry_url]) == 0
    assert "已是最新结构" in capsys.readouterr().out
    registry = Registry(registry_url)
    try:
        with registry.engine.connect() as connection:
            rounds = connection.execute(text("SELECT batch_id, round, seq FROM rounds")).all()
            paid = connection.execute(text("SELECT round, seq FROM payments")).all()
        assert [tuple(r) for r in rounds] == [("old", 0, 1)]
        assert [tuple(p) for p in paid] == [(0, 1)]
        # The old batch's grant still counts: the same enterprise later is a duplicate.
        rows = [{"program": REFUND, "credit_code": "E1", "key": "E1", "amount": 100_000}]
        identity = BatchIdentity("new", "lineage-new", dt.date(2020, 12, 31), POLICY.version)
        settled = settle_batch(decisions_of(rows, ["a.xlsx"]), identity, registry)
    finally:
        registry.dispose()
    assert settled.decisions["reason_codes"].tolist() == ["DUPLICATE_CLAIM"]
    assert settled.payments.empty


def test_ensure_current__runs_creating_one_sqlite_registry_at_once_all_find_it_complete(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def open_registry() -> None:
        start.wait()
        try:
            Registry(url).dispose()
        except BaseException as problem:  # collected for the assertion
            failures.append(problem)

    runs = [threading.Thread(target=open_registry) for _ in range(4)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert failures == []
    engine = create_engine(url)
    with engine.connect() as connection:
        assert revision_of(connection) == head()
    engine.dispose()


def test_migrate__a_sqlite_upgrade_that_fails_leaves_the_registry_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    upgrade = command.upgrade

    def upgrade_then_fail(config: Config, to: str) -> None:
        upgrade(config, to)
        raise OperationalError("ALTER TABLE", {}, Exception("disk I/O error"))

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(OperationalError):
        migrate(create_engine(url))
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
