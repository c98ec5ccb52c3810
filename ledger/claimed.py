"""Who already holds a claim in the payment registry: the beneficiaries "policy finds people"
must not propose again (SPEC §7; one refund per enterprise per policy year, §2.1).

A claim is in the registry once an application for it was approved and settled; held rows
never take one. For the job-stabilisation refund the claim key is the credit code and the
period is the policy year.
"""

from __future__ import annotations

from sqlalchemy import select

from ledger.registry import Registry
from ledger.registry_tables import claims


def claimed_enterprises(registry_url: str, program: str, period: str) -> frozenset[str]:
    """The claim keys (credit codes, for enterprise programmes) taken for a programme's period."""
    registry = Registry(registry_url)
    try:
        with registry.engine.connect() as connection:
            rows = connection.execute(
                select(claims.c.claim_key).where(
                    claims.c.program == program, claims.c.period == period
                )
            )
            return frozenset(key for (key,) in rows)
    finally:
        registry.dispose()
