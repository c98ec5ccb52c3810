"""The payment registry's tables (SQLAlchemy Core) as the code reads and writes them.

The database's schema is made and changed only by the migrations in `registry/migrations/`
(see `registry.schema`); a test checks that they agree with these tables.

`claims` holds each granted claim once per programme and period (`uq_claim_once`); `claim_holds`
the claims held for review, apart, with the verdict that ended each hold; `review_verdicts`
every reviewer verdict of a batch with who and when; `rounds` each review round of a batch
with its place in the registry's own order (`seq`); `payments` each payment, top-ups naming
their original; `batches` each batch; `processed_files` the inbox's files by content;
`audit_heads` each run's audit-log head; `audit_secrets` each batch's audit secret.

Every fact another batch's decisions depend on carries the `seq` of the round that recorded
it, so a round sees exactly what was recorded before it, and a rerun sees the same.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
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

# One row per review round of a batch (round 0 is the first run). `seq` is the registry's own
# order over all rounds of all batches: "before" in SPEC §2 means a smaller seq.
rounds = Table(
    "rounds",
    metadata,
    Column("batch_id", String(64), nullable=False),
    Column("round", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("manifest_sha256", String(64), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("batch_id", "round", name="uq_round_once"),
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
    # The round that granted it; the worker and dates of a spring-festival claim (SFP_OVERLAP
    # is judged against other enterprises' claims of the same worker, SPEC §2.2).
    Column("seq", BigInteger, nullable=True),
    Column("person_id", String(40), nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    UniqueConstraint("program", "period", "claim_key", name="uq_claim_once"),
    # Only spring-festival claims name a worker: a partial index, so a province's million
    # other claims cost it nothing.
    Index(
        "ix_claim_person",
        "program",
        "person_id",
        sqlite_where=text("person_id IS NOT NULL"),
        postgresql_where=text("person_id IS NOT NULL"),
    ),
)

# Claims held for review, recorded apart from the granted ones: held from `held_seq` until the
# round `decided_seq` whose verdict (通过/驳回) ended the hold. A held claim makes the same key
# in a later batch `CLAIM_PENDING`; a 驳回 one makes it `REVIEW_RESUBMITTED` (SPEC §2).
claim_holds = Table(
    "claim_holds",
    metadata,
    Column("batch_id", String(64), nullable=False),
    Column("lineage", String(64), nullable=False),
    Column("program", String(40), nullable=False),
    Column("period", String(16), nullable=False),
    Column("claim_key", String(80), nullable=False),
    Column("person_id", String(40), nullable=True),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("held_seq", BigInteger, nullable=False),
    Column("decided_seq", BigInteger, nullable=True),
    Column("verdict", String(8), nullable=True),
    Column("comment", String(500), nullable=True),
    UniqueConstraint("batch_id", "program", "period", "claim_key", name="uq_hold_once"),
    Index("ix_hold_key", "program", "period", "claim_key"),
    Index("ix_hold_person", "program", "person_id"),
)

# Every verdict a reviewer gave on a batch's held rows, kept for all later rounds (SPEC §6).
review_verdicts = Table(
    "review_verdicts",
    metadata,
    Column("batch_id", String(64), nullable=False),
    Column("program", String(40), nullable=False),
    Column("file", String(500), nullable=False),
    Column("sheet", String(64), nullable=False),
    Column("row", Integer, nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("comment", String(500), nullable=False),
    Column("round", Integer, nullable=False),
    Column("reviewer", String(120), nullable=False),
    Column("recorded_by", String(120), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("batch_id", "program", "file", "sheet", "row", name="uq_verdict_once"),
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
    # The beneficiary's bank (开户银行), which chooses the bank file's format at approval
    # (SPEC §8); payments.csv keeps the columns SPEC §4 lists.
    Column("bank_name", String(120), nullable=True),
    # The account the application gave (SPEC §2 `RISK_SHARED_ACCOUNT`: one account given for
    # different beneficiaries in this batch or an earlier one); NULL before it was recorded.
    Column("bank_account", String(40), nullable=True),
    # A retroactive top-up (补发) names the payment it adds to; NULL kind is an ordinary payment.
    Column("kind", String(16), nullable=True),
    Column("original_payment_id", String(40), nullable=True),
    # The review round that prepared it and that round's place in the registry's order.
    Column("round", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    UniqueConstraint(
        "batch_id", "round", "program", "period", "beneficiary_id", name="uq_payment_round"
    ),
    # What a beneficiary was paid by other batches (the spring-festival cap, SPEC §2.2).
    Index("ix_payment_beneficiary", "program", "period", "beneficiary_id"),
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

# Each batch's audit secret (hex): the HMAC key of its decisions' Merkle salts (SPEC §4). It stays
# here, never beside the audit log or in a receipt, so no ID can be guessed back from a leaf.
audit_secrets = Table(
    "audit_secrets",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("secret", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
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

# The money loop (SPEC §8). Each review round's payments are released only by an approver other
# than the preparer and the round's reviewers: one row per round, from its preparation to the
# approver's decision (批准/退回).
releases = Table(
    "releases",
    metadata,
    Column("batch_id", String(64), nullable=False),
    Column("round", Integer, nullable=False),
    Column("prepared_by", String(120), nullable=False),
    Column("prepared_at", DateTime(timezone=True), nullable=False),
    Column("decision", String(8), nullable=True),  # 批准 | 退回; NULL while awaiting approval
    Column("decided_by", String(120), nullable=True),
    Column("identity", String(16), nullable=True),  # how the approver was known: signed-on | typed
    Column("reason", String(500), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("sent_by", String(120), nullable=True),  # who recorded the upload to the bank
    Column("sent_at", DateTime(timezone=True), nullable=True),
    # The round's 拨付审批单 under `bank/`, written once at approval (SPEC §8), and the batch
    # folder it was approved in: where later steps append their audit events (`money_audit`).
    Column("approval_file", String(255), nullable=True),
    Column("approval_sha256", String(64), nullable=True),
    Column("folder", String(1000), nullable=True),
    UniqueConstraint("batch_id", "round", name="uq_release_once"),
)

# Each payment's state after preparation (a payment without a row here is `prepared`):
# released → sent → paid | failed; paid → reversed; prepared → sent_back | held.
payment_states = Table(
    "payment_states",
    metadata,
    Column("payment_id", String(40), primary_key=True),
    Column("state", String(16), nullable=False),
    # The city a budget per city counts it in (the employing unit's, SPEC §8).
    Column("city", String(40), nullable=False),
    Column("bank_file", String(255), nullable=True),
    # What the bank file sent (a return's 成功 that differs from it is a discrepancy), and what
    # the bank's return said it paid.
    Column("sent_name", String(120), nullable=True),
    Column("sent_account", String(40), nullable=True),
    Column("sent_bank", String(120), nullable=True),
    Column("bank_amount_fen", BigInteger, nullable=True),
    # What the bank file carried: the amount less any recovery netted against it (SPEC §8).
    Column("sent_fen", BigInteger, nullable=True),
    Column("bank_reason", String(255), nullable=True),  # the bank's 失败原因 / 退汇原因
    Column("discrepancy", String(500), nullable=True),  # a 成功 that differs from what was sent
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The 当日次数 a bank core's line carried: with the account, how its return is matched.
    Column("day_count", Integer, nullable=True),
    # A failure about the account (a correction before re-issue), as its bank's format said.
    Column("account_problem", Boolean, nullable=True),
    # A sent payment the bank still processes (pending: 转下批/处理中) or cannot say (unknown:
    # 发送超时/状态未知 — never re-issued until settled).
    Column("bank_status", String(16), nullable=True),
)

# Every change of a payment's state, with who, when and from what (a return file's sha256).
payment_events = Table(
    "payment_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("payment_id", String(40), nullable=False, index=True),
    Column("event", String(16), nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("source", String(64), nullable=False),  # a return file's sha256, or the command
    Column("actor", String(120), nullable=False),
    Column("detail", String(500), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Bank files written at approval, once: a rerun never rewrites them.
bank_files = Table(
    "bank_files",
    metadata,
    Column("batch_id", String(64), nullable=False),
    Column("round", Integer, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("bank_format", String(40), nullable=False),
    Column("account_type", String(8), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    # The bank's business day the file must be loaded on (a bank core's 处理日期), else NULL.
    Column("business_date", Date, nullable=True),
    # The fund source whose payer account the file debits, and that account (SPEC §8).
    Column("fund_source", String(40), nullable=True),
    Column("payer_account", String(40), nullable=True),
    UniqueConstraint("batch_id", "round", "file_name", name="uq_bank_file_once"),
)

# Bank return files (回盘) reconciled, by content: the same file twice changes nothing.
bank_returns = Table(
    "bank_returns",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("applied", Integer, nullable=False),
    Column("reconciled_by", String(120), nullable=False),
    Column("reconciled_at", DateTime(timezone=True), nullable=False),
)

# Account corrections (SPEC §8 re-issue): entered from a workbook by one person, approved by
# another before any re-issue uses them.
account_corrections = Table(
    "account_corrections",
    metadata,
    Column("beneficiary_id", String(40), nullable=False),
    Column("name", String(120), nullable=False),
    Column("old_bank", String(120), nullable=False),
    Column("old_account", String(40), nullable=False),
    Column("new_bank", String(120), nullable=False),
    Column("new_account", String(40), nullable=False),
    Column("basis", String(255), nullable=False),  # 更正依据
    Column("source_sha256", String(64), nullable=False),
    Column("entered_by", String(120), nullable=False),
    Column("entered_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", String(120), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("beneficiary_id", "old_account", "new_account", name="uq_correction_once"),
)

# Amounts owed back (SPEC §8 追回): a decrease under new parameters, or a payment found wrong
# after release. 待追回 until recovered outside the system (已追回) or netted against later
# payments to the same beneficiary, programme and year (已抵扣, once those payments are paid).
recovery_items = Table(
    "recovery_items",
    metadata,
    Column("item_id", String(40), primary_key=True),
    Column("program", String(40), nullable=False),
    Column("period", String(16), nullable=False),
    Column("beneficiary_id", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("source", String(80), nullable=False),  # the batch and round, or the wrong payment
    # Only payments of rounds recorded after it (a larger `rounds.seq`) are netted against it.
    Column("seq", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),  # 待追回 | 已追回 | 已抵扣
    Column("created_by", String(120), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_by", String(120), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Index("ix_recovery_beneficiary", "program", "period", "beneficiary_id"),
)

# Each netting of an item against a later payment: pending until that payment is paid (then
# applied), reopened when it fails, is reversed or is sent back.
recovery_offsets = Table(
    "recovery_offsets",
    metadata,
    Column("item_id", String(40), nullable=False),
    Column("payment_id", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),  # pending | applied | reopened
    UniqueConstraint("item_id", "payment_id", name="uq_offset_once"),
)

# The payer account's statements (对账单, SPEC §8), by content: the same file twice changes
# nothing. Each line is kept with what it was found to be against the payments.
statements = Table(
    "statements",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("lines", Integer, nullable=False),
    Column("first_date", Date, nullable=False),
    Column("last_date", Date, nullable=False),
    Column("recorded_by", String(120), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # The payer account the statement is of (NULL: the only one the bank files named).
    Column("payer_account", String(40), nullable=True),
)

statement_lines = Table(
    "statement_lines",
    metadata,
    Column("sha256", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    Column("date", Date, nullable=False),
    Column("direction", String(8), nullable=False),  # debit | credit
    Column("amount_fen", BigInteger, nullable=False),
    Column("account", String(40), nullable=False),
    Column("name", String(120), nullable=False),
    Column("summary", String(255), nullable=False),
    # matched | double | unrequested | ambiguous | reversal_credit | other_credit
    Column("finding", String(16), nullable=False),
    Column("payment_id", String(40), nullable=True),
    UniqueConstraint("sha256", "line", name="uq_statement_line_once"),
    Index("ix_statement_payment", "payment_id"),
)
