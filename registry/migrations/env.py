"""Alembic's entry point for the payment registry: runs on the connection `registry.schema` gives.

The registry's revisions are plain Python under `versions/`, applied in one transaction per
upgrade; SQLite gets Alembic's batch mode, which rebuilds a table to change its constraints.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
