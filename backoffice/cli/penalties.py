"""``relance penalties``: the penalty engine from the command line, no server needed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from backoffice.cli.common import JsonOption, console, print_json, to_json, usage_error
from backoffice.inputs import BadOption
from backoffice.penalties import penalty_request, penalty_statement
from config.rates import RateTableError, load_rate_tables
from config.settings import load_settings
from law.penalties import PenaltyStatement

app = typer.Typer()


@app.command()
def penalties(
    amount: Annotated[str, typer.Option(help="Principal of the invoice, e.g. 1234.56 or 1 234,56.")],
    due: Annotated[str, typer.Option(help="Due date of the invoice.")],
    until: Annotated[str, typer.Option(help="Last day counted, inclusive.")],
    debtor: Annotated[
        str,
        typer.Option(
            help="business (L441-10), consumer (Code civil 1231-6) or public (Code de la commande "
            "publique R2192-31)."
        ),
    ] = "business",
    contract_rate: Annotated[
        str | None, typer.Option(help="Late-payment rate of the terms of sale, percent a year.")
    ] = None,
    notice: Annotated[
        str | None, typer.Option(help="Day the formal notice was received (consumer: required).")
    ] = None,
    payment: Annotated[
        list[str] | None, typer.Option(help="A payment received, DATE:AMOUNT; repeat for several.")
    ] = None,
    further_costs: Annotated[
        str, typer.Option(help="Justified recovery costs beyond the 40 EUR indemnity.")
    ] = "0",
    as_json: JsonOption = False,
) -> None:
    """Compute late-payment penalties period by period, from the rate tables (no server needed)."""
    try:
        request = penalty_request(
            amount, due, until, debtor, contract_rate, notice, payment or [], further_costs
        )
        statement = penalty_statement(request, load_rate_tables(load_settings().rates_dir))
    except BadOption as error:
        raise usage_error(error) from None
    except RateTableError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        print_json(to_json(statement))
    else:
        _print_penalties(statement)


def _print_penalties(statement: PenaltyStatement) -> None:
    table = Table(
        "from",
        "to",
        "days",
        "base",
        "rate %",
        "rate source",
        "interest",
        title=f"penalties to {statement.until}",
    )
    for period in statement.periods:
        table.add_row(
            str(period.start),
            str(period.end),
            str(period.days),
            str(period.base),
            str(period.rate_percent),
            Text(period.rate_source),
            str(period.interest),
        )
    table.add_section()
    table.add_row("", "", "", "", "", "interest", str(statement.interest))
    table.add_row("", "", "", "", "", "indemnity (D441-5)", str(statement.indemnity))
    if statement.further_costs:
        table.add_row("", "", "", "", "", "further costs", str(statement.further_costs))
    table.add_row("", "", "", "", "", "total", str(statement.total))
    console.print(table)
    for warning in statement.warnings:
        console.print(Text(f"warning: {warning}"))
