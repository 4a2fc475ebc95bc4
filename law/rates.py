"""The published rates the penalties are computed with, by half-year: the ECB's main refinancing
rate in force on 1 January and 1 July (Code de commerce L441-10 II) and the legal interest rates
(Code monétaire et financier L313-2), each with its source.

A half-year missing from the tables is never guessed: ``RateNotKnown`` names the file to complete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from support.french import date_fr

# The two rate tables, as files of one folder (read by ``config.rates``).
ECB_FILE = "ecb_main_refinancing.csv"
LEGAL_FILE = "legal_interest.csv"


class RateNotKnown(LookupError):
    """No rate for a half-year: the table must be completed from its official source, never guessed.
    The message names the file where it is kept (for the operator); ``french``, the words an agent
    reads, names the half-year and the file, not where the server keeps it."""

    def __init__(self, message: str, day: date | None = None, file_name: str = "") -> None:
        super().__init__(message)
        self.french = message if day is None else (
            f"pas de taux pour le {half_year_fr(day)} (nécessaire pour le {date_fr(day)}) dans "
            f"{file_name} : ajoutez la ligne depuis sa source officielle (relance rates check)"
        )


class SourcedRate(NamedTuple):
    percent: Decimal
    source: str


def half_year_of(day: date) -> str:
    """``"2024-H1"`` for January–June, ``"2024-H2"`` for July–December."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def half_year_fr(day: date) -> str:
    """The half-year of ``day`` in French: ``"premier semestre 2024"``, ``"second semestre 2024"``."""
    return f"{'premier' if day.month <= 6 else 'second'} semestre {day.year}"


def first_day(half_year: str) -> date:
    """1 January or 1 July of ``"2024-H1"`` or ``"2024-H2"``."""
    return date(int(half_year[:4]), 1 if half_year[-1] == "1" else 7, 1)


def _last_day(half_year: str) -> date:
    year, half = int(half_year[:4]), half_year[-1]
    return date(year, 6, 30) if half == "1" else date(year, 12, 31)


def _next_half_year(half_year: str) -> str:
    year, half = int(half_year[:4]), half_year[-1]
    return f"{year}-H2" if half == "1" else f"{year + 1}-H1"


@dataclass(frozen=True)
class RateTables:
    """Rates by half-year, as published: the ECB rate in force on 1 January / 1 July, the legal rates."""

    folder: Path
    ecb: dict[str, SourcedRate]
    # "All other cases" legal rate: the one for creditors acting for professional needs.
    legal_professional: dict[str, SourcedRate]
    # Legal rate for creditors who are natural persons not acting for professional needs.
    legal_individual: dict[str, SourcedRate]

    def ecb_rate(self, day: date) -> SourcedRate:
        return self._lookup(self.ecb, day, ECB_FILE)

    def legal_rate(self, day: date, *, creditor_is_individual: bool = False) -> SourcedRate:
        table = self.legal_individual if creditor_is_individual else self.legal_professional
        return self._lookup(table, day, LEGAL_FILE)

    def covered_until(self) -> date | None:
        """The last day up to which every late day finds its rates, whatever the debtor.

        That is the last day of the last half-year present in both the ECB and the legal table, every
        half-year from the first one both give up to it present too; None when they share none.
        """
        shared = sorted(self.ecb.keys() & self.legal_professional.keys())
        if not shared:
            return None
        last = shared[0]
        for half_year in shared[1:]:
            if half_year != _next_half_year(last):
                break
            last = half_year
        return _last_day(last)

    def missing_up_to(self, day: date) -> dict[str, list[str]]:
        """The half-years from the first one the tables give up to ``day``'s that one of them lacks,
        each with the files it is missing from (empty: every late day up to ``day`` finds its rates)."""
        known = sorted(self.ecb.keys() | self.legal_professional.keys())
        if not known:
            return {half_year_of(day): [ECB_FILE, LEGAL_FILE]}
        missing: dict[str, list[str]] = {}
        half_year, last = known[0], half_year_of(day)
        while half_year <= last:
            files = [name for name, table in ((ECB_FILE, self.ecb), (LEGAL_FILE, self.legal_professional))
                     if half_year not in table]
            if files:
                missing[half_year] = files
            half_year = _next_half_year(half_year)
        return missing

    def _lookup(self, table: dict[str, SourcedRate], day: date, file_name: str) -> SourcedRate:
        half_year = half_year_of(day)
        if half_year not in table:
            raise RateNotKnown(
                f"no rate for {half_year} (needed for {day.isoformat()}) in {self.folder / file_name}: "
                f"add the row from its official source",
                day,
                file_name,
            )
        return table[half_year]
