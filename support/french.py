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
from babel.numbers import format_currency, format_decimal, format_percent

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


def number_fr(number: int) -> str:
    """A count in figures, its thousands apart: ``12345`` -> ``12 345`` (a narrow no-break space)."""
    return format_decimal(number, locale=LOCALE)


def count_fr(number: int, noun: str) -> str:
    """``number`` and ``noun``, plural from 2 as French counts: ``0 dossier``, ``1 erreur``,
    ``3 erreurs``."""
    return f"{number_fr(number)} {noun if abs(number) < 2 else f'{noun}s'}"


def date_fr(day: date | datetime | None) -> str:
    """``3 mars 2026``; the first of the month is written ``1er mars 2026``, as French usage wants."""
    if day is None:
        raise ValueError("the letter needs a date that the context does not give")
    if isinstance(day, datetime):
        day = (day.astimezone(LETTER_TIMEZONE) if day.tzinfo else day).date()
    if day.day == 1:
        return f"1er {format_date(day, 'MMMM y', locale=LOCALE)}"
    return format_date(day, "d MMMM y", locale=LOCALE)


def moment_fr(moment: datetime) -> str:
    """A moment as French local time says it: ``3 mars 2026 à 9 h 30``; midnight is the day alone,
    ``3 mars 2026`` (a pause until a day ends as that day starts)."""
    local = moment.astimezone(LETTER_TIMEZONE) if moment.tzinfo else moment
    if (local.hour, local.minute) == (0, 0):
        return date_fr(local)
    return f"{date_fr(local)} à {local.hour} h {local.minute:02d}"


def enumeration_fr(items: Iterable[str]) -> str:
    """``a``, ``a et b``, ``a, b et c``."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} et {words[-1]}"


# Words whose h is mute, so that "de" elides before them ("d'Hôtel du Port"). An h aspiré keeps
# "de" ("de Hachette"): a filter cannot tell the two apart, and a wrong elision reads worse than none.
MUTE_H_WORDS = frozenset(
    {
        "habitat", "habitation", "habillement", "habitations", "harmonie", "hélice", "herbe", "herbes",
        "héritage", "heure", "heures", "histoire", "hiver", "homme", "hommes", "honneur", "hôpital",
        "horizon", "horizons", "horloge", "horlogerie", "hôtel", "hôtellerie", "hôtels", "huile", "huiles",
        "huître", "huîtres", "humanité", "hygiène", "hypermarché",
    }
)
_VOWELS = frozenset("aàâäeéèêëiîïoôöuùûüœæ")


def de_fr(name: str) -> str:
    """``de`` before ``name``, elided before a vowel or a mute h: ``d'Atelier Morel``,
    ``d'Hôtel du Port``, ``de Bâtiments Martin``, ``de Hachette``."""
    first_word = name.split(maxsplit=1)[0].lower() if name.strip() else ""
    if first_word[:1] in _VOWELS or first_word.strip(",.") in MUTE_H_WORDS:
        return f"d'{name}"
    return f"de {name}"


_UNITS = (
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
    "douze", "treize", "quatorze", "quinze", "seize",
)
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante", 8: "quatre-vingt"}


def words_fr(number: int) -> str:
    """A count from 0 to 100 in words, as French prose writes small numbers (``huit jours``,
    ``quarante-cinq jours``, ``quatre-vingts``); a larger one in figures."""
    if not 0 <= number <= 100:
        return str(number)
    if number <= 16:
        return _UNITS[number]
    if number == 100:
        return "cent"
    if number < 20:
        return f"dix-{_UNITS[number - 10]}"
    tens, units = divmod(number, 10)
    if tens in (7, 9):  # soixante-dix…, quatre-vingt-dix…
        tens, units = tens - 1, units + 10
    base = _TENS[tens]
    if units == 0:
        return "quatre-vingts" if tens == 8 else base
    if units in (1, 11) and tens != 8:
        return f"{base} et {words_fr(units)}"
    return f"{base}-{words_fr(units)}"


def _load_locale_data() -> None:
    """Babel reads the locale's data from its files on first use, importing as it goes: done once
    here, as this module is imported, so that the case workflow formats amounts and dates too (its
    sandbox allows neither files nor imports while it runs; the data never changes after)."""
    money_fr(Decimal("1234.56"))
    percent_fr(Decimal("1.5"))
    number_fr(12345)
    date_fr(date(2000, 1, 2))


_load_locale_data()
