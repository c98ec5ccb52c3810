"""Review rounds, holds and verdicts; every fact another batch depends on carries its `seq`.

Each batch recorded before becomes round 0 of itself, in the order the registry recorded the
batches (`batches.seq`, then time); its payments and claims take that round's seq. Holds and
verdicts of earlier versions were never recorded: those tables start empty.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("manifest_sha256", sa.String(64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("batch_id", "round", name="uq_round_once"),
    )
    op.execute(
        "INSERT INTO rounds (batch_id, round, seq, manifest_sha256, recorded_at)"
        " SELECT batch_id, 0, ROW_NUMBER() OVER (ORDER BY COALESCE(seq, 0), recorded_at,"
        " batch_id), manifest_sha256, recorded_at FROM batches"
    )
    op.execute(
        "UPDATE batches SET seq = (SELECT r.seq FROM rounds r WHERE r.batch_id = batches.batch_id)"
    )
    with op.batch_alter_table("claims") as claims:
        claims.add_column(sa.Column("seq", sa.BigInteger, nullable=True))
        claims.add_column(sa.Column("person_id", sa.String(40), nullable=True))
        claims.add_column(sa.Column("start_date", sa.Date, nullable=True))
        claims.add_column(sa.Column("end_date", sa.Date, nullable=True))
    op.create_index(
        "ix_claim_person",
        "claims",
        ["program", "person_id"],
        sqlite_where=sa.text("person_id IS NOT NULL"),
        postgresql_where=sa.text("person_id IS NOT NULL"),
    )
    op.execute(
        "UPDATE claims SET seq = (SELECT b.seq FROM batches b WHERE b.batch_id = claims.batch_id)"
    )
    with op.batch_alter_table("payments") as payments:
        payments.add_column(sa.Column("round", sa.Integer, nullable=False, server_default="0"))
        payments.add_column(sa.Column("seq", sa.BigInteger, nullable=False, server_default="0"))
    op.execute(
        "UPDATE payments SET seq = (SELECT b.seq FROM batches b"
        " WHERE b.batch_id = payments.batch_id)"
    )
    with op.batch_alter_table("payments") as payments:
        payments.drop_constraint("uq_payment_batch", type_="unique")
        payments.create_unique_constraint(
            "uq_payment_round", ["batch_id", "round", "program", "period", "beneficiary_id"]
        )
    op.create_index("ix_payment_beneficiary", "payments", ["program", "period", "beneficiary_id"])
    op.create_table(
        "claim_holds",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("lineage", sa.String(64), nullable=False),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("claim_key", sa.String(80), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=True),
        sa.Column("start_date", sa.Date, nullable=True),
        sa.Column("end_date", sa.Date, nullable=True),
        sa.Column("held_seq", sa.BigInteger, nullable=False),
        sa.Column("decided_seq", sa.BigInteger, nullable=True),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("comment", sa.String(500), nullable=True),
        sa.UniqueConstraint("batch_id", "program", "period", "claim_key", name="uq_hold_once"),
    )
    op.create_index("ix_hold_key", "claim_holds", ["program", "period", "claim_key"])
    op.create_index("ix_hold_person", "claim_holds", ["program", "person_id"])
    op.create_table(
        "review_verdicts",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("file", sa.String(500), nullable=False),
        sa.Column("sheet", sa.String(64), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("reviewer", sa.String(120), nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("batch_id", "program", "file", "sheet", "row", name="uq_verdict_once"),
    )
