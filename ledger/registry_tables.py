"""The payment registry's tables (SQLAlchemy Core), created on first use.

`claims` holds each claim once per programme and period (`uq_claim_once`); `payments` each
payment, top-ups naming their original; `batches` each batch with the manifest it committed;
`processed_files` the inbox's files by content; `audit_heads` each run's audit-log head.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData()

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("lineage", String(64), nullable=False, index=True),
    Column("as_of", Date, nullable=False),
    Column("policy_version", String(80), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # The sha256 of the batch's manifest.json, set in the transaction that records its claims
    # and payments: the outputs it lists were staged before that commit (see ledger.publish).
    Column("manifest_sha256", String(64), nullable=True),
    # Order of recording within the registry (batches of one lineage are recorded one at a
    # time): which payments came before a batch, whatever the hosts' clocks say.
    Column("seq", BigInteger, nullable=True),
)

claims = Table(
    "claims",
    metadata,
    Column("program", String(40), nullable=False),
    Column("period", String(16), nullable=False),
    Column("claim_key", String(80), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("lineage", String(64), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    UniqueConstraint("program", "period", "claim_key", name="uq_claim_once"),
)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", String(40), primary_key=True),
    Column("batch_id", String(64), nullable=False, index=True),
    Column("program", String(40), nullable=False),
    Column("period", String(16), nullable=False),
    Column("beneficiary_id", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    # A retroactive top-up (补发) names the payment it adds to; NULL kind is an ordinary payment.
    Column("kind", String(16), nullable=True),
    Column("original_payment_id", String(40), nullable=True),
    UniqueConstraint("batch_id", "program", "period", "beneficiary_id", name="uq_payment_batch"),
)

processed_files = Table(
    "processed_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("error", String(40), nullable=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

audit_heads = Table(
    "audit_heads",
    metadata,
    Column("batch_id", String(64), nullable=False, index=True),
    Column("head", String(64), nullable=False),
    Column("flow_run_id", String(64), nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("batch_id", "head", name="uq_audit_head"),
)

# Workbooks this system wrote for a clerk to feed back (policy-finds-people's application
# workbook): only these may carry system-only columns such as 上年初参保职工人数.
issued_workbooks = Table(
    "issued_workbooks",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)
