"""The budget at approval (SPEC §8): per cash programme and policy year (and city, where one is
set), what is released already plus this release must stay within the budget in force on the
approval date; otherwise the whole release is refused with the shortfall. A programme or year
with no budget is never released. Released means released, sent, paid, failed or reversed (until
re-issued: then the re-issue counts) or netted, each counted net of recovery offsets (only what
goes to the bank).

Each fund source (SPEC §8 Fund sources) may have a budget of its own for the year
(`budget.fund_source`): the programmes it pays for, released before (by the programmes' fund
sources their preparations named) plus this release, must stay within it too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from money.paying import fund_sources
from policy.budget import budget_of, fund_budget_of
from policy.catalogue import CODES, TITLES
from policy.money import fen_grouped
from policy.parameters import PolicySet
from registry.database import Connection
from registry.payment_states import first_as_of, released_amounts


class OverBudget(Exception):
    """The release would pass a budget, or a budget is not set: nothing is released."""


@dataclass(frozen=True)
class BudgetLine:
    program: str
    period: str
    budget: int  # fen
    before: int  # released before this approval
    this: int  # this release
    provisional: bool
    fund_source: str = ""  # a fund source's line has no programme

    @property
    def label(self) -> str:
        return f"{self.title} {self.period} 年度"

    @property
    def title(self) -> str:
        return TITLES[self.program] if self.program else f"{self.fund_source}（资金来源合计）"

    @property
    def remaining(self) -> int:
        return self.budget - self.before - self.this


def budget_lines(
    connection: Connection, release: pd.DataFrame, policy: PolicySet, on: dt.date
) -> list[BudgetLine]:
    """Each programme and year of this release (amounts net of recovery offsets: what goes to
    the bank) against its budget; `OverBudget` if any fails. What was released before counts
    net too, a failed payment until re-issued, and not the originals this release re-issues."""
    released = released_amounts(connection)
    if "original" in release:  # a re-issue takes its original's place
        released = released[~released["payment_id"].isin(set(release["original"]) - {""})]
    problems, lines = [], []
    for (program, period), group in release.groupby(["program", "period"]):
        title = f"{TITLES[str(program)]} {period} 年度"
        budget = budget_of(policy, str(program), str(period), on)
        if budget.total is None:
            problems.append(f"{title}未设置预算，不能拨付")
            continue
        before = released[(released["program"] == program) & (released["period"] == period)]
        line = BudgetLine(
            str(program),
            str(period),
            budget.total,
            int(before["amount"].sum()),
            int(group["amount"].sum()),
            budget.provisional,
        )
        lines.append(line)
        if line.remaining < 0:
            problems.append(
                f"{title}预算 {fen_grouped(line.budget)} 元，已拨付 {fen_grouped(line.before)} 元，"
                f"本次 {fen_grouped(line.this)} 元，超出 {fen_grouped(-line.remaining)} 元"
            )
        for city, limit in budget.cities.items():
            city_after = int(before[before["city"] == city]["amount"].sum()) + int(
                group[group["city"] == city]["amount"].sum()
            )
            if city_after > limit:
                problems.append(
                    f"{title} {city} 预算 {fen_grouped(limit)} 元，超出 {fen_grouped(city_after - limit)} 元"
                )
    funds = _fund_lines(connection, released, release, policy, on)
    problems += [
        f"{line.label}预算 {fen_grouped(line.budget)} 元，已拨付 {fen_grouped(line.before)} 元，"
        f"本次 {fen_grouped(line.this)} 元，超出 {fen_grouped(-line.remaining)} 元"
        for line in funds
        if line.remaining < 0
    ]
    if problems:
        raise OverBudget("超出预算或未设置预算，整批不予拨付：\n" + "\n".join(problems))
    lines = sorted(lines, key=lambda line: (CODES.index(line.program), line.period))
    return lines + funds


def _fund_lines(
    connection: Connection,
    released: pd.DataFrame,
    release: pd.DataFrame,
    policy: PolicySet,
    on: dt.date,
) -> list[BudgetLine]:
    """Each fund source and year of this release that has a budget of its own: each payment,
    released before or now, counted under the fund source its preparation named
    (`money.paying.fund_sources`)."""
    fund_of = _funds(connection, release, policy)
    before_fund = _funds(connection, released, policy)
    found = []
    for (fund, period), group in release.assign(fund=fund_of).groupby(["fund", "period"]):
        budget = fund_budget_of(policy, str(fund), str(period), on)
        if not fund or budget.total is None:
            continue
        before = released[
            (pd.Series(before_fund, index=released.index, dtype=object) == fund)
            & (released["period"] == period)
        ]
        found.append(
            BudgetLine(
                "",
                str(period),
                budget.total,
                int(before["amount"].sum()),
                int(group["amount"].sum()),
                budget.provisional,
                str(fund),
            )
        )
    return sorted(found, key=lambda line: (line.fund_source, line.period))


def _funds(connection: Connection, payments: pd.DataFrame, policy: PolicySet) -> list[str]:
    if "fund_source" in payments:
        return [str(f) for f in payments["fund_source"]]
    ids = [str(p) for p in payments["payment_id"]]
    return fund_sources(payments, first_as_of(connection, ids), policy)
