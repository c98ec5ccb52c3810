"""What a published document says about itself: who publishes it, where objections go, and its
period counted in working days on the department's calendar.

Working days are weekdays, less the public holidays, plus the
weekends worked in their place (调休), as the `publication` parameters list them year by year.

A period that runs into a year whose holidays are not listed is still counted (on weekdays
only) but flagged, so that the clerk checks it before publishing: a 公示期 is never shorter than
the rule on a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from policy.parameters import PolicySet

NAMESPACE = "publication"


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # weekends worked in a holiday's place
    years: frozenset[int]  # whose holidays are listed

    @classmethod
    def of(cls, value: Any) -> WorkCalendar:
        """From a parameter reader (`ParameterReads.scoped("publication", on)` or alike)."""
        return cls(
            frozenset(value("holidays")),
            frozenset(value("adjusted_workdays")),
            frozenset(int(year) for year in value("calendar_years")),
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, after: dt.date) -> dt.date:
        day = after + dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day


@dataclass(frozen=True)
class Period:
    """A publication period: its first and last day, the working days in it, and whether every
    day of it is on a listed calendar."""

    start: dt.date
    end: dt.date
    working_days: int
    checked: bool


def period_of(calendar: WorkCalendar, start: dt.date, working_days: int) -> Period:
    """The shortest period from `start` (moved to a working day) holding `working_days`."""
    first = start if calendar.is_working_day(start) else calendar.next_working_day(start)
    day, counted = first, 1
    while counted < working_days:
        day = calendar.next_working_day(day)
        counted += 1
    years = {first.year, day.year}
    return Period(first, day, working_days, years <= calendar.years)


@dataclass(frozen=True)
class Publication:
    department: str
    objection_contact: str
    period: Period


def publication(policy: PolicySet, on: dt.date, start: dt.date | None = None) -> Publication:
    """The publication facts in force on `on`; the period starts on `start`, or on the first
    working day after `on`."""

    def value(name: str) -> Any:
        return policy.value(f"{NAMESPACE}.{name}", on)

    calendar = WorkCalendar.of(value)
    first = start or calendar.next_working_day(on)
    period = period_of(calendar, first, int(value("notice_working_days")))
    return Publication(str(value("department")), str(value("objection_contact")), period)
