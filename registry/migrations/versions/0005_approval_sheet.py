"""Each approval's 拨付审批单: its file name and sha256, recorded with the decision, and the batch
folder the round was approved in, where the later steps of the money loop (sent, bank returns,
settlements by hand) append their audit events (SPEC §8).

Rounds approved before have none of these; `verify` says it cannot check their 拨付审批单.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("releases") as table:
        table.add_column(sa.Column("approval_file", sa.String(255), nullable=True))
        table.add_column(sa.Column("approval_sha256", sa.String(64), nullable=True))
        table.add_column(sa.Column("folder", sa.String(1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("releases") as table:
        table.drop_column("folder")
        table.drop_column("approval_sha256")
        table.drop_column("approval_file")
