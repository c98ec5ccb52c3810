"""Budgets (SPEC §8): per cash programme and policy year, optionally per city, in fen.

`budget.<programme>` is a dated parameter whose value maps a policy year ("2020") to
`{total: yuan, cities: {city: yuan}}`; the value in force on the approval date applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from policy.money import yuan_to_fen
from policy.parameters import PolicyError, PolicySet

NAMESPACE = "budget"


@dataclass(frozen=True)
class Budget:
    total: int | None  # fen; None: no budget set, nothing may be released
    cities: dict[str, int]  # fen, where a city has a budget of its own
    provisional: bool


def budget_of(policy: PolicySet, program: str, year: str, on: dt.date) -> Budget:
    name = f"{NAMESPACE}.{program}"
    if name not in policy.parameters:
        return Budget(None, {}, False)
    parameter = policy.parameter(name)
    try:
        years: dict[Any, Any] = parameter.at(on) or {}
    except PolicyError:
        return Budget(None, {}, parameter.provisional)
    entry = years.get(year) or years.get(int(year)) if year.isdigit() else years.get(year)
    if not entry:
        return Budget(None, {}, parameter.provisional)
    cities = {str(c): yuan_to_fen(v) for c, v in (entry.get("cities") or {}).items()}
    total = entry.get("total")
    return Budget(yuan_to_fen(total) if total is not None else None, cities, parameter.provisional)
