"""``relance rates check``: whether the rate tables reach today, and which half-years to add."""

from __future__ import annotations

from datetime import date

import typer

from backoffice.cli.command_line import CommandGroup
from backoffice.cli.common import JsonOption, console, errors, failed, print_json
from backoffice.rates import missing_rates
from config.rates import RateTableError
from config.settings import load_settings
from law.rates import first_day, half_year_fr, half_year_of

app = CommandGroup(
    no_args_is_help=True, help="Les tables de taux du calcul des pénalités (BCE, taux de l'intérêt légal)."
)


@app.command(
    "check",
    help="Dire quels semestres jusqu'à aujourd'hui manquent aux tables de taux (code de sortie 1 s'il en "
    "manque).",
)
def check(as_json: JsonOption = False) -> None:
    settings = load_settings()
    folder, today = settings.rates_dir, date.today()
    try:
        missing = missing_rates(settings, today)
    except RateTableError as error:
        failed(error)
        raise typer.Exit(1) from None
    if as_json:
        print_json({"folder": str(folder), "up_to": half_year_of(today), "missing": missing})
    elif missing:
        for half_year, files in missing.items():
            errors.print(
                f"manquant : {half_year_fr(first_day(half_year))} ({half_year}) dans "
                f"{', '.join(str(folder / name) for name in files)} : ajoutez la ligne depuis sa source "
                "officielle (config/rates/README.md)",
                highlight=False,
            )
    else:
        console.print(f"taux connus jusqu'au {half_year_fr(today)} ({folder})", highlight=False)
    if missing:
        raise typer.Exit(1)
