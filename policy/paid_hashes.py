"""Paid-in-another-province matching without raw IDs (SPEC §2 Screening before payment).

The partner province and we exchange keyed hashes: HMAC-SHA-256 under a key both hold (a Prefect
Secret, never in a file, log or artifact) over `证件号码|policy year`, the ID number after §3
cleaning (upper case, no spaces). Matching is exact; without the key a hash reveals nothing and
a wrong key matches nothing.
"""

from __future__ import annotations

import hashlib
import hmac

MIN_KEY_BYTES = 32


class KeyTooShort(ValueError):
    """A key too short to keep the IDs behind the hashes secret."""


def paid_hash(key: bytes, id_number: str, year: str) -> str:
    if len(key) < MIN_KEY_BYTES:
        raise KeyTooShort(f"外省核查密钥至少 {MIN_KEY_BYTES} 字节")
    message = f"{''.join(id_number.split()).upper()}|{year}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
