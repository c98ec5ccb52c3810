"""The payment registry: a database that holds every claim granted, unique per programme and period.

SQLite file by default, PostgreSQL by URL, through SQLAlchemy Core. The unique constraint on
(program, period, claim_key) is what makes "once per claim per policy year" hold across batches,
review rounds and concurrent runs: a claim is granted by inserting it, and whoever's insert lands
owns it. A claim owned by the same applications (same `lineage`: the batch itself, or a rerun
under new parameters) is not a duplicate; any other owner makes it `DUPLICATE_CLAIM`. Holds,
verdicts and rounds are recorded beside the claims (`registry_claims`); payments the lineage
made before are netted off (review rounds, top-ups).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Engine,
    String,
    Table,
    create_engine,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from registry.claims import BatchRecord, Claims, fill_temporary, iso_dates
from registry.schema import ensure_current
from registry.tables import (
    audit_heads,
    audit_secrets,
    batches,
    claims,
    issued_workbooks,
    payments,
    processed_files,
    releases,
    rounds,
)

CHUNK = 500
SETTLE_LOCK = 0x5B51D1  # the advisory lock under which batches settle one at a time


def serialized(connection: Connection, key: int) -> None:
    """Hold, until the transaction ends, the lock that makes steps of one kind run one at a time
    (approvals, reconciliations, new rounds): PostgreSQL's advisory lock `key`; on SQLite a first
    write takes the database's write lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        connection.exec_driver_sql("UPDATE rounds SET seq = seq WHERE 0")


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def owner_only(url: str) -> None:
    """A SQLite registry holds IDs, accounts and the batches' audit secrets: its file (and any
    journal beside it, which SQLite creates with the database's mode) is the owner's only,
    created so and tightened if it was not. A file of another owner is left as it is."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return
    if database.startswith("file:"):
        return  # a URI filename: opened as SQLite is told
    path = Path(database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # a missing or read-only folder: SQLite says so when it opens the file
    for each in (path, *(path.with_name(path.name + end) for end in ("-journal", "-wal", "-shm"))):
        try:
            if each.exists() and each.stat().st_mode & 0o077:
                os.chmod(each, 0o600)
        except OSError:
            pass  # another owner's file, or a read-only disk: left as it is


class Registry:
    """Claims and payments recorded per batch, in one database."""

    def __init__(self, url: str) -> None:
        # SQLite: a concurrent run waits for the write lock instead of failing after 5 s.
        options = {"connect_args": {"timeout": 120}} if url.startswith("sqlite") else {}
        self.url = url
        owner_only(url)
        self.engine: Engine = create_engine(url, future=True, **options)
        ensure_current(self.engine)

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.dispose()

    def _insert(self, table: Table):  # type: ignore[no-untyped-def]
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    @contextmanager
    def claiming(self, batch: BatchRecord, candidates: pd.DataFrame) -> Iterator[Claims]:
        """One transaction in which a batch looks up, takes and pays its claims.

        `candidates` are the rows that would take a claim (program, period, claim_key,
        beneficiary_id, person_id, amount, `approved`). They are staged once in a temporary
        table (COPY on PostgreSQL) and every step is a set-based statement against it.
        Claims, holds, verdicts, payments and the round commit together or not at all.

        Settlements run one at a time, in the registry's own order (`rounds.seq`): a batch's
        decisions depend on what other batches recorded before it (claims, the spring-festival
        cap, holds), so two may not decide at once. PostgreSQL takes an advisory lock; SQLite's
        write lock, taken by the first statement below, does the same.
        """
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETTLE_LOCK})
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
            del candidates  # staged: a province's million rows need not wait for the commit
            yield Claims(connection, batch, postgresql if self._postgres else sqlite)

    @property
    def _postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _stage(self, connection: Connection, candidates: pd.DataFrame) -> None:
        """Fill a fresh temporary `claim_stage` with these claims (distinct keys): each key's
        beneficiary, the amount an approval grants, and a spring-festival claim's worker and
        days (what `Claims.grant` records with a granted claim)."""
        frame = pd.DataFrame(
            {
                **{
                    name: candidates[name].astype(str)
                    for name in ("program", "period", "claim_key", "beneficiary_id", "person_id")
                },
                "amount_fen": candidates["proposed"].astype("int64"),
                "start_date": iso_dates(candidates["start"]),
                "end_date": iso_dates(candidates["end"]),
            }
        )
        fill_temporary(
            connection,
            "claim_stage",
            "program VARCHAR(40), period VARCHAR(16), claim_key VARCHAR(80),"
            " beneficiary_id VARCHAR(40), person_id VARCHAR(40), amount_fen BIGINT,"
            " start_date DATE, end_date DATE",
            frame.drop_duplicates(["program", "period", "claim_key"]),
        )
        connection.exec_driver_sql(
            "CREATE INDEX claim_stage_key ON claim_stage (program, period, claim_key)"
        )

    def batch_of(self, batch_id: str) -> BatchRecord | None:
        """A recorded batch's lineage, `as_of` and parameters version (None if not recorded)."""
        found = self._batch_records(batches.c.batch_id == batch_id)
        return found[0] if found else None

    def batches_of_lineage(self, lineage: str) -> list[BatchRecord]:
        """The recorded batches of these applications (any parameters), oldest first."""
        return self._batch_records(batches.c.lineage == lineage)

    def _batch_records(self, condition: ColumnElement[bool]) -> list[BatchRecord]:
        columns = (batches.c.batch_id, batches.c.lineage, batches.c.as_of, batches.c.policy_version)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(*columns).where(condition).order_by(batches.c.seq, batches.c.batch_id)
            ).all()
        return [BatchRecord(*row) for row in rows]

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

    def audit_secret(self, batch_id: str, create: bool = True) -> bytes | None:
        """The batch's audit secret, made once (32 random bytes) on first asking; with `create`
        false, None for a batch that has none (one recorded before secrets, or none at all)."""
        if create:
            self._record_once(
                audit_secrets,
                batch_id=batch_id,
                secret=secrets.token_hex(32),
                created_at=dt.datetime.now(dt.UTC),
            )
        with self.engine.connect() as connection:
            found = connection.execute(
                select(audit_secrets.c.secret).where(audit_secrets.c.batch_id == batch_id)
            ).scalar()
        return bytes.fromhex(found) if found else None

    def audit_heads_of(self, batch_id: str) -> list[str]:
        """Every head hash recorded for a batch's audit log, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(audit_heads.c.head)
                .where(audit_heads.c.batch_id == batch_id)
                .order_by(audit_heads.c.recorded_at)
            )
            return [row[0] for row in rows]

    def payments_of(self, batch_id: str, round_: int) -> dict[str, int]:
        """The payments a round of a batch recorded: payment id → amount in fen."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(payments.c.payment_id, payments.c.amount_fen).where(
                    payments.c.batch_id == batch_id, payments.c.round == round_
                )
            )
            return {payment_id: int(amount) for payment_id, amount in rows}

    def rounds_of(self, batch_id: str) -> dict[int, str | None]:
        """The rounds a batch recorded: number → the sha256 of the manifest it committed."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(rounds.c.round, rounds.c.manifest_sha256).where(
                    rounds.c.batch_id == batch_id
                )
            )
            return {int(number): sha for number, sha in rows}

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

    def sent_back(self, batch_id: str) -> bool:
        """Whether an approver sent back (退回) a round of this batch (SPEC §8)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(releases.c.round).where(
                    releases.c.batch_id == batch_id, releases.c.decision == "退回"
                )
            ).first()
        return found is not None

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

    def sqlite_file(self) -> Path | None:
        """The SQLite file the registry is, None for a server's database or one in memory."""
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    def dispose(self) -> None:
        """Close the registry's connections (leaving its `with` block does the same)."""
        self.engine.dispose()


def _chunks(items: list) -> Iterator[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
