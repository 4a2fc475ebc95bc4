"""The rate tables bundled with Relance, as the tests read them."""

from __future__ import annotations

from config.rates import load_rate_tables
from config.settings import Settings
from law.rates import RateTables

BUNDLED_RATES_DIR = Settings.model_fields["rates_dir"].default


def bundled_rates() -> RateTables:
    return load_rate_tables(BUNDLED_RATES_DIR)
