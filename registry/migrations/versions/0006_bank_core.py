"""Banks as they are (SPEC §8): a bank core's file carries no payment id, so each bank file
records the business day the bank must load it, and each payment the 当日次数 its line carried;
each payment also records whether a failure is about its account (as its bank's format said)
and whether the bank said it is still being processed (转下批/处理中) or does not know
(发送超时/状态未知). The payer account's statements (对账单) and their lines, each with what it was
found to be against the payments.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("bank_files") as table:
        table.add_column(sa.Column("business_date", sa.Date, nullable=True))
    with op.batch_alter_table("payment_states") as table:
        table.add_column(sa.Column("day_count", sa.Integer, nullable=True))
        table.add_column(sa.Column("account_problem", sa.Boolean, nullable=True))
        table.add_column(sa.Column("bank_status", sa.String(16), nullable=True))
    op.create_table(
        "statements",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("first_date", sa.Date, nullable=False),
        sa.Column("last_date", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "statement_lines",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("summary", sa.String(255), nullable=False),
        sa.Column("finding", sa.String(16), nullable=False),
        sa.Column("payment_id", sa.String(40), nullable=True),
        sa.UniqueConstraint("sha256", "line", name="uq_statement_line_once"),
    )
    op.create_index("ix_statement_payment", "statement_lines", ["payment_id"])


def downgrade() -> None:
    op.drop_index("ix_statement_payment", table_name="statement_lines")
    op.drop_table("statement_lines")
    op.drop_table("statements")
    with op.batch_alter_table("payment_states") as table:
        table.drop_column("bank_status")
        table.drop_column("account_problem")
        table.drop_column("day_count")
    with op.batch_alter_table("bank_files") as table:
        table.drop_column("business_date")
