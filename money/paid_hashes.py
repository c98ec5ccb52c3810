"""`subsidy export-paid-hashes` (SPEC §2 Screening before payment): the keyed hashes of the 鲁渝
workers this province has paid for a policy year, for the partner province's screening — a
workbook with one sheet 外省已发放名单 and one column 哈希, the shape our own screening reads
the partner's list in. No ID number, name or account is written; the key is never written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ledger.outputs import write_atomic
from policy.catalogue import CHONGQING
from policy.paid_hashes import paid_hash
from policy.refusal import Refusal
from policy.screening_lists import PAID_ELSEWHERE
from registry.database import Registry
from registry.payment_states import paid_beneficiaries
from workbooks.xlsx import Column, Table, workbook_bytes


class NoPartnerKey(Refusal):
    """No key shared with the partner province is set up: nothing is exported."""


def export_paid_hashes(registry: Registry, key: bytes, year: str, out: Path) -> int:
    """Write the hashes of the persons paid for `year` to `out`; returns how many."""
    with registry.engine.connect() as connection:
        people = paid_beneficiaries(connection, CHONGQING.code, year)
    digests = sorted({paid_hash(key, person, year) for person in people})
    table = Table(PAID_ELSEWHERE, [Column("哈希")], pd.DataFrame({"哈希": digests}))
    write_atomic(out, workbook_bytes([table]))
    return len(digests)
