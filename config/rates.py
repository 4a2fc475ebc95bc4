"""The rate tables of config/rates/ (see its README): read once per folder, every row checked, the
file and line named when one is wrong."""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from law.rates import ECB_FILE, LEGAL_FILE, RateTables, SourcedRate

_HALF_YEAR = re.compile(r"^\d{4}-H[12]$")


class RateTableError(ValueError):
    """A rate file that cannot be read, naming the file and line."""


def _read_rows(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise RateTableError(f"{path}: rate file missing")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise RateTableError(f"{path}: expected columns {','.join(columns)}, found {reader.fieldnames}")
        rows = [(reader.line_num, row) for row in reader]
    seen: set[str] = set()
    for line, row in rows:
        if None in row or None in row.values():
            raise RateTableError(f"{path}:{line}: expected {len(columns)} fields (write rates like 3.15)")
        half_year = row["half_year"]
        if not _HALF_YEAR.match(half_year):
            raise RateTableError(f"{path}:{line}: half_year {half_year!r} is not like 2024-H1")
        if half_year in seen:
            raise RateTableError(f"{path}:{line}: {half_year} appears twice")
        seen.add(half_year)
        if not row["source"].strip():
            raise RateTableError(f"{path}:{line}: every rate needs its source")
    return rows


def _percent(path: Path, line: int, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise RateTableError(f"{path}:{line}: {text!r} is not a rate in percent") from error
    if not value.is_finite() or value < 0:
        raise RateTableError(f"{path}:{line}: {text!r} is not a rate in percent")
    return value


def load_rate_tables(folder: Path) -> RateTables:
    """The rate tables of ``folder`` (format: ``config/rates/README.md``), read again only when one
    of its files changed: a half-year an operator adds is seen at once, without a restart."""
    return _read_tables(folder, _modified(folder / ECB_FILE), _modified(folder / LEGAL_FILE))


def _modified(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


@lru_cache(maxsize=8)
def _read_tables(folder: Path, _ecb_modified: int | None, _legal_modified: int | None) -> RateTables:
    ecb_path = folder / ECB_FILE
    legal_path = folder / LEGAL_FILE
    ecb = {
        row["half_year"]: SourcedRate(_percent(ecb_path, line, row["rate_percent"]), row["source"])
        for line, row in _read_rows(ecb_path, ["half_year", "rate_percent", "source"])
    }
    legal_rows = _read_rows(legal_path, ["half_year", "professional_percent", "individual_percent", "source"])
    professional = {
        row["half_year"]: SourcedRate(_percent(legal_path, line, row["professional_percent"]), row["source"])
        for line, row in legal_rows
    }
    individual = {
        row["half_year"]: SourcedRate(_percent(legal_path, line, row["individual_percent"]), row["source"])
        for line, row in legal_rows
    }
    return RateTables(folder, ecb, professional, individual)
