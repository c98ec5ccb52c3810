"""The money loop (SPEC §8): releases, payment states and their events, bank files, bank returns,
account corrections and recovery items (追回) with their offsets.

Payments recorded before have no state row: they are `prepared`, awaiting approval.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("payments") as table:
        table.add_column(sa.Column("bank_name", sa.String(120), nullable=True))
    op.create_table(
        "releases",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("prepared_by", sa.String(120), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(8), nullable=True),
        sa.Column("decided_by", sa.String(120), nullable=True),
        sa.Column("identity", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(120), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("batch_id", "round", name="uq_release_once"),
    )
    op.create_table(
        "payment_states",
        sa.Column("payment_id", sa.String(40), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("city", sa.String(40), nullable=False),
        sa.Column("bank_file", sa.String(255), nullable=True),
        sa.Column("sent_name", sa.String(120), nullable=True),
        sa.Column("sent_account", sa.String(40), nullable=True),
        sa.Column("sent_bank", sa.String(120), nullable=True),
        sa.Column("bank_amount_fen", sa.BigInteger, nullable=True),
        sa.Column("sent_fen", sa.BigInteger, nullable=True),
        sa.Column("bank_reason", sa.String(255), nullable=True),
        sa.Column("discrepancy", sa.String(500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "payment_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("payment_id", sa.String(40), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_payment_events_payment_id", "payment_events", ["payment_id"])
    op.create_table(
        "bank_files",
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("bank_format", sa.String(40), nullable=False),
        sa.Column("account_type", sa.String(8), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("batch_id", "round", "file_name", name="uq_bank_file_once"),
    )
    op.create_table(
        "bank_returns",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("applied", sa.Integer, nullable=False),
        sa.Column("reconciled_by", sa.String(120), nullable=False),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "account_corrections",
        sa.Column("beneficiary_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("old_bank", sa.String(120), nullable=False),
        sa.Column("old_account", sa.String(40), nullable=False),
        sa.Column("new_bank", sa.String(120), nullable=False),
        sa.Column("new_account", sa.String(40), nullable=False),
        sa.Column("basis", sa.String(255), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("entered_by", sa.String(120), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(120), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint(
            "beneficiary_id", "old_account", "new_account", name="uq_correction_once"
        ),
    )
    op.create_table(
        "recovery_items",
        sa.Column("item_id", sa.String(40), primary_key=True),
        sa.Column("program", sa.String(40), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("beneficiary_id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(120), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_recovery_beneficiary", "recovery_items", ["program", "period", "beneficiary_id"]
    )
    op.create_table(
        "recovery_offsets",
        sa.Column("item_id", sa.String(40), nullable=False),
        sa.Column("payment_id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.UniqueConstraint("item_id", "payment_id", name="uq_offset_once"),
    )


def downgrade() -> None:
    for table in (
        "recovery_offsets",
        "recovery_items",
        "account_corrections",
        "bank_returns",
        "bank_files",
        "payment_events",
        "payment_states",
        "releases",
    ):
        op.drop_table(table)
    with op.batch_alter_table("payments") as table:
        table.drop_column("bank_name")
