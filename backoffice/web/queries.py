"""What a page's query string may hold: every date, number and choice checked before it reaches a
query, so that a link typed or forged by hand gets a 400 and a French sentence, never a 500."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import TypeVar

from models.bounds import EARLIEST_DAY, YEARS_AHEAD, day_in_window
from support.french import date_fr
from support.parsing import parse_date, quoted

Choice = TypeVar("Choice", bound=StrEnum)


class BadQuery(ValueError):
    """A query-string parameter a page cannot use: the message names it and says why, in French."""


def query_day(text: str, label: str, today: date) -> date | None:
    """A date of the query string (none when empty), within the days Relance knows."""
    if not text.strip():
        return None
    try:
        day = parse_date(text)
    except ValueError:
        raise BadQuery(
            f"{label} : {quoted(text)} n'est pas une date (écrivez 2026-03-31 ou 31/03/2026)"
        ) from None
    try:
        return day_in_window(day, today)
    except ValueError:
        raise BadQuery(
            f"{label} : le {date_fr(day)} est hors des dates que Relance connaît "
            f"(du {date_fr(EARLIEST_DAY)} à {YEARS_AHEAD} ans d'ici)"
        ) from None


def query_period(start: str, end: str, today: date) -> tuple[date, date]:
    """A period of two dates of the query string, both required, the first on or before the second."""
    first, last = query_day(start, "début", today), query_day(end, "fin", today)
    if first is None or last is None:
        raise BadQuery("période : donnez une date de début et une date de fin")
    if last < first:
        raise BadQuery(f"période : la fin ({date_fr(last)}) est avant le début ({date_fr(first)})")
    return first, last


def query_choice(text: str, label: str, choices: type[Choice]) -> Choice | None:
    """One of ``choices`` by its value (none when empty)."""
    if not text:
        return None
    try:
        return choices(text)
    except ValueError:
        allowed = ", ".join(choice.value for choice in choices)
        raise BadQuery(f"{label} : {quoted(text)} n'est pas une valeur possible ({allowed})") from None


def query_siren(text: str, label: str) -> str | None:
    """A SIREN of the query string: nine digits 0-9 (none when empty)."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if not re.fullmatch(r"[0-9]{9}", cleaned):
        raise BadQuery(f"{label} : {quoted(text)} n'est pas un SIREN (neuf chiffres)")
    return cleaned
