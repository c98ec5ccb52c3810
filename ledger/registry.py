"""The payment registry: a database that holds every claim paid, unique per programme and period.

SQLite file by default, PostgreSQL by URL, through SQLAlchemy Core. The unique constraint on
(program, period, claim_key) is what makes "once per beneficiary per programme per year" hold
across batches and concurrent runs: a claim is taken by inserting it, and whoever's insert lands
owns it. A claim owned by the same batch (a rerun) or by another batch of the same applications
(same `lineage`: a review round, or a rerun under new parameters) is not a duplicate; any other
owner makes it `DUPLICATE_CLAIM`. Payments the lineage made before are netted off (top-ups).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    String,
    Table,
    create_engine,
    func,
    inspect,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from ledger.registry_tables import (
    audit_heads,
    batches,
    claims,
    issued_workbooks,
    metadata,
    payments,
    processed_files,
)

CHUNK = 500


OWNER_COLUMNS = ["program", "period", "claim_key", "batch_id", "lineage"]


@dataclass(frozen=True)
class BatchRecord:
    batch_id: str
    lineage: str
    as_of: dt.date
    policy_version: str


@dataclass(frozen=True)
class Claims:
    """A batch's staged claims inside the registry transaction (see `Registry.claiming`)."""

    registry: Registry
    connection: Connection
    batch: BatchRecord

    def held_elsewhere(self) -> pd.DataFrame:
        """Staged claims that another batch holds, with that batch and its lineage."""
        rows = self.connection.execute(
            text(
                "SELECT c.program, c.period, c.claim_key, c.batch_id, c.lineage FROM claims c"
                " JOIN claim_stage s ON c.program = s.program AND c.period = s.period"
                " AND c.claim_key = s.claim_key WHERE c.batch_id <> :batch_id"
            ),
            {"batch_id": self.batch.batch_id},
        ).all()
        return pd.DataFrame(rows, columns=OWNER_COLUMNS)

    def take(self) -> pd.DataFrame:
        """Insert the approved staged claims; a claim someone holds stays theirs (the insert
        does nothing for it). Returns the claims held elsewhere afterwards: whatever a
        concurrent run took first shows up here, and the caller makes it `DUPLICATE_CLAIM`."""
        self.connection.execute(
            text(
                "INSERT INTO claims (program, period, claim_key, batch_id, lineage, amount_fen)"
                " SELECT program, period, claim_key, :batch_id, :lineage, amount_fen"
                " FROM claim_stage WHERE approved = 1 ON CONFLICT DO NOTHING"
            ),
            {"batch_id": self.batch.batch_id, "lineage": self.batch.lineage},
        )
        return self.held_elsewhere()

    def pay(self, paid: pd.DataFrame) -> None:
        self.registry.record_payments(self.connection, self.batch.batch_id, paid)

    def paid_in_lineage(self) -> pd.DataFrame:
        """Payments that batches of the same applications recorded before this one made
        (review rounds, earlier parameters), in the registry's own order (`seq`, not a clock).
        Only earlier ones: a rerun of this batch must write the same bank file whatever was
        recorded after it."""
        rows = self.connection.execute(
            text(
                "SELECT p.program, p.period, p.beneficiary_id, p.payment_id, p.amount_fen,"
                " COALESCE(p.kind, 'payment') FROM payments p"
                " JOIN batches b ON b.batch_id = p.batch_id"
                " WHERE b.lineage = :lineage AND COALESCE(b.seq, 0) <"
                " (SELECT COALESCE(seq, 0) FROM batches WHERE batch_id = :batch_id)"
                " ORDER BY p.payment_id"
            ),
            {"lineage": self.batch.lineage, "batch_id": self.batch.batch_id},
        ).all()
        columns = ["program", "period", "beneficiary_id", "payment_id", "amount", "kind"]
        return pd.DataFrame(rows, columns=columns)

    def seal(self, manifest_sha256: str) -> None:
        """Name the manifest whose outputs were staged for these claims (same transaction)."""
        self.connection.execute(
            batches.update()
            .where(batches.c.batch_id == self.batch.batch_id)
            .values(manifest_sha256=manifest_sha256)
        )


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


class Registry:
    """Claims and payments recorded per batch, in one database."""

    def __init__(self, url: str) -> None:
        # SQLite: a concurrent run waits for the write lock instead of failing after 5 s.
        options = {"connect_args": {"timeout": 120}} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, future=True, **options)
        try:
            metadata.create_all(self.engine)
        except (IntegrityError, ProgrammingError):
            # Two runs creating the tables at once on PostgreSQL: the other one won; carry on.
            metadata.create_all(self.engine)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """A registry made by an earlier version gains the nullable columns added since."""
        inspector = inspect(self.engine)
        for table in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present or not column.nullable:
                    continue
                kind = column.type.compile(dialect=self.engine.dialect)
                try:
                    with self.engine.begin() as connection:
                        connection.exec_driver_sql(
                            f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"
                        )
                except (OperationalError, ProgrammingError):
                    pass  # a concurrent run added it first

    def _insert(self, table: Table):  # type: ignore[no-untyped-def]
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    @contextmanager
    def claiming(self, batch: BatchRecord, candidates: pd.DataFrame) -> Iterator[Claims]:
        """One transaction in which a batch looks up, takes and pays its claims.

        `candidates` are the rows that would take a claim (program, period, claim_key, amount,
        and `approved`: held rows are looked up but not taken). They are staged once in a
        temporary table (COPY on PostgreSQL) and every step is a set-based statement against
        it, so a province's million claims cost seconds, not a statement each. Claims,
        payments and the batch record commit together or not at all.
        """
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                # Batches of one lineage (review rounds, top-ups) settle one at a time, so each
                # sees every payment the lineage made before it. SQLite's write lock does this.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:lineage))"),
                    {"lineage": batch.lineage},
                )
            values = [
                literal(batch.batch_id, String),
                literal(batch.lineage, String),
                literal(batch.as_of, Date),
                literal(batch.policy_version, String),
                literal(dt.datetime.now(dt.UTC), DateTime(timezone=True)),
                func.coalesce(func.max(batches.c.seq), 0) + 1,
            ]
            names = ["batch_id", "lineage", "as_of", "policy_version", "recorded_at", "seq"]
            connection.execute(
                self._insert(batches)
                .from_select(names, select(*values).where(true()))
                .on_conflict_do_nothing()
            )
            self._stage(connection, candidates)
            yield Claims(self, connection, batch)

    def _stage(self, connection: Connection, candidates: pd.DataFrame) -> None:
        """Fill a fresh temporary `claim_stage` with these claims (distinct keys)."""
        connection.exec_driver_sql("DROP TABLE IF EXISTS claim_stage")
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE claim_stage (program VARCHAR(40), period VARCHAR(16),"
            " claim_key VARCHAR(80), amount_fen BIGINT, approved SMALLINT)"
        )
        frame = pd.DataFrame(
            {
                "program": candidates["program"].astype(str),
                "period": candidates["period"].astype(str),
                "claim_key": candidates["claim_key"].astype(str),
                "amount_fen": candidates["amount"].astype("int64"),
                "approved": candidates["approved"].astype("int64"),
            }
        ).drop_duplicates(["program", "period", "claim_key"])
        if frame.empty:
            return
        raw = connection.connection.driver_connection
        if self.engine.dialect.name == "postgresql":
            with raw.cursor().copy(  # type: ignore[union-attr]
                "COPY claim_stage FROM STDIN (FORMAT csv)"
            ) as copy:
                copy.write(frame.to_csv(index=False, header=False))
        else:
            rows = zip(*(frame[c].tolist() for c in frame.columns), strict=True)
            raw.executemany("INSERT INTO claim_stage VALUES (?, ?, ?, ?, ?)", rows)  # type: ignore[union-attr]

    def record_payments(self, connection: Connection, batch_id: str, paid: pd.DataFrame) -> None:
        """Record the batch's payments; a rerun inserts nothing new (same payment ids)."""
        if paid.empty:
            return
        rows = pd.DataFrame(
            {
                "payment_id": paid["payment_id"],
                "batch_id": batch_id,
                "program": paid["program"],
                "period": paid["period"],
                "beneficiary_id": paid["beneficiary_id"],
                "amount_fen": paid["amount"].astype("int64"),
                "kind": paid["kind"],
                "original_payment_id": paid["original_payment_id"].where(
                    paid["original_payment_id"] != "", None
                ),
            }
        )
        connection.execute(self._insert(payments).on_conflict_do_nothing(), rows.to_dict("records"))

    def batch_of(self, batch_id: str) -> BatchRecord | None:
        """A recorded batch's lineage, `as_of` and parameters version (None if not recorded)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    batches.c.batch_id,
                    batches.c.lineage,
                    batches.c.as_of,
                    batches.c.policy_version,
                ).where(batches.c.batch_id == batch_id)
            ).first()
        return BatchRecord(*row) if row else None

    def claim_keys(self, program: str, period: str) -> frozenset[str]:
        """The claim keys taken for a programme's period (credit codes for enterprise
        programmes): whom policy-finds-people must not propose again."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(claims.c.claim_key).where(
                    claims.c.program == program, claims.c.period == period
                )
            )
            return frozenset(key for (key,) in rows)

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

    def record_audit_head(self, batch_id: str, head: str, flow_run_id: str, events: int) -> None:
        """The audit log's head hash after a run appended `events` events to it."""
        self._record_once(
            audit_heads,
            batch_id=batch_id,
            head=head,
            flow_run_id=flow_run_id,
            events=events,
            recorded_at=dt.datetime.now(dt.UTC),
        )

    def _record_once(self, table: Table, **values: object) -> None:
        """Insert one row in its own transaction; a row already there stays as it was."""
        with self.engine.begin() as connection:
            connection.execute(self._insert(table).values(**values).on_conflict_do_nothing())

    def audit_heads_of(self, batch_id: str) -> list[str]:
        """Every head hash recorded for a batch's audit log, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(audit_heads.c.head)
                .where(audit_heads.c.batch_id == batch_id)
                .order_by(audit_heads.c.recorded_at)
            )
            return [row[0] for row in rows]

    def payments_of(self, batch_id: str) -> dict[str, int]:
        """The payments a batch recorded: payment id → amount in fen."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(payments.c.payment_id, payments.c.amount_fen).where(
                    payments.c.batch_id == batch_id
                )
            )
            return {payment_id: int(amount) for payment_id, amount in rows}

    def record_issued(self, sha256: str, file_name: str, issued_by: str) -> None:
        """Remember a workbook this system wrote for a clerk to feed back to a run."""
        self._record_once(
            issued_workbooks,
            sha256=sha256,
            file_name=file_name,
            issued_by=issued_by,
            issued_at=dt.datetime.now(dt.UTC),
        )

    def issued(self, hashes: list[str]) -> set[str]:
        """Which of these file contents this system issued (see `record_issued`)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(issued_workbooks.c.sha256).where(issued_workbooks.c.sha256.in_(hashes))
            )
            return {row[0] for row in rows}

    def manifest_of(self, batch_id: str) -> str | None:
        """The sha256 of the manifest a recorded batch committed with (None if not recorded)."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(batches.c.manifest_sha256).where(batches.c.batch_id == batch_id)
            ).scalar_one_or_none()

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
