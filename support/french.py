"""French typography for letters: amounts, rates, dates and enumerations.

Babel's ``fr_FR`` locale separates thousands with a narrow no-break space (U+202F) and puts a
no-break space (U+00A0) before the currency sign, so ``1 234,56 €`` never breaks across lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency, format_percent

LOCALE = "fr_FR"
# Journal timestamps are UTC; a letter dates what it recalls in French local time.
LETTER_TIMEZONE = ZoneInfo("Europe/Paris")


def money_fr(amount: Decimal, currency: str = "EUR") -> str:
    """``Decimal("1234.56")`` -> ``1 234,56 €``."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"an amount must be a Decimal, got {amount!r}")
    return format_currency(amount, currency, locale=LOCALE)


def percent_fr(rate_percent: Decimal) -> str:
    """A rate given in percent: ``Decimal("12.15")`` -> ``12,15 %`` (no-break space before the sign)."""
    if not isinstance(rate_percent, Decimal):
        raise TypeError(f"a rate must be a Decimal, got {rate_percent!r}")
    return format_percent(rate_percent / 100, "#,##0.00##\xa0%", locale=LOCALE)


def date_fr(day: date | datetime | None) -> str:
    """``3 mars 2026``; the first of the month is written ``1er mars 2026``, as French usage wants."""
    if day is None:
        raise ValueError("the letter needs a date that the context does not give")
    if isinstance(day, datetime):
        day = (day.astimezone(LETTER_TIMEZONE) if day.tzinfo else day).date()
    if day.day == 1:
        return f"1er {format_date(day, 'MMMM y', locale=LOCALE)}"
    return format_date(day, "d MMMM y", locale=LOCALE)


def enumeration_fr(items: Iterable[str]) -> str:
    """``a``, ``a et b``, ``a, b et c``."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} et {words[-1]}"
