"""The payment registry: a database that holds every claim paid, unique per programme and period.

SQLite file by default, PostgreSQL by URL, through SQLAlchemy Core. The unique constraint on
(program, period, claim_key) is what makes "once per beneficiary per programme per year" hold
across batches and concurrent runs: a claim is taken by inserting it, and whoever's insert lands
owns it. A claim owned by the same batch (a rerun) or by an earlier review round of the same
applications (same `lineage`) is not a duplicate; any other owner makes it `DUPLICATE_CLAIM`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, ProgrammingError

metadata = MetaData()

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("lineage", String(64), nullable=False, index=True),
    Column("as_of", Date, nullable=False),
    Column("policy_version", String(80), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

claims = Table(
    "claims",
    metadata,
    Column("program", String(40), nullable=False),
    Column("period", String(16), nullable=False),
    Column("claim_key", String(80), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("lineage", String(64), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    UniqueConstraint("program", "period", "claim_key", name="uq_claim_once"),
)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", String(40), primary_key=True),
    Column("batch_id", String(64), nullable=False, index=True),
    Column("program", String(40), nullable=False),
    Column("period", String(16), nullable=False),
    Column("beneficiary_id", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    UniqueConstraint("batch_id", "program", "period", "beneficiary_id", name="uq_payment_batch"),
)

processed_files = Table(
    "processed_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("error", String(40), nullable=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

CHUNK = 500


@dataclass(frozen=True)
class Owner:
    batch_id: str
    lineage: str


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


class Registry:
    """Claims and payments recorded per batch, in one database."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, future=True)
        try:
            metadata.create_all(self.engine)
        except (IntegrityError, ProgrammingError):
            # Two runs creating the tables at once on PostgreSQL: the other one won; carry on.
            metadata.create_all(self.engine)

    def _insert(self, table: Table):  # type: ignore[no-untyped-def]
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    def owners(self, keys: pd.DataFrame) -> dict[tuple[str, str, str], Owner]:
        """Who owns each (program, period, claim_key) already, if anyone."""
        found: dict[tuple[str, str, str], Owner] = {}
        triples = list(keys[["program", "period", "claim_key"]].itertuples(index=False, name=None))
        with self.engine.connect() as connection:
            for chunk in _chunks(triples):
                rows = connection.execute(
                    select(
                        claims.c.program,
                        claims.c.period,
                        claims.c.claim_key,
                        claims.c.batch_id,
                        claims.c.lineage,
                    ).where(
                        tuple_(claims.c.program, claims.c.period, claims.c.claim_key).in_(chunk)
                    )
                )
                for program, period, key, batch_id, lineage in rows:
                    found[(program, period, key)] = Owner(batch_id, lineage)
        return found

    def take_claims(
        self,
        batch_id: str,
        lineage: str,
        as_of: dt.date,
        policy_version: str,
        claimed: pd.DataFrame,
    ) -> dict[tuple[str, str, str], Owner]:
        """Insert the batch's claims; return every claim's owner afterwards.

        A claim another run took first stays theirs (the insert does nothing), and the caller
        turns it into `DUPLICATE_CLAIM`. Rerunning a batch finds its own claims and changes nothing.
        """
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as connection:
            connection.execute(
                self._insert(batches)
                .values(
                    batch_id=batch_id,
                    lineage=lineage,
                    as_of=as_of,
                    policy_version=policy_version,
                    recorded_at=now,
                )
                .on_conflict_do_nothing()
            )
            claim_rows = [
                {
                    "program": r.program,
                    "period": r.period,
                    "claim_key": r.claim_key,
                    "batch_id": batch_id,
                    "lineage": lineage,
                    "amount_fen": int(r.amount),
                }
                for r in claimed.itertuples(index=False)
            ]
            for chunk in _chunks(claim_rows):
                connection.execute(self._insert(claims).values(chunk).on_conflict_do_nothing())
        return self.owners(claimed)

    def record_payments(self, batch_id: str, paid: pd.DataFrame) -> None:
        """Record the batch's payments; a rerun inserts nothing new (same payment ids)."""
        with self.engine.begin() as connection:
            payment_rows = [
                {
                    "payment_id": r.payment_id,
                    "batch_id": batch_id,
                    "program": r.program,
                    "period": r.period,
                    "beneficiary_id": r.beneficiary_id,
                    "amount_fen": int(r.amount),
                }
                for r in paid.itertuples(index=False)
            ]
            for chunk in _chunks(payment_rows):
                connection.execute(self._insert(payments).values(chunk).on_conflict_do_nothing())

    def lineage_of(self, batch_id: str) -> str | None:
        """The lineage (same applications) of a recorded batch, if it was recorded."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(batches.c.lineage).where(batches.c.batch_id == batch_id)
            ).scalar_one_or_none()

    def processed(self, hashes: list[str]) -> dict[str, str | None]:
        """Which of these file contents a run has already seen, with the error it had if any."""
        found: dict[str, str | None] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(hashes):
                rows = connection.execute(
                    select(processed_files.c.sha256, processed_files.c.error).where(
                        processed_files.c.sha256.in_(chunk)
                    )
                )
                found.update((sha, error) for sha, error in rows)
        return found

    def record_processed(self, files: list[tuple[str, str, str | None]], batch_id: str) -> None:
        """Remember (file name, sha256, error) as seen by a batch: an unchanged file is not
        processed again, a corrected one (new content) is."""
        rows = [
            {
                "sha256": sha,
                "file_name": name,
                "batch_id": batch_id,
                "error": error,
                "processed_at": dt.datetime.now(dt.UTC),
            }
            for name, sha, error in files
        ]
        with self.engine.begin() as connection:
            for chunk in _chunks(rows):
                connection.execute(
                    self._insert(processed_files).values(chunk).on_conflict_do_nothing()
                )

    def batch_recorded(self, batch_id: str) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(batches.c.batch_id).where(batches.c.batch_id == batch_id)
            ).first()
        return found is not None

    def paid_total(self, program: str | None = None) -> int:
        """Sum of recorded payments in fen (for checks and tests)."""
        with self.engine.connect() as connection:
            query = select(payments.c.amount_fen)
            if program:
                query = query.where(payments.c.program == program)
            return sum(row[0] for row in connection.execute(query))

    def dispose(self) -> None:
        self.engine.dispose()


def _chunks(items: list) -> Iterator[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
