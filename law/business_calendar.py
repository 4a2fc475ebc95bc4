"""French business days: weekends and public holidays, Alsace-Moselle's two extra days optional.

Public holidays come from the ``holidays`` package (Code du travail L3133-1 lists them; Good Friday
and 26 December are added in Moselle, Bas-Rhin and Haut-Rhin, L3134-13). The computation is pure:
the same date always gives the same answer for a given version of the package, which the workflow
relies on to replay.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from holidays.countries.france import France

# No run of non-business days is longer than this (a long weekend next to two holidays).
_LONGEST_BREAK = 10


class HolidayCalendar(StrEnum):
    FRANCE = "france"
    # Moselle, Bas-Rhin, Haut-Rhin: Good Friday and Saint Stephen's Day are public holidays too.
    ALSACE_MOSELLE = "alsace_moselle"


@cache
def _public_holidays(calendar: HolidayCalendar, year: int) -> frozenset[date]:
    subdivision = "57" if calendar is HolidayCalendar.ALSACE_MOSELLE else None
    # The country class itself, imported above: ``holidays.country_holidays`` would import it lazily,
    # at call time, which the workflow sandbox forbids.
    return frozenset(France(subdiv=subdivision, years=year))


def public_holiday(day: date, calendar: HolidayCalendar = HolidayCalendar.FRANCE) -> bool:
    return day in _public_holidays(calendar, day.year)


def is_business_day(day: date, calendar: HolidayCalendar = HolidayCalendar.FRANCE) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and not public_holiday(day, calendar)


def next_business_day(day: date, calendar: HolidayCalendar = HolidayCalendar.FRANCE) -> date:
    """``day`` itself when it is a business day, else the first business day after it."""
    for offset in range(_LONGEST_BREAK + 1):
        candidate = day + timedelta(days=offset)
        if is_business_day(candidate, calendar):
            return candidate
    raise AssertionError(f"no business day within {_LONGEST_BREAK} days of {day.isoformat()}")
