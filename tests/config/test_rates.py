"""The rate tables as the worker reads them: a row an operator adds is seen without a restart."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from config.rates import load_rate_tables
from law.rates import RateNotKnown
from tests.fixtures.rates import BUNDLED_RATES_DIR


def test_a_half_year_added_to_the_files_is_read_at_once(tmp_path: Path) -> None:
    rates = tmp_path / "rates"
    shutil.copytree(BUNDLED_RATES_DIR, rates)
    first = load_rate_tables(rates)
    assert load_rate_tables(rates) is first  # unchanged files are not read again
    with pytest.raises(RateNotKnown, match="no rate for 2027-H1"):
        first.ecb_rate(date(2027, 1, 4))

    with (rates / "ecb_main_refinancing.csv").open("a", encoding="utf-8") as table:
        table.write('2027-H1,2.65,"décision de la BCE en vigueur le 16 septembre 2026"\n')
    assert load_rate_tables(rates).ecb_rate(date(2027, 1, 4)).percent == Decimal("2.65")
