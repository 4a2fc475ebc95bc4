"""The rate tables as people are told of them: which half-years up to today they lack, for the
command line (``relance rates check``) and the banner of the dashboard and the work queue."""

from __future__ import annotations

from datetime import date

from config.rates import load_rate_tables
from config.settings import Settings
from law.rates import first_day, half_year_fr


def missing_rates(settings: Settings, today: date) -> dict[str, list[str]]:
    """The half-years up to ``today`` the configured tables lack, each with its missing files."""
    return load_rate_tables(settings.rates_dir).missing_up_to(today)


def rates_banner(missing: dict[str, list[str]]) -> str | None:
    """What the pages say while a half-year is missing (in French, file names without their folder),
    or None when the tables reach today."""
    if not missing:
        return None
    half_years = ", ".join(half_year_fr(first_day(half_year)) for half_year in missing)
    files = sorted({name for names in missing.values() for name in names})
    return (
        f"Taux non publiés dans les tables : {half_years}. Les intérêts ne sont décomptés que jusqu'à "
        "la fin des taux connus et la voie judiciaire des petites créances attend ; complétez "
        f"{' et '.join(files)} (dossier des taux, « relance rates check »)."
    )
