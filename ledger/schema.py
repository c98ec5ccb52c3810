"""The registry's schema as versioned Alembic migrations (`ledger/migrations/versions/`).

`migrate` brings a database to the newest revision: a new one is created by the migrations
themselves (never `create_all`), one made before migrations existed (tables, no
`alembic_version`) is first stamped as revision 0001, the schema those versions made. Opening a
registry (`Registry`) creates a new empty database the same way, and refuses one at an older
revision with a Chinese message naming `subsidy migrate`: a production schema changes only
when an operator says so.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST = "0001"
MIGRATE_LOCK = 0x5B51D2  # PostgreSQL advisory lock: one migration at a time


class RegistryOutdated(Exception):
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


def migrate(engine: Engine, to: str = "head") -> tuple[str | None, str]:
    """Upgrade the database; returns (revision before, revision after)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
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
        try:
            migrate(engine)
        except (OperationalError, ProgrammingError, IntegrityError):
            # Another run created it at the same moment (SQLite runs DDL outside a
            # transaction); what counts is that the database is now at the newest revision.
            with engine.connect() as connection:
                current = revision_of(connection)
            if current != head():
                raise
        return
    if current != head():
        raise RegistryOutdated(
            f"支付登记库的结构版本为 {current}，本系统需要 {head()}："
            "请先备份登记库，再运行 subsidy migrate --registry <登记库地址> 升级"
        )
