"""``relance rates check``: whether the rate tables reach today, and which half-years to add."""

from __future__ import annotations

from datetime import date

import typer

from backoffice.cli.common import JsonOption, console, errors, print_json
from backoffice.rates import missing_rates
from config.rates import RateTableError
from config.settings import load_settings
from law.rates import half_year_of

app = typer.Typer(no_args_is_help=True, help="The rate tables of the penalty engine (ECB, legal interest).")


@app.command("check")
def check(as_json: JsonOption = False) -> None:
    """Say which half-years up to today the rate tables lack (exit 1 when any)."""
    settings = load_settings()
    folder, today = settings.rates_dir, date.today()
    try:
        missing = missing_rates(settings, today)
    except RateTableError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    if as_json:
        print_json({"folder": str(folder), "up_to": half_year_of(today), "missing": missing})
    elif missing:
        for half_year, files in missing.items():
            errors.print(
                f"missing: {half_year} in {', '.join(str(folder / name) for name in files)}: "
                "add the row from its official source (config/rates/README.md)"
            )
    else:
        console.print(f"rates known up to {half_year_of(today)} ({folder})")
    if missing:
        raise typer.Exit(1)
