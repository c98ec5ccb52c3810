"""The registry's schema as versioned Alembic migrations (`registry/migrations/versions/`).

`migrate` brings a database to the newest revision: a new one is created by the migrations
themselves (never `create_all`), one made before migrations existed (tables, no
`alembic_version`) is first stamped as revision 0001, the schema those versions made. Opening a
registry (`Registry`) creates a new empty database the same way, and refuses one at an older
revision with a Chinese message naming `subsidy migrate`: a production schema changes only
when an operator says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from policy.refusal import Refusal

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST = "0001"
MIGRATE_LOCK = 0x5B51D2  # PostgreSQL advisory lock: one migration at a time


class RegistryOutdated(Refusal):
    """The database is at an older schema revision than this version needs."""


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    script = ScriptDirectory.from_config(_config(None))  # type: ignore[arg-type]
    return str(script.get_current_head())


def revision_of(connection: Connection) -> str | None:
    """The database's revision; `FIRST` for a registry made before migrations; None if empty."""
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None and inspect(connection).has_table("batches"):
        return FIRST
    return current


@contextmanager
def _one_migration_at_a_time(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the database's migration lock and contains all the DDL.

    PostgreSQL: an advisory lock, and its DDL is transactional anyway. SQLite: the driver
    would run DDL outside any transaction and a second run could see a half-built schema;
    with the driver's own transaction handling off, `BEGIN IMMEDIATE` takes the write lock
    first (a concurrent run waits for it) and everything after it commits or rolls back whole.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
            yield connection
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


def migrate(engine: Engine, to: str = "head") -> tuple[str | None, str]:
    """Upgrade the database; returns (revision before, revision after)."""
    with _one_migration_at_a_time(engine) as connection:
        before = revision_of(connection)
        config = _config(connection)
        if (
            before == FIRST
            and MigrationContext.configure(connection).get_current_revision() is None
        ):
            command.stamp(config, FIRST)
        command.upgrade(config, to)
        return before, str(MigrationContext.configure(connection).get_current_revision())


def ensure_current(engine: Engine) -> None:
    """Create an empty database at the newest revision; refuse one at an older revision."""
    with engine.connect() as connection:
        current = revision_of(connection)
    if current is None:
        # A run that creates it at the same moment holds the migration lock; this one waits,
        # then finds the newest revision and has nothing to do.
        migrate(engine)
        return
    if current != head():
        raise RegistryOutdated(
            f"支付登记库的结构版本为 {current}，本系统需要 {head()}："
            "请先备份登记库，再运行 subsidy migrate --registry <登记库地址> 升级"
        )


class UpgradeFailed(Refusal):
    """The upgrade was rolled back whole: the registry keeps the schema it had."""


def upgrade(url: str) -> str:
    """Bring the registry at `url` to this version's revision; says from which to which."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        before, after = migrate(engine)
    except SQLAlchemyError as problem:
        raise UpgradeFailed(
            f"登记库升级失败，本次升级已整体回退，登记库保持升级前的结构：{problem.args[0]}"[:500]
            + "\n请把这条信息交给运维人员，排除原因后重试"
        ) from problem
    finally:
        engine.dispose()
    if before == after:
        return f"支付登记库已是最新结构（版本 {after}）"
    return f"支付登记库结构已由 {before or '空库'} 升级到 {after}"
