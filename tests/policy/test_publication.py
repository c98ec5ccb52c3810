"""公示期 on the department's calendar: weekdays less public holidays plus 调休 weekends, at
least the parameter's number of working days, flagged where a year's holidays are not listed."""

from __future__ import annotations

import datetime as dt

import pytest

from policy.parameters import load_policy
from policy.publication import WorkCalendar, period_of, publication

POLICY = load_policy()


def calendar() -> WorkCalendar:
    return WorkCalendar.of(lambda name: POLICY.value(f"publication.{name}", dt.date(2020, 1, 1)))


@pytest.mark.parametrize(
    ("as_of", "start", "end"),
    [
        ("2020-12-31", "2021-01-04", "2021-01-08"),  # New Year's Day, then a weekend
        ("2020-09-25", "2020-09-27", "2020-10-09"),  # a worked Sunday, then the October holiday
        ("2020-01-20", "2020-01-21", "2020-02-04"),  # the Spring Festival, extended in 2020
        ("2021-02-05", "2021-02-07", "2021-02-18"),  # 调休 Sunday before the holiday
        ("2020-06-19", "2020-06-22", "2020-06-29"),  # Dragon Boat, 06-28 worked
    ],
)
def test_publication__the_notice_period_holds_the_working_days_of_the_parameter(
    as_of: str, start: str, end: str
) -> None:
    published = publication(POLICY, dt.date.fromisoformat(as_of))
    period = published.period
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    assert period.working_days == 5 and period.checked
    days = [
        period.start + dt.timedelta(days=n) for n in range((period.end - period.start).days + 1)
    ]
    assert sum(calendar().is_working_day(day) for day in days) == 5
    assert published.department == "山东省人力资源和社会保障厅"


def test_publication__a_year_without_its_holidays_listed_is_flagged_for_a_person() -> None:
    period = period_of(calendar(), dt.date(2022, 9, 29), 5)
    assert not period.checked
    assert period.end == dt.date(2022, 10, 5)  # weekdays only: to be checked before publishing
