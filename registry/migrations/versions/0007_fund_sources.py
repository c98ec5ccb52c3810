"""Fund sources (SPEC §8): each bank file records the fund source whose payer account it
debits and that account, and each statement (对账单) the payer account it is of: a statement is
reconciled against its own account's files only. Each payment records the bank account its
application gave (screening before payment: one account shared by different beneficiaries).
A payment that re-issues nothing recorded its missing original as the text 'NaN' on PostgreSQL
(a float NaN from pandas): it is NULL, as on SQLite.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.execute("UPDATE payments SET original_payment_id = NULL WHERE original_payment_id = 'NaN'")
    with op.batch_alter_table("payments") as table:
        table.add_column(sa.Column("bank_account", sa.String(40), nullable=True))
    with op.batch_alter_table("bank_files") as table:
        table.add_column(sa.Column("fund_source", sa.String(40), nullable=True))
        table.add_column(sa.Column("payer_account", sa.String(40), nullable=True))
    with op.batch_alter_table("statements") as table:
        table.add_column(sa.Column("payer_account", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments") as table:
        table.drop_column("bank_account")
    with op.batch_alter_table("statements") as table:
        table.drop_column("payer_account")
    with op.batch_alter_table("bank_files") as table:
        table.drop_column("payer_account")
        table.drop_column("fund_source")
