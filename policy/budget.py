"""Budgets (SPEC §8): per cash programme and policy year, optionally per city, in fen.

`budget.<programme>` is a dated parameter whose value maps a policy year ("2020") to
`{total: yuan, cities: {city: yuan}}`; the value in force on the approval date applies.
`budget.fund_source` maps each fund source to its policy years' totals in the same shape: what
the programmes paid from that fund may take together (SPEC §8 Fund sources).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from policy.money import yuan_to_fen
from policy.parameters import PolicyError, PolicySet

NAMESPACE = "budget"
FUND_SOURCES = f"{NAMESPACE}.fund_source"


@dataclass(frozen=True)
class Budget:
    total: int | None  # fen; None: no budget set, nothing may be released
    cities: dict[str, int]  # fen, where a city has a budget of its own
    provisional: bool


def budget_of(policy: PolicySet, program: str, year: str, on: dt.date) -> Budget:
    return _budget(policy, f"{NAMESPACE}.{program}", None, year, on)


def fund_budget_of(policy: PolicySet, fund_source: str, year: str, on: dt.date) -> Budget:
    """A fund source's budget for the year; `total` None where none is set (the programmes'
    own budgets still cap every release)."""
    return _budget(policy, FUND_SOURCES, fund_source, year, on)


def _budget(policy: PolicySet, name: str, under: str | None, year: str, on: dt.date) -> Budget:
    """The year's entry of parameter `name` (of its key `under`, where it maps keys to years)."""
    if name not in policy.parameters:
        return Budget(None, {}, False)
    parameter = policy.parameter(name)
    try:
        value: dict[Any, Any] = parameter.at(on) or {}
    except PolicyError:
        return Budget(None, {}, parameter.provisional)
    years = value if under is None else (value.get(under) or {})
    entry = years.get(year) or (years.get(int(year)) if year.isdigit() else None)
    if not entry:
        return Budget(None, {}, parameter.provisional)
    cities = {str(c): yuan_to_fen(v) for c, v in (entry.get("cities") or {}).items()}
    total = entry.get("total")
    return Budget(yuan_to_fen(total) if total is not None else None, cities, parameter.provisional)
