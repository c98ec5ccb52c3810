"""Each batch's audit secret: the key its decisions' Merkle salts are made with (SPEC §4).

Batches recorded before have no secret; their audit logs hold one event per decision instead.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "audit_secrets",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_secrets")
