"""The registry as versions before review rounds made it (with `create_all`), 2026-11-25.

A database made by those versions has these tables and no `alembic_version`; `subsidy migrate`
stamps it as this revision before upgrading it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("lineage", sa.String(64), nullable=False, index=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("policy_version", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "claims",
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("claim_key", sa.String(80), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("lineage", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("program", "period", "claim_key", name="uq_claim_once"),
    )
    op.create_table(
        "payments",
        sa.Column("payment_id", sa.String(40), primary_key=True),
        sa.Column("batch_id", sa.String(64), nullable=False, index=True),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("beneficiary_id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("original_payment_id", sa.String(40), nullable=True),
        sa.UniqueConstraint(
            "batch_id", "program", "period", "beneficiary_id", name="uq_payment_batch"
        ),
    )
    op.create_table(
        "processed_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("error", sa.String(40), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit_heads",
        sa.Column("batch_id", sa.String(64), nullable=False, index=True),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("flow_run_id", sa.String(64), nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("batch_id", "head", name="uq_audit_head"),
    )
    op.create_table(
        "issued_workbooks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
