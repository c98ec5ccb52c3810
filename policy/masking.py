"""The masks of one ID number or account (SPEC §4), shared by the rules' evidence (a risk names
the other party masked) and the ledger's outputs (`ledger.masking` masks columns and text).

ID numbers keep their first six (the issuing area) and last four characters,
`370102********1234`; bank accounts keep their last four.
"""

from __future__ import annotations


def mask_id(value: str) -> str:
    if not value or len(value) < 10:
        return "*" * len(value or "")
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_account(value: str) -> str:
    if not value or len(value) <= 4:
        return "*" * len(value or "")
    return "*" * (len(value) - 4) + value[-4:]
