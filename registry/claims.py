"""One batch's claims inside the registry transaction: its rounds, what other batches recorded
before each round, the verdicts, the grants, the holds and the payments (see `Registry.claiming`).

Every statement is set-based against the temporary `claim_stage` table of the batch's claim
keys, so a province's million claims cost seconds, not a statement each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, text, update

from registry.tables import (
    batches,
    claim_holds,
    payment_events,
    payments,
    releases,
    review_verdicts,
    rounds,
)

GRANTED_COLUMNS = ["program", "period", "claim_key", "lineage", "seq", "person_id", "start", "end"]
HOLD_COLUMNS = [
    "program",
    "period",
    "claim_key",
    "lineage",
    "batch_id",
    "person_id",
    "start",
    "end",
    "held_seq",
    "decided_seq",
    "verdict",
    "comment",
]
PAID_COLUMNS = ["program", "period", "beneficiary_id", "lineage", "seq", "payment_id", "amount"]
PAID_COLUMNS += ["kind", "original_payment_id", "batch_id"]
GRANTED_SELECT = (
    "c.program, c.period, c.claim_key, c.lineage, COALESCE(c.seq, 0), c.person_id,"
    " c.start_date, c.end_date"
)
HOLD_SELECT = (
    "h.program, h.period, h.claim_key, h.lineage, h.batch_id, h.person_id, h.start_date,"
    " h.end_date, h.held_seq, h.decided_seq, h.verdict, h.comment"
)
PAID_SELECT = (
    "p.program, p.period, p.beneficiary_id, b.lineage, p.seq, p.payment_id, p.amount_fen,"
    " COALESCE(p.kind, 'payment'), COALESCE(p.original_payment_id, ''), p.batch_id"
)
VERDICT_COLUMNS = ["program", "file", "sheet", "row", "verdict", "comment", "round", "reviewer"]


@dataclass(frozen=True)
class BatchRecord:
    batch_id: str
    lineage: str
    as_of: dt.date
    policy_version: str


@dataclass(frozen=True)
class Recorded:
    """What the registry holds for the batch's keys, each fact with the `seq` that recorded it.

    `granted`: granted claims of these keys (and, for spring-festival, of these workers);
    `holds`: held claims, with the verdict that ended each; `paid`: payments to these
    beneficiaries in their programme and period (earlier rounds' own ones included).
    """

    granted: pd.DataFrame
    holds: pd.DataFrame
    paid: pd.DataFrame


@dataclass(frozen=True)
class Claims:
    """A batch's staged claims inside the registry transaction."""

    connection: Connection
    batch: BatchRecord
    dialect: Any

    def _insert(self, table: Any) -> Any:
        return self.dialect.insert(table)

    def rounds(self) -> list[tuple[int, int]]:
        """(round, seq) of every round recorded for this batch, oldest first."""
        rows = self.connection.execute(
            select(rounds.c.round, rounds.c.seq)
            .where(rounds.c.batch_id == self.batch.batch_id)
            .order_by(rounds.c.round)
        ).all()
        return [(int(r), int(s)) for r, s in rows]

    def new_round(self, number: int) -> int:
        """Record round `number` of this batch next in the registry's order; returns its seq."""
        seq = int(
            self.connection.execute(select(func.coalesce(func.max(rounds.c.seq), 0))).scalar()
        )
        self.connection.execute(
            insert(rounds).values(
                batch_id=self.batch.batch_id,
                round=number,
                seq=seq + 1,
                recorded_at=dt.datetime.now(dt.UTC),
            )
        )
        return seq + 1

    def recorded(self) -> Recorded:
        """Everything recorded for the staged keys, workers and beneficiaries (all seqs).

        Each look-up is a join on an index (a key, a worker, a beneficiary) against the
        staged claims, never an OR across them: a province's rerun matches a million claims.
        """
        workers = "(SELECT DISTINCT program, person_id FROM claim_stage WHERE person_id <> '')"
        granted = self.connection.execute(
            text(
                f"SELECT {GRANTED_SELECT} FROM claims c JOIN claim_stage s"
                " ON c.program = s.program AND c.period = s.period AND c.claim_key = s.claim_key"
                f" UNION SELECT {GRANTED_SELECT} FROM claims c JOIN {workers} w"
                " ON c.program = w.program AND c.person_id = w.person_id"
            )
        ).all()
        holds = self.connection.execute(
            text(
                f"SELECT {HOLD_SELECT} FROM claim_holds h JOIN claim_stage s"
                " ON h.program = s.program AND h.period = s.period AND h.claim_key = s.claim_key"
                f" UNION SELECT {HOLD_SELECT} FROM claim_holds h JOIN {workers} w"
                " ON h.program = w.program AND h.person_id = w.person_id"
            )
        ).all()
        beneficiaries = "(SELECT DISTINCT program, period, beneficiary_id FROM claim_stage)"
        paid = self.connection.execute(
            text(
                f"SELECT {PAID_SELECT} FROM payments p JOIN batches b ON b.batch_id = p.batch_id"
                " WHERE b.lineage = :lineage"
                f" UNION SELECT {PAID_SELECT} FROM payments p"
                " JOIN batches b ON b.batch_id = p.batch_id"
                f" JOIN {beneficiaries} s ON s.program = p.program AND s.period = p.period"
                " AND s.beneficiary_id = p.beneficiary_id"
            ),
            {"lineage": self.batch.lineage},
        ).all()
        return Recorded(
            _dated(_frame(granted, GRANTED_COLUMNS)),
            _dated(_frame(holds, HOLD_COLUMNS)),
            _frame(paid, PAID_COLUMNS)
            .astype({"seq": "int64", "amount": "int64"})
            .sort_values("payment_id", ignore_index=True),
        )

    def states_before(self, seq: int) -> dict[str, str]:
        """The state, when the round numbered `seq` was recorded, of each payment `recorded`
        lists that had left `prepared` by then (its last event before the round's time): what
        a round's top-up saw, the same on every rerun of the round."""
        cutoff = select(rounds.c.recorded_at).where(rounds.c.seq == seq).scalar_subquery()
        beneficiaries = "(SELECT DISTINCT program, period, beneficiary_id FROM claim_stage)"
        mine = (
            "SELECT p.payment_id FROM payments p JOIN batches b ON b.batch_id = p.batch_id"
            " WHERE b.lineage = :lineage UNION SELECT p.payment_id FROM payments p"
            f" JOIN {beneficiaries} s ON s.program = p.program AND s.period = p.period"
            " AND s.beneficiary_id = p.beneficiary_id"
        )
        rows = self.connection.execute(
            select(payment_events.c.payment_id, payment_events.c.to_state)
            .where(
                payment_events.c.payment_id.in_(text(mine).columns(payments.c.payment_id)),
                payment_events.c.at < cutoff,
            )
            .order_by(payment_events.c.at, payment_events.c.id),
            {"lineage": self.batch.lineage},
        ).all()
        return {str(payment): str(state) for payment, state in rows}  # the last event wins

    def verdicts(self) -> pd.DataFrame:
        """Every verdict recorded for the same applications (this batch, and earlier batches
        of its lineage: a top-up keeps the verdicts of the batch it tops up), each with its
        batch, round and the round's seq."""
        rows = self.connection.execute(
            select(
                *(review_verdicts.c[c] for c in VERDICT_COLUMNS),
                review_verdicts.c.batch_id,
                rounds.c.seq,
            )
            .join(batches, batches.c.batch_id == review_verdicts.c.batch_id)
            .join(
                rounds,
                (rounds.c.batch_id == review_verdicts.c.batch_id)
                & (rounds.c.round == review_verdicts.c.round),
            )
            .where(batches.c.lineage == self.batch.lineage)
        ).all()
        frame = pd.DataFrame(rows, columns=[*VERDICT_COLUMNS, "batch_id", "seq"])
        return frame.astype({"row": "int64", "round": "int64", "seq": "int64"})

    def record_verdicts(self, verdicts: pd.DataFrame, recorded_by: str) -> None:
        """Record a round's new verdicts (program, file, sheet, row, verdict, comment, round,
        reviewer); a verdict already recorded for a row stays as it was."""
        if verdicts.empty:
            return
        now = dt.datetime.now(dt.UTC)
        rows = [
            {**r, "batch_id": self.batch.batch_id, "recorded_by": recorded_by, "recorded_at": now}
            for r in verdicts[VERDICT_COLUMNS].to_dict("records")
        ]
        self.connection.execute(self._insert(review_verdicts).on_conflict_do_nothing(), rows)

    def grant(self, granted: pd.DataFrame) -> pd.DataFrame:
        """Insert granted claims (program, period, claim_key, seq: the round that granted
        each); the amount, worker and days come from the staged claims. A claim someone holds
        stays theirs. Returns the keys now held by another lineage: whatever another run took
        first, which the caller makes `DUPLICATE_CLAIM`.

        The keys go through a temporary table (COPY on PostgreSQL) and one INSERT … SELECT:
        a province's million claims, not a statement each."""
        rows = pd.DataFrame(
            {
                "program": granted["program"].astype(str),
                "period": granted["period"].astype(str),
                "claim_key": granted["claim_key"].astype(str),
                "seq": granted["seq"].astype("int64"),
            }
        ).drop_duplicates(["program", "period", "claim_key"])
        fill_temporary(
            self.connection,
            "grant_stage",
            "program VARCHAR(40), period VARCHAR(16), claim_key VARCHAR(80), seq BIGINT",
            rows,
        )
        self.connection.execute(
            text(
                "INSERT INTO claims (program, period, claim_key, batch_id, lineage, amount_fen,"
                " seq, person_id, start_date, end_date) SELECT g.program, g.period, g.claim_key,"
                " :batch_id, :lineage, s.amount_fen, g.seq, NULLIF(s.person_id, ''),"
                " s.start_date, s.end_date FROM grant_stage g JOIN claim_stage s"
                " ON s.program = g.program AND s.period = g.period AND s.claim_key = g.claim_key"
                " WHERE true ON CONFLICT DO NOTHING"
            ),
            {"batch_id": self.batch.batch_id, "lineage": self.batch.lineage},
        )
        found = self.connection.execute(
            text(
                "SELECT c.program, c.period, c.claim_key FROM claims c JOIN claim_stage s"
                " ON c.program = s.program AND c.period = s.period AND c.claim_key = s.claim_key"
                " WHERE c.lineage <> :lineage"
            ),
            {"lineage": self.batch.lineage},
        ).all()
        return pd.DataFrame(found, columns=["program", "period", "claim_key"])

    def hold(self, held: pd.DataFrame) -> None:
        """Record held claims (program, period, claim_key, person_id, start, end, held_seq)."""
        if held.empty:
            return
        rows = pd.DataFrame(
            {
                "batch_id": self.batch.batch_id,
                "lineage": self.batch.lineage,
                "program": held["program"],
                "period": held["period"],
                "claim_key": held["claim_key"],
                "person_id": held["person_id"].where(held["person_id"] != "", None),
                "start_date": _dates(held["start"]),
                "end_date": _dates(held["end"]),
                "held_seq": held["held_seq"].astype("int64"),
            }
        ).drop_duplicates(["program", "period", "claim_key"])
        self.connection.execute(
            self._insert(claim_holds).on_conflict_do_nothing(), rows.to_dict("records")
        )

    def end_holds(self, decided: pd.DataFrame) -> None:
        """Close the holds a round's verdicts decided (program, period, claim_key, seq,
        verdict, comment); a hold already closed stays as it was."""
        for row in decided.to_dict("records"):
            self.connection.execute(
                update(claim_holds)
                .where(
                    claim_holds.c.batch_id == self.batch.batch_id,
                    claim_holds.c.program == row["program"],
                    claim_holds.c.period == row["period"],
                    claim_holds.c.claim_key == row["claim_key"],
                    claim_holds.c.decided_seq.is_(None),
                )
                .values(decided_seq=int(row["seq"]), verdict=row["verdict"], comment=row["comment"])
            )

    def accounts_before(self) -> pd.DataFrame:
        """The accounts earlier payments gave (`registry.payment_states.accounts_before`)."""
        from registry.payment_states import accounts_before

        return accounts_before(self.connection, self.batch.batch_id)

    def pay(self, paid: pd.DataFrame, round_number: int, seq: int) -> None:
        """Record a round's payments; a rerun inserts nothing new (same payment ids).

        Through a temporary table (COPY on PostgreSQL) and one INSERT … SELECT, like the
        claims: a province's hundred thousand payments, not a parameter set each. COPY reads
        an empty text as NULL, so the texts that are never NULL are made "" again."""
        if paid.empty:
            return
        rows = pd.DataFrame(
            {
                "payment_id": paid["payment_id"].astype(str),
                "program": paid["program"].astype(str),
                "period": paid["period"].astype(str),
                "beneficiary_id": paid["beneficiary_id"].astype(str),
                "amount_fen": paid["amount"].astype("int64"),
                "bank_name": paid["bank_name"].fillna("").astype(str),
                "bank_account": paid["bank_account"].fillna("").astype(str).str.slice(0, 40),
                "kind": paid["kind"].astype(object).where(paid["kind"].notna(), None),
                # A missing original is NULL: never "" or a float NaN (PostgreSQL stores 'NaN').
                "original_payment_id": [
                    str(o) if isinstance(o, str) and o else None
                    for o in paid["original_payment_id"]
                ],
            }
        )
        fill_temporary(
            self.connection,
            "payment_stage",
            "payment_id VARCHAR(40), program VARCHAR(40), period VARCHAR(16),"
            " beneficiary_id VARCHAR(40), amount_fen BIGINT, bank_name VARCHAR(120),"
            " bank_account VARCHAR(40), kind VARCHAR(16), original_payment_id VARCHAR(40)",
            rows,
        )
        self.connection.execute(
            text(
                "INSERT INTO payments (payment_id, batch_id, program, period, beneficiary_id,"
                " amount_fen, bank_name, bank_account, kind, original_payment_id, round, seq)"
                " SELECT payment_id, :batch_id, program, period, beneficiary_id, amount_fen,"
                " COALESCE(bank_name, ''), COALESCE(bank_account, ''), kind,"
                " original_payment_id, :round, :seq FROM payment_stage WHERE true"
                " ON CONFLICT DO NOTHING"
            ),
            {"batch_id": self.batch.batch_id, "round": round_number, "seq": seq},
        )

    def seal(self, round_number: int, manifest_sha256: str) -> None:
        """Name the manifest whose outputs were staged for this round (same transaction)."""
        self.connection.execute(
            update(rounds)
            .where(rounds.c.batch_id == self.batch.batch_id, rounds.c.round == round_number)
            .values(manifest_sha256=manifest_sha256)
        )
        self.connection.execute(
            update(batches)
            .where(batches.c.batch_id == self.batch.batch_id)
            .values(manifest_sha256=manifest_sha256)
        )

    def prepared(self, round_number: int, prepared_by: str) -> None:
        """Record who prepared the round, awaiting approval (SPEC §8); a rerun keeps the first."""
        self.connection.execute(
            self._insert(releases)
            .values(
                batch_id=self.batch.batch_id,
                round=round_number,
                prepared_by=prepared_by,
                prepared_at=dt.datetime.now(dt.UTC),
            )
            .on_conflict_do_nothing()
        )


def fill_temporary(connection: Connection, name: str, columns: str, frame: pd.DataFrame) -> None:
    """A fresh temporary table `name` (`columns` as DDL) holding the frame's rows, in its
    column order: COPY on PostgreSQL, one executemany on SQLite."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({columns})")
    if frame.empty:
        return
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor().copy(f"COPY {name} FROM STDIN (FORMAT csv)") as copy:  # type: ignore[union-attr]
            copy.write(frame.to_csv(index=False, header=False))
    else:
        marks = ", ".join("?" * len(frame.columns))
        values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame]
        raw.executemany(f"INSERT INTO {name} VALUES ({marks})", zip(*values, strict=True))  # type: ignore[union-attr]


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    """Result rows as a frame (plain tuples: pandas probes a Row's attributes one by one)."""
    return pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)


def iso_dates(values: pd.Series) -> pd.Series:
    """Dates as ISO text (None where none): what SQLite stores for a DATE, and COPY reads."""
    stamps = pd.to_datetime(values)
    return stamps.dt.strftime("%Y-%m-%d").where(stamps.notna(), None)


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as timestamps (NaT where none), seqs as integers."""
    result = frame.assign(
        start=pd.to_datetime(frame["start"]), end=pd.to_datetime(frame["end"])
    ).fillna({"person_id": ""})
    for column in ("seq", "held_seq"):
        if column in result:
            result[column] = result[column].astype("int64")
    return result


def _dates(values: pd.Series) -> list[dt.date | None]:
    stamps = pd.to_datetime(values)
    return [None if pd.isna(v) else v.date() for v in stamps]
