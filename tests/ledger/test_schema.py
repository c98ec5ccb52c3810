"""The registry's schema is made by versioned migrations, on SQLite and PostgreSQL.

A new database is created by the migrations and matches the tables the code uses; a registry
made by an earlier version (tables made with `create_all`, no `alembic_version`) is refused
until `subsidy migrate` upgrades it, and after that its batches, claims and payments still
count: a claim it granted is a duplicate for a later batch, its payments are round 0's.
"""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from flows.cli import main
from ledger.registry import Registry
from ledger.registry_tables import metadata
from ledger.schema import RegistryOutdated, head, migrate
from ledger.settlement import BatchIdentity, settle_batch
from tests.ledger.test_registry import registry_url  # noqa: F401  (SQLite and PostgreSQL)
from tests.pipeline import POLICY
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
