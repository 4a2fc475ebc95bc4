"""French business days, and how a policy moves a send off a weekend or a public holiday."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.policy import load_policy
from law.business_calendar import HolidayCalendar, is_business_day, next_business_day, public_holiday

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2026, 1, 1), True),  # Jour de l'an
        (date(2026, 4, 6), True),  # Lundi de Pâques
        (date(2026, 5, 14), True),  # Ascension
        (date(2026, 5, 25), True),  # Lundi de Pentecôte
        (date(2026, 7, 14), True),
        (date(2026, 11, 11), True),
        (date(2026, 4, 3), False),  # Vendredi saint: only in Alsace-Moselle
        (date(2026, 5, 15), False),
    ],
)
def test_public_holidays_of_metropolitan_france(day: date, holiday: bool) -> None:
    assert public_holiday(day) is holiday


def test_alsace_moselle_adds_good_friday_and_saint_stephen() -> None:
    alsace = HolidayCalendar.ALSACE_MOSELLE
    assert public_holiday(date(2026, 4, 3), alsace)
    assert public_holiday(date(2025, 12, 26), alsace)
    assert not public_holiday(date(2025, 12, 26))
    assert is_business_day(date(2026, 4, 3))
    assert not is_business_day(date(2026, 4, 3), alsace)


@pytest.mark.parametrize(
    ("day", "calendar", "expected"),
    [
        (date(2026, 11, 23), HolidayCalendar.FRANCE, date(2026, 11, 23)),  # a Monday: itself
        (date(2026, 11, 28), HolidayCalendar.FRANCE, date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 5, 14), HolidayCalendar.FRANCE, date(2026, 5, 15)),  # Ascension -> Friday
        (date(2026, 12, 25), HolidayCalendar.FRANCE, date(2026, 12, 28)),  # Christmas Friday -> Monday
        # Good Friday, then the weekend and Easter Monday: Tuesday in Alsace-Moselle.
        (date(2026, 4, 3), HolidayCalendar.ALSACE_MOSELLE, date(2026, 4, 7)),
        (date(2026, 4, 3), HolidayCalendar.FRANCE, date(2026, 4, 3)),
    ],
)
def test_next_business_day(day: date, calendar: HolidayCalendar, expected: date) -> None:
    assert next_business_day(day, calendar) == expected


def test_every_day_of_a_year_finds_its_business_day() -> None:
    day = date(2026, 1, 1)
    while day.year == 2026:
        found = next_business_day(day, HolidayCalendar.ALSACE_MOSELLE)
        assert is_business_day(found, HolidayCalendar.ALSACE_MOSELLE)
        assert all(
            not is_business_day(day + timedelta(days=n), HolidayCalendar.ALSACE_MOSELLE)
            for n in range((found - day).days)
        )
        day += timedelta(days=1)


def test_default_policy_moves_a_saturday_send_to_monday_morning() -> None:
    policy = load_policy("default")
    assert policy.non_business_days == "next_business_day"
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=PARIS)
    assert policy.on_business_day(saturday) == datetime.combine(date(2026, 11, 30), time(9), PARIS)
    weekday_evening = datetime(2026, 11, 27, 21, 30, tzinfo=PARIS)
    assert policy.on_business_day(weekday_evening) == weekday_evening


def test_a_policy_may_keep_rest_days_and_demo_policies_ignore_them() -> None:
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=PARIS)
    keep = load_policy("default").model_copy(update={"non_business_days": "keep"})
    assert keep.on_business_day(saturday) == saturday
    demo = load_policy("demo").model_copy(update={"non_business_days": "next_business_day"})
    assert demo.on_business_day(saturday) == saturday


def test_an_unknown_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="holiday_calendar"):
        load_policy("default").model_validate(
            {**load_policy("default").model_dump(), "holiday_calendar": "corsica"}
        )
